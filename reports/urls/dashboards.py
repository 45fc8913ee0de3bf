"""The governors' dashboard (with its PDF report and CSVs) and the federation overview."""

from django.urls import path

from reports.views import federation, governors

GOVERNORS = "schools/<int:school_id>/governors/"

urlpatterns = [
    path(GOVERNORS, governors.dashboard, name="governors_dashboard"),
    path(GOVERNORS + "report.pdf", governors.report, name="governors_report"),
    path(GOVERNORS + "<slug:table>.csv", governors.table_csv, name="governors_csv"),
    path(
        "federations/<int:federation_id>/overview/",
        federation.overview,
        name="federation_overview",
    ),
    path(
        "federations/<int:federation_id>/overview.csv",
        federation.overview_csv,
        name="federation_overview_csv",
    ),
]
