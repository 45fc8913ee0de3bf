"""Background work of the registers app: tasks take ids or plain values and call a service."""

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone


@shared_task
def remind_missing_registers() -> int:
    """Every minute (beat): remind the teachers and the office of registers still not taken
    some minutes after they opened. Two workers running it at once remind each register once
    (a unique constraint). Returns the number of reminders recorded by this run."""
    from registers.services.reminders import register_reminders_send

    return len(register_reminders_send())


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def email_register_reminders(reminder_ids: list[int]) -> int:
    """E-mail the reminders just recorded (enqueued once they are committed)."""
    from registers.services.reminders import register_reminder_emails_send

    return register_reminder_emails_send(reminder_ids=reminder_ids)


@shared_task
def email_registers_taken_late(any_day: str | None = None) -> int:
    """Monday morning (beat): e-mail each head the registers taken after their close in the
    previous week (or in the week of `any_day`, an ISO date, for a manual run)."""
    from registers.services.reminders import registers_taken_late_promise

    day = date.fromisoformat(any_day) if any_day else timezone.localdate() - timedelta(days=7)
    return registers_taken_late_promise(any_day=day)


@shared_task
def forget_submitted_forms() -> int:
    """Nightly (beat, 01:45): forget the one-time tokens of forms sent over a week ago."""
    from registers.services.submit_once import submitted_forms_forget

    return submitted_forms_forget(now=timezone.now())


@shared_task(ignore_result=True)
def send_outbox_message(message_id: int) -> str:
    """Send one message of the outbox, once (the row is claimed under a lock and marked sent
    in the same transaction); a failure is recorded on the row for the sweeper."""
    from registers.services.outbox import outbox_send

    return outbox_send(message_id=message_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Every minute (beat): queue again the messages still unsent whose time has come."""
    from registers.services.outbox import outbox_sweep

    return outbox_sweep()


@shared_task(ignore_result=True)
def remove_abandoned_drawings() -> int:
    """Nightly (beat, 01:50): remove half-written letters left by a worker killed mid-write
    (a day old or more: none is still being written)."""
    import time

    from django.conf import settings

    from registers.lib.stored_files import abandoned_drawings_remove

    return abandoned_drawings_remove(
        root=str(settings.MEDIA_ROOT), older_than_seconds=24 * 60 * 60, now=time.time()
    )


@shared_task
def ensure_school_year_partitions() -> list[str]:
    """Nightly (beat, 01:15): the partitions of this school year and the next exist before any
    register of theirs is taken, and a year imported into a default partition gets its own."""
    from registers.services.partitions import school_year_partitions_ensure

    return school_year_partitions_ensure(today=timezone.localdate())
