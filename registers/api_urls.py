"""The registers' API routes, mounted under /api/v1/ with the namespace "api".

A date that is not a real day (2025-02-30) or a session other than AM or PM does not match, so
it is a 404 before any view runs, as on the pages.
"""

from django.urls import path, register_converter

from registers import api
from registers.lib.calendar import SESSIONS
from registers.urls import IsoDateConverter


class SessionConverter:
    regex = "|".join(SESSIONS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Names of their own: registering "isodate" again (registers.urls owns it) is deprecated in
# Django 5.x and an error from 6.0.
register_converter(IsoDateConverter, "apidate")
register_converter(SessionConverter, "apisession")

app_name = "api"

urlpatterns = [
    path(
        "registers/<int:group_id>/<apidate:day>/<apisession:session>/",
        api.RegisterApi.as_view(),
        name="register",
    ),
    path("marks/<int:mark_id>/amend/", api.MarkAmendApi.as_view(), name="mark_amend"),
]
