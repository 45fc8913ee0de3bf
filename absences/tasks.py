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


@shared_task
def send_first_day_messages(now: str | None = None) -> int:
    """Every 5 minutes in the morning (beat): claim the first-day absence e-mails due at each
    school with them turned on, each enqueued after commit. `now` (ISO datetime) lets a manual
    run act as of a given moment. Returns how many were claimed."""
    from datetime import datetime

    from absences.services.first_day import first_day_messages_claim

    moment = datetime.fromisoformat(now) if now else timezone.now()
    return sum(
        len(first_day_messages_claim(school_id=school_id, now=moment))
        for school_id in School.objects.filter(first_day_message_enabled=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_first_day_message(message_id: int) -> None:
    """Send one claimed first-day e-mail (once: the service locks the row and does nothing if
    it was already sent)."""
    from absences.services.first_day import first_day_message_send

    first_day_message_send(message_id=message_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_sign_in_link(request_id: int, confirm_url: str) -> bool:
    """Look up the address a parent gave on the sign-in form and e-mail them a link (once: the
    service claims the request under a lock). `confirm_url` is the page the link opens."""
    from absences.services.parents import sign_in_link_send

    return sign_in_link_send(request_id=request_id, confirm_url=confirm_url)


@shared_task
def request_unauthorised_absence_letters(today: str | None = None) -> int:
    """Weekly (beat, Friday 16:00): each school whose federation sends them requests a letter
    per pupil with sessions newly recorded as unauthorised. Returns how many."""
    from absences.services.unauthorised_letters import unauthorised_letters_request

    day = date.fromisoformat(today) if today else timezone.localdate()
    return sum(
        len(unauthorised_letters_request(school=school, today=day))
        for school in School.objects.filter(federation__unauthorised_absence_letters=True)
        .select_related("federation")
        .order_by("pk")
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def draw_unauthorised_absence_letter(letter_id: int) -> None:
    from absences.services.unauthorised_letters import unauthorised_letter_store

    unauthorised_letter_store(letter_id=letter_id)
