"""Background work of the penalties app: tasks take ids or plain values and call a service."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from penalties.services.cases import threshold_checks_run
from registers.models import School


@shared_task
def check_thresholds_for_every_school(as_of: str | None = None) -> int:
    """Nightly (beat, 02:00): open a case for every pupil meeting the penalty-notice threshold.

    `as_of` (ISO date) lets a retry or a manual run check a given day; by default, today in
    London. Running it twice opens no duplicate case, and a run stopped part-way is carried on
    by the next from the school it stopped at. Returns the number of cases opened.
    """
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return threshold_checks_run(as_of=day)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def draw_notice_to_improve_letter(notice_id: int) -> None:
    """Draw the notice to improve as a PDF and store it on the notice (once)."""
    from penalties.services.notices_to_improve import notice_to_improve_letter_store

    notice_to_improve_letter_store(notice_id=notice_id)


@shared_task
def intervention_ladder_for_every_school(as_of: str | None = None) -> int:
    """Weekly (beat, Monday 03:00): record pupils who have fallen below a step of the ladder.

    Running it twice records nothing twice. Returns the number of crossings recorded.
    """
    from penalties.services.ladder import intervention_ladder_run

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    recorded = 0
    for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
        recorded += intervention_ladder_run(school=School(pk=school_id), as_of=day)
    return recorded


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def draw_ladder_letter(letter_id: int) -> None:
    """Draw an absence letter or meeting invitation as a PDF and store it (once)."""
    from penalties.services.ladder import ladder_letter_store

    ladder_letter_store(letter_id=letter_id)
