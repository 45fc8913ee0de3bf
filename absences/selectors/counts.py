"""The absence work waiting at a school, as counts for the navigation: one expression each, for
a school row (OuterRef "pk"), so that a page asks every count in one query."""

from datetime import date

from django.db.models import OuterRef
from django.db.models.functions import Coalesce

from absences.models import (
    LeaveDecision,
    LeaveRequest,
    ParentReport,
    ReportStatus,
    SafeguardingFlag,
)
from registers.codes import NOT_YET_ESTABLISHED
from registers.models import Mark
from registers.selectors import count_subquery


def absences_to_chase(*, day: date) -> Coalesce:
    """Pupils marked N (no reason yet) on `day`: the office's calls of *Absence today*."""
    marked_n = Mark.objects.filter(school=OuterRef("pk"), date=day, code_id=NOT_YET_ESTABLISHED)
    return count_subquery(marked_n.values("pupil_id").distinct())


def parent_reports_pending() -> Coalesce:
    """Absences parents reported online, waiting for the office."""
    return count_subquery(
        ParentReport.objects.filter(school=OuterRef("pk"), status=ReportStatus.PENDING)
    )


def leave_waiting_for_head() -> Coalesce:
    """Leave requests recorded, waiting for the head's decision."""
    return count_subquery(
        LeaveRequest.objects.filter(school=OuterRef("pk"), decision=LeaveDecision.PENDING)
    )


def safeguarding_flags_open() -> Coalesce:
    """Safeguarding follow-ups raised and not yet resolved."""
    return count_subquery(
        SafeguardingFlag.objects.filter(school=OuterRef("pk"), resolved_at__isnull=True)
    )
