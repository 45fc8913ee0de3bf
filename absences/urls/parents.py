"""The parents' pages (/parents/...) and the office's queue of the absences they report."""

from django.urls import path

from absences.views import parents, reports

urlpatterns = [
    path("parents/", parents.home, name="parents_home"),
    path("parents/sign-in/", parents.sign_in_request, name="parent_sign_in_request"),
    # The link's token follows "#": browsers never send it, so no server or proxy logs it.
    path("parents/sign-in/confirm/", parents.sign_in, name="parent_sign_in"),
    path("parents/children/<int:pupil_id>/", parents.child, name="parents_child"),
    path(
        "parents/children/<int:pupil_id>/report-absence/",
        parents.report_absence,
        name="parents_report_absence",
    ),
    path(
        "parents/children/<int:pupil_id>/leave/",
        parents.ask_for_leave,
        name="parents_ask_for_leave",
    ),
    path(
        "parents/children/<int:pupil_id>/letters/<str:kind>/<int:letter_id>/",
        parents.letter,
        name="parents_letter",
    ),
    path(
        "schools/<int:school_id>/pending-absence-reports/",
        reports.pending_absence_reports,
        name="pending_absence_reports",
    ),
    path(
        "schools/<int:school_id>/pending-absence-reports/<int:report_id>/accept/",
        reports.pending_report_accept,
        name="pending_report_accept",
    ),
    path(
        "schools/<int:school_id>/pending-absence-reports/<int:report_id>/reject/",
        reports.pending_report_reject,
        name="pending_report_reject",
    ),
]
