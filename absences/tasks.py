"""Background work of the absences app: tasks take ids or plain values and call a service."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from absences.services.overdue import overdue_n_flag
from registers.models import School


@shared_task
def flag_overdue_n_codes(today: str | None = None) -> int:
    """Daily (beat, 16:30): flag every school's N codes still open after five school days.

    `today` (ISO date) lets a retry or a manual run act for a given day; by default, today in
    London. Returns the number of marks newly flagged.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    return sum(
        overdue_n_flag(school_id=school_id, today=day)
        for school_id in School.objects.order_by("pk").values_list("pk", flat=True)
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_leave_decision_letter(leave_id: int) -> None:
    """Draw the head's decision letter as a PDF, store it and e-mail it (once: the service locks
    the request and does nothing if the letter was already sent)."""
    from absences.services.leave import leave_decision_letter_send

    leave_decision_letter_send(leave_id=leave_id)
