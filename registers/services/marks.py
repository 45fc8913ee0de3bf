"""Writing marks: the one place marks are created and amended.

Every path that changes the attendance register (a teacher's register, the office's late book,
an amendment, a closure) ends in `marks_write`, so the rule "a change to a saved mark is an
amendment that keeps the original, the reason, when, and the name and position of the person"
(2024 regulations) is applied once. Callers lock the marks they read, in one transaction.
"""

from dataclasses import dataclass
from datetime import date, time

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.errors import AlreadyRecorded, DomainError
from registers.codes import LATE_AFTER_CLOSE, LATE_BEFORE_CLOSE, code_catalogue, code_problem
from registers.errors import Conflict, StaleSave
from registers.lib import statements
from registers.lib.calendar import AM
from registers.models import (
    Amendment,
    Enrolment,
    LateArrival,
    Mark,
    MarkSource,
    Membership,
    Pupil,
    School,
)
from registers.models.schools import SessionTimes
from registers.selectors import enrolments_on, is_school_session, session_times_for


@dataclass(frozen=True)
class MarkWrite:
    pupil_id: int
    code: str
    minutes_late: int | None = None


@dataclass(frozen=True)
class WriteResult:
    created: int
    amended: int
    unchanged: int
    marks: dict[int, Mark]  # every written pupil's mark as it now stands, by pupil id


def staff_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def staff_position(*, user: User, school: School) -> str:
    position = (
        Membership.objects.filter(user=user, school=school)
        .values_list("position", flat=True)
        .first()
    )
    return position or ("Administrator" if user.is_superuser else "")


def marks_write(
    *,
    school: School,
    day: date,
    session: str,
    writes: list[MarkWrite],
    existing: dict[int, Mark],
    by: User,
    source: str,
    reason: str,
    new_marks_wanted: bool = True,
) -> WriteResult:
    """Create the new marks and amend the changed ones, in a fixed number of queries.

    `existing` holds the pupils' current marks for the session, read with a lock by the caller.
    A write equal to the current mark changes nothing; a different one needs `reason`. With
    `new_marks_wanted` off (a register, which answers with counts), the marks created are not
    returned in `marks`, and on PostgreSQL are written without being made into objects.
    """
    now = timezone.now()
    new: list[MarkWrite] = []
    changed = []
    for write in writes:
        current = existing.get(write.pupil_id)
        if current is None:
            new.append(write)
        elif (current.code_id, current.minutes_late) != (write.code, write.minutes_late):
            changed.append((current, write))
    if changed and not reason.strip():
        raise DomainError("Give the reason for changing marks that were already saved.")
    created: dict[int, Mark] = {}
    if new and (new_marks_wanted or not statements.prepared_statements()):
        marks = [
            Mark(
                pupil_id=write.pupil_id,
                school=school,
                date=day,
                session=session,
                code_id=write.code,
                minutes_late=write.minutes_late,
                source=source,
                recorded_by=by,
                recorded_at=now,
            )
            for write in new
        ]
        _marks_insert(
            school=school,
            day=day,
            session=session,
            source=source,
            by=by,
            now=now,
            writes=new,
            objects=marks,
        )
        created = {mark.pupil_id: mark for mark in marks}
    elif new:
        _marks_insert(
            school=school,
            day=day,
            session=session,
            source=source,
            by=by,
            now=now,
            writes=new,
            objects=None,
        )
    if changed:
        name, position = staff_name(by), staff_position(user=by, school=school)
        Amendment.objects.bulk_create(
            Amendment(
                mark=mark,
                original_code_id=mark.code_id,
                new_code_id=write.code,
                original_minutes_late=mark.minutes_late,
                new_minutes_late=write.minutes_late,
                reason=reason.strip(),
                amended_at=now,
                amended_by=by,
                amended_by_name=name,
                amended_by_position=position,
            )
            for mark, write in changed
        )
        for mark, write in changed:
            mark.code_id, mark.minutes_late = write.code, write.minutes_late
            mark.version += 1
        Mark.objects.bulk_update([mark for mark, _ in changed], ["code", "minutes_late", "version"])
    return WriteResult(
        created=len(new),
        amended=len(changed),
        unchanged=len(writes) - len(new) - len(changed),
        marks={**existing, **created},
    )


# The new marks of a session in one fixed statement (the pupil weeks' triggers count them as
# for any insert); their ids come back with their pupils.
_MARKS_INSERT = """
INSERT INTO registers_mark (pupil_id, school_id, date, session, code, minutes_late, source,
    recorded_by_id, recorded_at, version)
SELECT pupil, %(school)s, %(day)s, %(session)s, code, minutes, %(source)s, %(by)s, %(now)s, 1
FROM unnest(%(pupils)s::bigint[], %(codes)s::varchar[], %(minutes)s::smallint[])
    AS new (pupil, code, minutes)
RETURNING pupil_id, id
"""


def _marks_insert(
    *, school, day, session, source, by, now, writes: list[MarkWrite], objects: list[Mark] | None
) -> None:
    """Insert the new marks of one session, by one person and source; `objects`, the same
    marks as objects (needed on SQLite), are given their ids."""
    if not statements.prepared_statements():
        Mark.objects.bulk_create(objects or [])
        return
    ids = dict(
        statements.fetch(
            _MARKS_INSERT,
            {
                "school": school.pk,
                "day": day,
                "session": session,
                "source": source,
                "by": getattr(by, "pk", None),
                "now": now,
                "pupils": [write.pupil_id for write in writes],
                "codes": [write.code for write in writes],
                "minutes": [write.minutes_late for write in writes],
            },
        )
    )
    for mark in objects or []:
        mark.pk = ids[mark.pupil_id]
        mark._state.adding = False


def conflict_for(mark: Mark, pupil: Pupil) -> Conflict:
    """How a mark saved by someone else is described to the person whose save was refused."""
    last = mark.amendments.order_by("-amended_at").first()
    saved_by = (
        last.amended_by_name
        if last
        else (staff_name(mark.recorded_by) if mark.recorded_by else "an import")
    )
    saved_at = timezone.localtime(last.amended_at if last else mark.recorded_at)
    return Conflict(
        pupil_id=pupil.pk,
        pupil_name=pupil.name,
        code=mark.code_id,
        meaning=code_catalogue()[mark.code_id].meaning,
        saved_by=saved_by,
        saved_at=f"{saved_at:%H:%M}"
        if saved_at.date() == timezone.localdate()
        else f"{saved_at:%-d %b %Y %H:%M}",
    )


def late_mark(*, times: SessionTimes | None, session: str, arrived_at: time) -> MarkWrite | None:
    """Not a write yet, just the rule: which late code an arrival earns, and how late it was.

    Before (or at) the register's close it is L, counting as present, with the minutes since
    the register opened; after it, U, an unauthorised absence (both policies, section
    'Lateness'), up to the end of the session; after the session no late mark applies. Returns
    None when the arrival is before the register opened: that is on time.
    """
    if times is None:
        raise DomainError("This pupil's year group has no session times at this school.")
    opens, closes = times.window(session)
    # The morning session runs until the afternoon's begins; the afternoon to the end of day.
    ends = times.pm_register_opens if session == AM else times.end_of_day
    if arrived_at <= opens:
        return None
    if arrived_at > ends:
        # U is "attended after the taking of the register ended but before the end of the
        # session" (2024 regulations): an arrival after the session is not U.
        raise DomainError(
            f"An arrival at {arrived_at:%H:%M} is after the {session} session ended "
            f"({ends:%H:%M}): it is not a late mark. Enter the code that applies to the "
            "session instead."
        )
    minutes = (arrived_at.hour * 60 + arrived_at.minute) - (opens.hour * 60 + opens.minute)
    code = LATE_BEFORE_CLOSE if arrived_at <= closes else LATE_AFTER_CLOSE
    return MarkWrite(pupil_id=0, code=code, minutes_late=minutes)


def session_problem(
    *, school: School, day: date, session: str, school_session: bool | None = None
) -> str | None:
    """Why marks cannot be entered for that session, or None. `school_session`: whether it is
    one, when the caller has read it already (the register's sheet); else it is asked."""
    if day > timezone.localdate():
        return f"{day:%-d %B %Y} is still to come: a register is taken on the day."
    if school_session is None:
        school_session = is_school_session(school=school, day=day, session=session)
    if not school_session:
        return not_a_school_session(school=school, day=day, session=session)
    return None


def not_a_school_session(*, school: School, day: date, session: str) -> str:
    return f"{day:%A %-d %B %Y} {session} is not a school session at {school.name}."


def _locked_mark(*, school: School, pupil: Pupil, day: date, session: str) -> Mark | None:
    return (
        Mark.objects.select_for_update(of=("self",))
        .filter(school=school, pupil=pupil, date=day, session=session)
        .first()
    )


@transaction.atomic
def mark_amend(
    *,
    mark: Mark,
    code: str,
    arrived_at: time | None,
    reason: str,
    by: User,
    seen_version: int,
) -> Mark:
    """Change one saved mark; refused if it changed since the form was read (`seen_version`)."""
    code = code.strip().upper()
    current = Mark.objects.select_for_update(of=("self",)).select_related("pupil").get(pk=mark.pk)
    if current.version != seen_version:
        raise StaleSave([conflict_for(current, current.pupil)])
    write = resolved_write(
        school=current.school,
        pupil=current.pupil,
        day=current.date,
        session=current.session,
        code=code,
        arrived_at=arrived_at,
    )
    if (write.code, write.minutes_late) == (current.code_id, current.minutes_late):
        raise DomainError(f"The mark is already {write.code}; nothing to change.")
    marks_write(
        school=current.school,
        day=current.date,
        session=current.session,
        writes=[write],
        existing={current.pupil_id: current},
        by=by,
        source=current.source,
        reason=reason,
    )
    return current


def resolved_write(
    *, school: School, pupil: Pupil, day: date, session: str, code: str, arrived_at: time | None
) -> MarkWrite:
    """The mark a chosen code and arrival time come to, or the reason it cannot be entered."""
    if arrived_at is not None and code in ("", LATE_BEFORE_CLOSE, LATE_AFTER_CLOSE):
        late = late_mark(
            times=session_times_for(school=school, year_group=pupil.year_group),
            session=session,
            arrived_at=arrived_at,
        )
        if late is None:
            raise DomainError(
                f"{pupil.name} arrived at {arrived_at:%H:%M}, before the register opened: "
                "that is present, not late."
            )
        return MarkWrite(pupil_id=pupil.pk, code=late.code, minutes_late=late.minutes_late)
    if arrived_at is not None:
        raise DomainError(f"An arrival time goes with a late mark, not with '{code}'.")
    if code == LATE_BEFORE_CLOSE:
        raise DomainError(f"{pupil.name}: a late mark (L) needs the arrival time.")
    problem = code_problem(code, on=day, session=session, born=pupil.date_of_birth)
    if problem:
        raise DomainError(f"{pupil.name}: {problem}.")
    return MarkWrite(pupil_id=pupil.pk, code=code)


@transaction.atomic
def late_arrival_record(
    *,
    school: School,
    pupil: Pupil,
    day: date,
    session: str,
    arrived_at: time,
    reason: str,
    by: User,
) -> LateArrival:
    """The late book: reception records an arrival and the reason given; the mark follows."""
    problem = session_problem(school=school, day=day, session=session)
    if problem:
        raise DomainError(problem)
    if not reason.strip():
        raise DomainError("Write down the reason given for arriving late.")
    if not enrolments_on(school=school, day=day).filter(pupil=pupil).exists():
        raise DomainError(f"{pupil.name} is not on roll at {school.name} on {day:%-d %B %Y}.")
    write = resolved_write(
        school=school, pupil=pupil, day=day, session=session, code="", arrived_at=arrived_at
    )
    current = _locked_mark(school=school, pupil=pupil, day=day, session=session)
    # Checked once the mark is locked, so two people entering the same arrival at once are
    # taken in turn and the second finds the first's line.
    same = LateArrival.objects.filter(
        school=school, pupil=pupil, date=day, session=session, arrived_at=arrived_at
    ).first()
    if same is not None:
        raise AlreadyRecorded(
            f"{pupil.name}'s arrival at {arrived_at:%H:%M} ({session}) is already in the late "
            "book; it was not recorded again.",
            existing=same,
        )
    written = marks_write(
        school=school,
        day=day,
        session=session,
        writes=[write],
        existing={pupil.pk: current} if current else {},
        by=by,
        source=MarkSource.OFFICE,
        reason=f"Late book: {reason.strip()}",
    )
    return LateArrival.objects.create(
        pupil=pupil,
        school=school,
        date=day,
        session=session,
        arrived_at=arrived_at,
        reason=reason.strip(),
        mark=written.marks[pupil.pk],
        recorded_by=by,
        recorded_at=timezone.now(),
    )


@transaction.atomic
def pupil_sessions_recode(
    *,
    school: School,
    pupil: Pupil,
    sessions: list[tuple[date, str]],
    code: str,
    reason: str,
    by: User,
    source: str = MarkSource.OFFICE,
) -> WriteResult:
    """Give one pupil `code` for each of these sessions (today or earlier), as amendments where
    a mark is saved and new marks where none is yet (a reason given before the register).

    Used when the office learns a reason (a parent's call), codes refused leave taken anyway
    as G, or is not satisfied with an illness (O). Nothing is saved if any session is refused.
    """
    problems = [
        problem
        for day, session in sessions
        if (problem := session_problem(school=school, day=day, session=session))
        or (problem := code_problem(code, on=day, session=session, born=pupil.date_of_birth))
    ]
    if not sessions:
        problems.append("There is no school session in those dates.")
    if problems:
        raise DomainError(" ".join(dict.fromkeys(problems)))
    days = sorted({day for day, _ in sessions})
    spans = list(
        Enrolment.objects.filter(school=school, pupil=pupil).values_list(
            "start_date", "leaving_date"
        )
    )
    if not all(any(s <= day and (e is None or day <= e) for s, e in spans) for day in days):
        raise DomainError(f"{pupil.name} is not on roll at {school.name} for all of those days.")
    existing = {
        (mark.date, mark.session): mark
        for mark in Mark.objects.select_for_update(of=("self",)).filter(
            school=school, pupil=pupil, date__range=(days[0], days[-1])
        )
    }
    created = amended = unchanged = 0
    for day, session in sessions:
        current = existing.get((day, session))
        result = marks_write(
            school=school,
            day=day,
            session=session,
            writes=[MarkWrite(pupil_id=pupil.pk, code=code)],
            existing={pupil.pk: current} if current else {},
            by=by,
            source=source,
            reason=reason,
        )
        created, amended = created + result.created, amended + result.amended
        unchanged += result.unchanged
    return WriteResult(created=created, amended=amended, unchanged=unchanged, marks={})
