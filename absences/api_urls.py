"""The office's API routes: calls and leave requests (see `attendance_site.api_urls`)."""

from django.urls import path

from absences import api

urlpatterns = [
    path("calls/", api.ParentCallListApi.as_view(), name="calls"),
    path("leave-requests/", api.LeaveRequestListApi.as_view(), name="leave_requests"),
    path(
        "leave-requests/<int:leave_id>/",
        api.LeaveRequestDetailApi.as_view(),
        name="leave_request",
    ),
]
