"""Closing a whole school (or one phase) for a session or a day, in one action."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from registers.codes import PLANNED_CLOSURE, UNEXPECTED_CLOSURE
from registers.errors import DomainError
from registers.lib.calendar import SESSIONS
from registers.models import Closure, Mark, MarkSource, Pupil, School, SessionTimes
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


@transaction.atomic
def school_closure_record(
    *,
    school: School,
    day: date,
    sessions: list[str],
    code: str,
    reason: str,
    by: AbstractBaseUser,
    phase: SessionTimes | None = None,
) -> ClosureResult:
    """Code every pupil on roll (in the phase, if given) '#' or 'Y4' for those sessions.

    A planned closure of the whole school also enters the school calendar, so those sessions
    stop being school sessions (no registers due, not a school week's session). Marks already
    saved are amended with the reason; nothing is overwritten.
    """
    reason = reason.strip()
    if code not in (ClosureKind.PLANNED, ClosureKind.UNEXPECTED):
        raise DomainError("Choose a planned closure (#) or an unexpected closure (Y4).")
    if not sessions or any(s not in SESSIONS for s in sessions):
        raise DomainError("Choose the session(s) to close: AM, PM or both.")
    if not reason:
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
    pupil_ids = list(pupils.values_list("pk", flat=True).distinct())
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
