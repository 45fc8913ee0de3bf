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
        f"{PREFIX}unauthorised-letters/",
        views.unauthorised_letters,
        name="followup_unauthorised_letters",
    ),
    path(
        f"{PREFIX}unauthorised-letters/<int:unauthorised_letter_id>/",
        views.unauthorised_letter_download,
        name="followup_unauthorised_letter",
    ),
    path(
        f"{PREFIX}local-authority/expected-illness/",
        views.la_expected_illness,
        name="followup_la_expected_illness",
    ),
]

# The four returns to the local authority: the page, its CSV, and recording a return as sent.
for slug, name in (
    ("illness", "illness"),
    ("continuous", "continuous"),
    ("new-pupils", "new_pupils"),
    ("deletions", "deletions"),
):
    urlpatterns += [
        path(
            f"{PREFIX}local-authority/{slug}/",
            views.la_return,
            {"report": slug},
            name=f"followup_la_{name}",
        ),
        path(
            f"{PREFIX}local-authority/{slug}.csv",
            views.la_return_csv,
            {"report": slug},
            name=f"followup_la_{name}_csv",
        ),
        path(
            f"{PREFIX}local-authority/{slug}/sent/",
            views.la_return_sent,
            {"report": slug},
            name=f"followup_la_{name}_sent",
        ),
    ]
