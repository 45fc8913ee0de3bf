"""The API's reads of pupil-level data, each written to the disclosure log (`AccessLog`).

A paged list records what was listed, the filters and page asked for and how many rows the page
held; a detail or a register records its object. Governors' figures are aggregates, but they
are an export of the school's data too, so they are recorded the same way. Schools and classes
name no pupil and are not recorded.
"""

from typing import Any

from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from core.http import AuthenticatedRequest
from registers.models import School
from registers.services.access_log import access_log_record


class DisclosedList(generics.ListAPIView):
    """A list of the API whose every page answered is recorded as "API <disclosed> list"."""

    disclosed: str
    request: AuthenticatedRequest

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        disclose(
            self.request,
            school=None,
            what=f"API {self.disclosed} list",
            rows=len(response.data["results"]),
            filters=request.query_params,
        )
        return response


def disclose(
    request: AuthenticatedRequest,
    *,
    school: School | None,
    what: str,
    rows: int,
    filters: Any = None,
) -> None:
    access_log_record(user=request.user, school=school, what=what, rows=rows, filters=filters)
