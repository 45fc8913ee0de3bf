"""Taking a register: the whole class's marks for a session, saved together or not at all."""

from dataclasses import dataclass
from datetime import date, time

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from core.errors import DomainError
from registers import permissions
from registers.codes import PLANNED_CLOSURE
from registers.errors import StaleSave
from registers.lib import statements
from registers.lib.calendar import SESSIONS
from registers.models import Mark, MarkSource, Register, RegistrationGroup
from registers.selectors import class_locked_for_register, group_pupils_on
from registers.selectors.monitor import register_window_for_pupils
from registers.services.marks import (
    MarkWrite,
    WriteResult,
    conflict_for,
    marks_write,
    not_a_school_session,
    resolved_write,
    session_problem,
)


@dataclass(frozen=True)
class RegisterEntry:
    """One line of a submitted register, as the form or the API sent it."""

    pupil_id: int
    code: str
    arrived_at: time | None = None
    # The mark's version when the form was read; None if it had no mark then.
    seen_version: int | None = None


class RegisterRefused(DomainError):
    """The register cannot be saved as sent; `problems` lists every reason, nothing was saved."""

    problems: list[str]

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems), problems=problems)


def register_submit(
    *,
    group: RegistrationGroup,
    day: date,
    session: str,
    entries: list[RegisterEntry],
    by: User,
    reason: str = "",
) -> WriteResult:
    """Save a class's register for one session.

    Steps: check the session (a school session, not still to come); then, in one transaction,
    lock the class and its pupils' marks; check every line (a pupil on the class's roll that
    day, a code that may be entered then, late marks with an arrival time) and that every pupil
    has a mark; refuse the whole save if any mark changed since the form was read (showing what
    it is now); and write: new marks, amendments (which need `reason`), the register.
    """
    school = group.school
    if session not in SESSIONS:
        raise RegisterRefused([f"'{session}' is not a session: use AM or PM."])
    # With the fixed statements, whether it is a school session is read under the class's lock.
    fixed = statements.prepared_statements()
    problem = session_problem(
        school=school, day=day, session=session, school_session=True if fixed else None
    )
    if problem:
        raise RegisterRefused([problem])
    if any(entry.arrived_at is not None for entry in entries):
        # A late mark reads its pupil's session times: one query for the class, not per pupil.
        prefetch_related_objects([school], "session_times")
    seen = {entry.pupil_id: entry.seen_version for entry in entries}
    # A planned closure is recorded for the whole school or a phase by the staff who keep the
    # calendar (the closure page), not entered pupil by pupil by a class teacher (issue 22).
    # (Asked only when a `#` is sent: a register without one needs no more queries.)
    records_closures = not any(
        entry.code.strip() == PLANNED_CLOSURE for entry in entries
    ) or permissions.has_permission(
        user=by, school_id=school.pk, permission=permissions.RECORD_CLOSURES
    )
    try:
        return _save(group, day, session, entries, seen, by, reason, records_closures)
    except IntegrityError:
        # Someone created one of these marks between our read and our insert: a stale save.
        # Any other integrity error is a fault, not a conflict, and is raised as it is.
        pupils = {pupil.pk: pupil for pupil in group_pupils_on(group=group, day=day)}
        current = Mark.objects.filter(
            school=school, date=day, session=session, pupil_id__in=list(pupils)
        ).select_related("recorded_by")
        conflicts = [
            conflict_for(m, pupils[m.pupil_id]) for m in current if seen.get(m.pupil_id) is None
        ]
        if not conflicts:
            raise
        raise StaleSave(conflicts) from None


def _writes(
    entries, pupils, saved, *, school, day, session, records_closures: bool
) -> tuple[list[MarkWrite], list[str]]:
    problems: list[str] = []
    writes: list[MarkWrite] = []
    sent: set[int] = set()
    for entry in entries:
        pupil = pupils.get(entry.pupil_id)
        if pupil is None or entry.pupil_id in sent:
            # Named by nothing but the id the client sent: it may be another school's pupil.
            problems.append(
                f"Pupil {entry.pupil_id} is not on this class's register for that day (or is "
                "listed twice)."
            )
            continue
        sent.add(entry.pupil_id)
        if not entry.code.strip() and entry.arrived_at is None:
            continue  # reported below as a pupil without a mark
        kept = saved.get(entry.pupil_id)
        if (
            kept is not None
            and entry.arrived_at is None
            and entry.seen_version == kept.version
            and entry.code.strip().upper() == kept.code_id
        ):
            # A saved mark sent back as it was (a late mark keeps its minutes without the
            # arrival time being typed again); whether it changed meanwhile is checked later.
            writes.append(MarkWrite(kept.pupil_id, kept.code_id, kept.minutes_late))
            continue
        if entry.code.strip() == PLANNED_CLOSURE and not records_closures:
            # A closure already saved was sent back as it is above; a new one is refused.
            problems.append(
                f"{pupil.name}: a planned closure ('{PLANNED_CLOSURE}') is recorded by the office "
                "for the whole school or phase, not on a class register."
            )
            continue
        try:
            writes.append(
                resolved_write(
                    school=school,
                    pupil=pupil,
                    day=day,
                    session=session,
                    code=entry.code.strip().upper(),
                    arrived_at=entry.arrived_at,
                )
            )
        except DomainError as error:
            problems.append(error.message)
    unmarked = [p.name for pk, p in pupils.items() if pk not in {w.pupil_id for w in writes}]
    if unmarked and not problems:
        problems.append(
            f"Every pupil needs a mark; {len(unmarked)} have none: {', '.join(unmarked)}."
        )
    return writes, problems


@transaction.atomic
def _save(group, day, session, entries, seen, by, reason, records_closures) -> WriteResult:
    # Locking the class serialises saves of this register; the office's single-mark changes lock
    # the mark rows, which are locked here too, so neither can overwrite the other unseen. The
    # lines are checked against the marks read under the lock: a refusal writes nothing.
    # (Unordered: the model's ordering would join, and so lock, the school's row as well.)
    if statements.prepared_statements():
        school_session, class_pupils = class_locked_for_register(
            group=group, day=day, session=session
        )
        if not school_session:
            raise RegisterRefused(
                [not_a_school_session(school=group.school, day=day, session=session)]
            )
        pupils = {pupil.pk: pupil for pupil in class_pupils}
        existing = {
            mark.pupil_id: mark
            for mark in marks_locked(school=group.school, day=day, session=session, pupils=pupils)
        }
    else:
        list(
            RegistrationGroup.objects.select_for_update()
            .filter(pk=group.pk)
            .order_by()
            .values("pk")
        )
        pupils = {pupil.pk: pupil for pupil in group_pupils_on(group=group, day=day)}
        existing = {
            mark.pupil_id: mark
            for mark in Mark.objects.select_for_update().filter(
                school=group.school, date=day, session=session, pupil_id__in=list(pupils)
            )
        }
    writes, problems = _writes(
        entries,
        pupils,
        existing,
        school=group.school,
        day=day,
        session=session,
        records_closures=records_closures,
    )
    if problems:
        raise RegisterRefused(problems)
    wanted = {w.pupil_id: (w.code, w.minutes_late) for w in writes}
    # Saving what is already there is no conflict, whoever saved it.
    conflicts = [
        conflict_for(mark, pupils[pupil_id])
        for pupil_id, mark in existing.items()
        if seen.get(pupil_id) != mark.version
        and wanted.get(pupil_id, (mark.code_id, mark.minutes_late))
        != (mark.code_id, mark.minutes_late)
    ]
    if conflicts:
        raise StaleSave(conflicts)
    result = marks_write(
        school=group.school,
        day=day,
        session=session,
        writes=writes,
        existing=existing,
        by=by,
        source=MarkSource.REGISTER,
        reason=reason,
        new_marks_wanted=False,  # the page and the API answer with counts
    )
    now = timezone.now()
    if statements.prepared_statements():
        _register_saved_fixed(group, day, session, pupils, by, now)
        return result
    register = Register.objects.filter(group=group, date=day, session=session)
    if not register.update(last_saved_by=by, last_saved_at=now):
        # First taken. The class is locked, so no one else is creating this register now.
        Register.objects.create(
            group=group,
            date=day,
            session=session,
            school=group.school,
            taken_by=by,
            taken_at=now,
            last_saved_by=by,
            last_saved_at=now,
            taken_after_close=_taken_after_close(group, day, session, pupils, now),
        )
    return result


# The register first taken, or saved again (who and when): one statement. The class is locked,
# so no one else is creating it meanwhile.
_REGISTER_SAVED = """
INSERT INTO registers_register (school_id, group_id, date, session, taken_by_id, taken_at,
    last_saved_by_id, last_saved_at, taken_after_close)
VALUES (%(school)s, %(group)s, %(day)s, %(session)s, %(by)s, %(now)s, %(by)s, %(now)s,
    %(late)s)
ON CONFLICT (group_id, date, session) DO UPDATE
SET last_saved_by_id = EXCLUDED.last_saved_by_id, last_saved_at = EXCLUDED.last_saved_at
"""


def _register_saved_fixed(group, day, session, pupils, by, now) -> None:
    statements.execute(
        _REGISTER_SAVED,
        {
            "school": group.school_id,
            "group": group.pk,
            "day": day,
            "session": session,
            "by": by.pk,
            "now": now,
            # Kept only when the register is first taken (asks nothing for a day gone by).
            "late": _taken_after_close(group, day, session, pupils, now),
        },
    )


_MARKS_LOCKED = f"""
SELECT {", ".join(str(field.column) for field in Mark._meta.concrete_fields)}
FROM registers_mark
WHERE school_id = %(school)s AND date = %(day)s AND session = %(session)s
    AND pupil_id = ANY(%(pupils)s)
FOR UPDATE
"""
_MARK_FIELDS = [field.attname for field in Mark._meta.concrete_fields]


def marks_locked(*, school, day: date, session: str, pupils) -> list[Mark]:
    """The session's marks of these pupils, locked (PostgreSQL, in the caller's transaction)."""
    rows = statements.fetch(
        _MARKS_LOCKED, {"school": school.pk, "day": day, "session": session, "pupils": list(pupils)}
    )
    return [Mark.from_db(DEFAULT_DB_ALIAS, _MARK_FIELDS, row) for row in rows]


def _taken_after_close(group, day, session, pupils, now) -> bool:
    """Whether a register first taken `now` is taken after its close: on a later day, or after
    the register-close time of its pupils' phase (the minute of the close is still in time, as
    for a late arrival). Listed weekly for the head."""
    local = timezone.localtime(now)
    if day < local.date():
        return True
    window = register_window_for_pupils(
        school=group.school, year_groups={p.year_group for p in pupils.values()}, session=session
    )
    return window is not None and local.time().replace(second=0, microsecond=0) > window.closes
