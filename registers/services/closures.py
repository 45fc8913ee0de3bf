"""Closing a whole school (or one phase) for a session or a day, in one action."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import DomainError
from registers.codes import PLANNED_CLOSURE, UNEXPECTED_CLOSURE
from registers.lib.calendar import SESSIONS
from registers.models import (
    Closure,
    GroupMembership,
    Mark,
    MarkSource,
    Pupil,
    School,
    SessionTimes,
)
from registers.selectors import enrolments_on, is_school_session
from registers.services.calendar import school_calendar_rebuild
from registers.services.marks import MarkWrite, marks_write


class ClosureKind:
    # '#': known in advance (INSET, polling day); 'Y4': the site closed unexpectedly (snow).
    PLANNED = PLANNED_CLOSURE
    UNEXPECTED = UNEXPECTED_CLOSURE


@dataclass(frozen=True)
class ClosureResult:
    pupils: int
    marks_created: int
    marks_amended: int


@dataclass(frozen=True)
class ClosurePreview:
    """What recording a closure would change, before it is recorded."""

    pupils: int
    registers: int  # class registers (a class and a session) with a pupil closed
    marks_created: int
    marks_amended: int  # marks saved with another code, which become amendments
    marks_unchanged: int  # already coded so
    calendar: bool  # a planned closure of the whole school: the sessions leave the calendar


def _closure_pupils(
    *,
    school: School,
    day: date,
    sessions: list[str],
    code: str,
    reason: str,
    phase: SessionTimes | None,
) -> list[int]:
    """Check the closure and return the pupils it codes: every pupil on roll that day (in the
    phase, if given). Refused with the reason (DomainError) if it cannot be recorded."""
    if code not in (ClosureKind.PLANNED, ClosureKind.UNEXPECTED):
        raise DomainError("Choose a planned closure (#) or an unexpected closure (Y4).")
    if not sessions or any(s not in SESSIONS for s in sessions):
        raise DomainError("Choose the session(s) to close: AM, PM or both.")
    if not reason.strip():
        raise DomainError("Give the reason for the closure (INSET, polling day, snow ...).")
    if phase is not None and phase.school_id != school.pk:
        raise DomainError("That phase is not part of this school.")
    if code == ClosureKind.UNEXPECTED and day > timezone.localdate():
        raise DomainError("An unexpected closure is recorded on the day, not in advance.")
    closed = [s for s in sessions if not is_school_session(school=school, day=day, session=s)]
    if closed:
        raise DomainError(
            f"{day:%A %-d %B %Y} {' and '.join(closed)} is not a school session at {school.name}."
        )
    pupils = Pupil.objects.filter(enrolments__in=enrolments_on(school=school, day=day))
    if phase is not None:
        pupils = pupils.filter(year_group__in=phase.year_groups)
    return list(pupils.values_list("pk", flat=True).distinct())


def school_closure_preview(
    *,
    school: School,
    day: date,
    sessions: list[str],
    code: str,
    reason: str,
    phase: SessionTimes | None = None,
) -> ClosurePreview:
    """How many registers and marks `school_closure_record` would change with these values
    (refused for the same reasons), so the office sees it before confirming. Three queries
    after the checks, however many pupils."""
    pupil_ids = _closure_pupils(
        school=school, day=day, sessions=sessions, code=code, reason=reason, phase=phase
    )
    saved = Counter(
        Mark.objects.filter(
            school=school, date=day, session__in=sessions, pupil_id__in=pupil_ids
        ).values_list("code_id", flat=True)
    )
    unchanged = saved.get(code, 0)
    classes = (
        GroupMembership.objects.filter(
            group__school=school, pupil_id__in=pupil_ids, start_date__lte=day
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values("group_id")
        .distinct()
        .count()
    )
    return ClosurePreview(
        pupils=len(pupil_ids),
        registers=classes * len(sessions),
        marks_created=len(pupil_ids) * len(sessions) - saved.total(),
        marks_amended=saved.total() - unchanged,
        marks_unchanged=unchanged,
        calendar=code == ClosureKind.PLANNED and phase is None,
    )


@transaction.atomic
def school_closure_record(
    *,
    school: School,
    day: date,
    sessions: list[str],
    code: str,
    reason: str,
    by: User,
    phase: SessionTimes | None = None,
) -> ClosureResult:
    """Code every pupil on roll (in the phase, if given) '#' or 'Y4' for those sessions.

    A planned closure of the whole school also enters the school calendar, so those sessions
    stop being school sessions (no registers due, not a school week's session). Marks already
    saved are amended with the reason; nothing is overwritten. `school_closure_preview` tells
    what this will change beforehand.
    """
    reason = reason.strip()
    pupil_ids = _closure_pupils(
        school=school, day=day, sessions=sessions, code=code, reason=reason, phase=phase
    )
    created = amended = 0
    for session in sessions:
        existing = {
            mark.pupil_id: mark
            for mark in Mark.objects.select_for_update(of=("self",)).filter(
                school=school, date=day, session=session, pupil_id__in=pupil_ids
            )
        }
        result = marks_write(
            school=school,
            day=day,
            session=session,
            writes=[MarkWrite(pupil_id=pk, code=code) for pk in pupil_ids],
            existing=existing,
            by=by,
            source=MarkSource.CLOSURE,
            reason=f"Closure: {reason}",
        )
        created, amended = created + result.created, amended + result.amended
    if code == ClosureKind.PLANNED and phase is None:
        Closure.objects.bulk_create(
            Closure(school=school, date=day, session=session, reason=reason) for session in sessions
        )
        school_calendar_rebuild(school=school)
    return ClosureResult(pupils=len(pupil_ids), marks_created=created, marks_amended=amended)
