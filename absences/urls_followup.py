from django.urls import path

from absences.views import followup as views

PREFIX = "schools/<int:school_id>/follow-up/"

urlpatterns = [
    path(PREFIX, views.overview, name="followup_overview"),
    path(
        f"{PREFIX}continuing-absence/", views.continuing_absence, name="followup_continuing_absence"
    ),
    path(f"{PREFIX}medical-evidence/", views.medical_evidence, name="followup_medical_evidence"),
    path(
        f"{PREFIX}medical-evidence/<int:request_id>/",
        views.evidence_request,
        name="followup_evidence_request",
    ),
    path(
        f"{PREFIX}medical-evidence/<int:request_id>/outcome/",
        views.evidence_outcome,
        name="followup_evidence_outcome",
    ),
    path(
        f"{PREFIX}medical-evidence/<int:request_id>/not-accepted/",
        views.evidence_not_accepted,
        name="followup_evidence_not_accepted",
    ),
    path(f"{PREFIX}overdue-n/", views.overdue_n, name="followup_overdue_n"),
    path(
        f"{PREFIX}local-authority/illness/",
        views.la_report,
        {"report": "illness"},
        name="followup_la_illness",
    ),
    path(
        f"{PREFIX}local-authority/illness.csv",
        views.la_report_csv,
        {"report": "illness"},
        name="followup_la_illness_csv",
    ),
    path(
        f"{PREFIX}local-authority/continuous/",
        views.la_report,
        {"report": "continuous"},
        name="followup_la_continuous",
    ),
    path(
        f"{PREFIX}local-authority/continuous.csv",
        views.la_report_csv,
        {"report": "continuous"},
        name="followup_la_continuous_csv",
    ),
]
