"""Reads for the part-time timetable pages: reviews coming up, and timetables that have ended."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch

from absences.models import PartTimeTimetable, TimetableReview
from registers.models import School

# Reviews due within this many days, or overdue and not held, are listed for the office.
REVIEW_DUE_WITHIN_DAYS = 14


@dataclass(frozen=True)
class TimetablesToFollowUp:
    current: list[PartTimeTimetable]  # each with `reviews_due`: due soon or overdue, not held
    expired: list[PartTimeTimetable]  # ended: is the pupil back full-time?


def timetables_to_follow_up(*, school: School, today: date) -> TimetablesToFollowUp:
    """Timetables not yet ended, with their reviews due within 14 days or overdue; and those
    that have ended, newest first, for the office to check the pupil is back full-time."""
    reviews_due = Prefetch(
        "reviews",
        queryset=TimetableReview.objects.filter(
            held_on__isnull=True, due_on__lte=today + timedelta(days=REVIEW_DUE_WITHIN_DAYS)
        ).order_by("due_on"),
        to_attr="reviews_due",
    )
    timetables = PartTimeTimetable.objects.filter(school=school).select_related("pupil")
    return TimetablesToFollowUp(
        current=list(
            timetables.filter(end__gte=today).prefetch_related(reviews_due).order_by("end", "pk")
        ),
        expired=list(
            timetables.filter(end__lt=today).prefetch_related(reviews_due).order_by("-end", "pk")
        ),
    )
