"""The API's one exception handler: a service's refusal becomes an answer a client can show.

DomainError is 400 with the service's message (staff-readable, naming only what was sent or what
the user may see); RegisterRefused adds every problem found; StaleSave is 409 with the marks as
they are now, so the client can show them and let the person decide. Everything else (Http404,
PermissionDenied, validation and parse errors) is DRF's own handling.
"""

from dataclasses import asdict
from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from registers.errors import DomainError, StaleSave
from registers.services.register import RegisterRefused


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if not isinstance(exc, DomainError):
        return drf_exception_handler(exc, context)
    # The services write in their own transactions; this keeps a request-wide one (should
    # ATOMIC_REQUESTS be turned on) from committing anything either, as DRF does for its errors.
    set_rollback()
    body: dict[str, Any] = {"detail": exc.message}
    if isinstance(exc, StaleSave):
        body["conflicts"] = [asdict(conflict) for conflict in exc.conflicts]
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RegisterRefused):
        body["problems"] = list(exc.problems)
    return Response(body, status=status.HTTP_400_BAD_REQUEST)
