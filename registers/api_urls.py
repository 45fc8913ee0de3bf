"""The registers' API routes, mounted under /api/v1/ with the namespace "api".

A date that is not a real day (2025-02-30) or a session other than AM or PM does not match, so
it is a 404 before any view runs, as on the pages.
"""

from django.urls import path, register_converter

from absences import api as absences_api
from penalties import api as penalties_api
from registers import api
from registers.lib.calendar import SESSIONS
from registers.urls import IsoDateConverter
from reports import api as reports_api


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

# The read endpoints of every app, and the writes that go through their services.
urlpatterns += [
    path("schools/", api.SchoolListApi.as_view(), name="schools"),
    path("schools/<int:school_id>/", api.SchoolDetailApi.as_view(), name="school"),
    path(
        "schools/<int:school_id>/figures/",
        reports_api.SchoolFiguresApi.as_view(),
        name="school_figures",
    ),
    path("groups/", api.GroupListApi.as_view(), name="groups"),
    path("pupils/", api.PupilListApi.as_view(), name="pupils"),
    path("pupils/<int:pupil_id>/", api.PupilDetailApi.as_view(), name="pupil"),
    path("marks/", api.MarkListApi.as_view(), name="marks"),
    path("calls/", absences_api.ParentCallListApi.as_view(), name="calls"),
    path("leave-requests/", absences_api.LeaveRequestListApi.as_view(), name="leave_requests"),
    path(
        "leave-requests/<int:leave_id>/",
        absences_api.LeaveRequestDetailApi.as_view(),
        name="leave_request",
    ),
    path("cases/", penalties_api.ThresholdCaseListApi.as_view(), name="cases"),
    path("cases/<int:case_id>/", penalties_api.ThresholdCaseDetailApi.as_view(), name="case"),
]
