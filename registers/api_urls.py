"""The registers' API routes; `attendance_site.api_urls` mounts them with every app's under
/api/v1/, in the namespace "api".

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

urlpatterns = [
    path(
        "registers/<int:group_id>/<apidate:day>/<apisession:session>/",
        api.RegisterApi.as_view(),
        name="register",
    ),
    path("marks/<int:mark_id>/amend/", api.MarkAmendApi.as_view(), name="mark_amend"),
]

# The read endpoints, and the writes that go through the registers' services.
urlpatterns += [
    path("schools/", api.SchoolListApi.as_view(), name="schools"),
    path("schools/<int:school_id>/", api.SchoolDetailApi.as_view(), name="school"),
    path("groups/", api.GroupListApi.as_view(), name="groups"),
    path("pupils/", api.PupilListApi.as_view(), name="pupils"),
    path("pupils/<int:pupil_id>/", api.PupilDetailApi.as_view(), name="pupil"),
    path("marks/", api.MarkListApi.as_view(), name="marks"),
]
