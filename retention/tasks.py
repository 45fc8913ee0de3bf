"""Retention's nightly run as a Celery task."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from registers.models import Federation
from retention.services import retention_run


@shared_task
def retention_run_for_every_federation(today: str | None = None) -> dict[int, dict[str, int]]:
    """Nightly (beat, 01:30): delete each federation's register entries past its retention
    period (2024 regulations: at least six years). A second run deletes nothing more. `today`
    (an ISO date) is for a manual run. Returns the counts per federation id."""

    day = date.fromisoformat(today) if today else timezone.localdate()
    return {
        federation.pk: retention_run(federation=federation, today=day, dry_run=False).counts
        for federation in Federation.objects.order_by("pk")
    }
