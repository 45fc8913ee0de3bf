from datetime import date

from django.urls import path, register_converter

from core.parsing import iso_day
from registers.views import monitor as views_monitor
from registers.views import outbox as views_outbox
from registers.views import registers as views


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        day = iso_day(value)
        if day is None:
            raise ValueError(value)  # a 404, not a 500, for 2025-02-30 or 9999-12-31
        return day

    def to_url(self, value: date) -> str:
        return value.isoformat()


register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "registers/<int:group_id>/<isodate:day>/<str:session>/",
        views.register,
        name="register",
    ),
    path("marks/<int:mark_id>/amend/", views.amend, name="mark_amend"),
    path("schools/<int:school_id>/late-book/", views.late_book, name="late_book"),
    path("schools/<int:school_id>/closures/", views.closure, name="school_closure"),
    path(
        "schools/<int:school_id>/missing-registers/",
        views_monitor.missing_registers,
        name="missing_registers",
    ),
    path(
        "schools/<int:school_id>/missing-registers/live/",
        views_monitor.missing_registers_live,
        name="missing_registers_live",
    ),
    path(
        "schools/<int:school_id>/messages/",
        views_outbox.school_messages,
        name="school_messages",
    ),
    path(
        "schools/<int:school_id>/messages/<int:message_id>/retry/",
        views_outbox.school_message_retry,
        name="school_message_retry",
    ),
    path(
        "schools/<int:school_id>/pupils/<int:pupil_id>/leaving/",
        views.pupil_leaving,
        name="pupil_leaving",
    ),
    path(
        "schools/<int:school_id>/pupils/<int:pupil_id>/history/",
        views.pupil_history,
        name="pupil_history",
    ),
]
