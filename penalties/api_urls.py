"""The threshold cases' API routes (see `attendance_site.api_urls`)."""

from django.urls import path

from penalties import api

urlpatterns = [
    path("cases/", api.ThresholdCaseListApi.as_view(), name="cases"),
    path("cases/<int:case_id>/", api.ThresholdCaseDetailApi.as_view(), name="case"),
]
