"""Leave of absence (the office records, the head decides) and part-time timetables."""

from django.urls import path

from absences.views import leave

urlpatterns = [
    path("schools/<int:school_id>/leave/", leave.leave_requests, name="leave_requests"),
    path("schools/<int:school_id>/leave/new/", leave.leave_request_new, name="leave_request_new"),
    path("schools/<int:school_id>/leave/to-decide/", leave.leave_queue, name="leave_queue"),
    path(
        "schools/<int:school_id>/leave/<int:leave_id>/decide/",
        leave.leave_decide,
        name="leave_decide",
    ),
    path(
        "schools/<int:school_id>/leave/<int:leave_id>/letter.pdf",
        leave.leave_letter,
        name="leave_letter",
    ),
    path(
        "schools/<int:school_id>/leave/<int:leave_id>/letter/send/",
        leave.leave_letter_send,
        name="leave_letter_send",
    ),
    path(
        "schools/<int:school_id>/leave/<int:leave_id>/taken-anyway/",
        leave.leave_taken_anyway,
        name="leave_taken_anyway",
    ),
    path(
        "schools/<int:school_id>/part-time-timetables/",
        leave.part_time_timetables,
        name="part_time_timetables",
    ),
    path(
        "schools/<int:school_id>/part-time-timetables/new/",
        leave.part_time_timetable_new,
        name="part_time_timetable_new",
    ),
    path(
        "schools/<int:school_id>/part-time-timetables/reviews/<int:review_id>/",
        leave.timetable_review,
        name="timetable_review",
    ),
]
