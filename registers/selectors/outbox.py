"""What the outbox shows: the office's unsent and failed messages, and the oldest one waiting
(for the health check)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from registers.models import OutboxMessage, OutboxStatus, School
from registers.services.outbox import FIRST_SWEEP_AFTER

# Sent messages listed on the office's page, so they can see what went.
RECENT_DAYS = 7
RECENT_LIMIT = 50


@dataclass(frozen=True)
class SchoolOutbox:
    failed: list[OutboxMessage]
    # Still waiting after the first sweep: the broker, the worker or the mail server is
    # failing, and the system is trying again.
    unsent: list[OutboxMessage]
    recent: list[OutboxMessage]


def school_outbox(*, school: School, now: datetime | None = None) -> SchoolOutbox:
    """The school's failed messages, its messages still unsent a few minutes after they were
    due, and those sent in the last week (three queries)."""
    now = now or timezone.now()
    rows = OutboxMessage.objects.filter(school=school).order_by("-created_at")
    return SchoolOutbox(
        failed=list(rows.filter(status=OutboxStatus.FAILED)),
        unsent=list(
            rows.filter(status=OutboxStatus.PENDING, created_at__lte=now - FIRST_SWEEP_AFTER)
        ),
        recent=list(
            rows.filter(
                created_at__gte=now - timedelta(days=RECENT_DAYS),
                status__in=[OutboxStatus.SENT, OutboxStatus.NOT_NEEDED],
            )[:RECENT_LIMIT]
        ),
    )


def outbox_trouble_counts(*, school_ids: list[int], now: datetime | None = None) -> dict:
    """{school id: (failed, unsent)} for the home page's links, in one query."""
    now = now or timezone.now()
    late = now - FIRST_SWEEP_AFTER
    return {
        row["school_id"]: (row["failed"], row["unsent"])
        for row in OutboxMessage.objects.filter(school_id__in=school_ids)
        .filter(
            Q(status=OutboxStatus.FAILED) | Q(status=OutboxStatus.PENDING, created_at__lte=late)
        )
        .values("school_id")
        .annotate(
            failed=Count("pk", filter=Q(status=OutboxStatus.FAILED)),
            unsent=Count("pk", filter=Q(status=OutboxStatus.PENDING)),
        )
    }


def outbox_oldest_unsent_age(*, now: datetime | None = None) -> timedelta | None:
    """How long the oldest message still waiting has waited (None: nothing waits). A health
    check reports trouble when this passes a few sweeps (say 15 minutes): the broker, worker
    or mail server has been failing that long."""
    now = now or timezone.now()
    oldest = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    return None if oldest is None else now - oldest
