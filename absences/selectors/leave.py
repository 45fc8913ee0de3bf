"""Reads for the leave pages: the head's queue and the decisions the office follows up."""

from datetime import date

from django.db.models import QuerySet

from absences.models import LeaveDecision, LeaveRequest
from registers.models import School


def leave_requests_pending(*, school: School) -> QuerySet[LeaveRequest]:
    """The head's queue: requests waiting for a decision, soonest first."""
    return (
        LeaveRequest.objects.filter(school=school, decision=LeaveDecision.PENDING)
        .select_related("pupil", "recorded_by")
        .order_by("first_day", "pk")
    )


def leave_requests_decided(*, school: School, since: date) -> QuerySet[LeaveRequest]:
    """Decisions for leave ending on or after `since`: letters to send, leave to follow up."""
    return (
        LeaveRequest.objects.filter(school=school, last_day__gte=since)
        .exclude(decision=LeaveDecision.PENDING)
        .select_related("pupil", "decided_by")
        .order_by("first_day", "pk")
    )
