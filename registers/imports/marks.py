"""Attendance history brought from another system: one mark per pupil, date and session.

All or nothing, like the pupil import. Checks are set-based: whatever the number of rows, the
file's pupils, enrolments, school days, closures, terms and existing marks are read in a fixed
number of queries. Re-running a file is harmless: a mark already stored with the same code is
skipped and counted; one stored with a different code is refused (that is an amendment, which
must record who changed it and why).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.errors import FileRejected, RowError
from core.parsing import whole_number
from registers.codes import LATE_AFTER_CLOSE, LATE_BEFORE_CLOSE, PLANNED_CLOSURE, code_problem
from registers.imports.csv_rows import Row, parse_date
from registers.lib.calendar import AM, SESSIONS
from registers.lib.upn import upn_problem
from registers.models import Closure, Enrolment, Mark, MarkSource, School, SchoolDay, Term

REQUIRED_COLUMNS = ("upn", "date", "session", "code")
OPTIONAL_COLUMNS = ("minutes_late",)
MAX_MINUTES_LATE = 24 * 60


@dataclass(frozen=True)
class MarkImportResult:
    created: int
    skipped: int

    def summary(self) -> str:
        text = f"Imported {self.created} mark(s)."
        if self.skipped:
            text += f" Skipped {self.skipped} already recorded with the same code."
        return text


@dataclass(frozen=True)
class _MarkRow:
    line: int
    upn: str
    day: date
    session: str
    code: str
    minutes_late: int | None


@dataclass
class _SchoolFacts:
    """What the database holds for the file's pupils and dates, read once for the whole file."""

    enrolments: dict[str, tuple[int, list[tuple[date, date | None]]]]  # upn -> pupil id, spans
    days: dict[date, tuple[bool, bool]]  # date -> (am, pm) open
    closures: set[tuple[date, str]]
    terms: list[tuple[date, date]]
    marks: dict[tuple[int, date, str], str]  # (pupil id, date, session) -> code


def marks_import(*, school: School, rows: Iterable[Row]) -> MarkImportResult:
    """Check every row, then create the new marks in one transaction.

    Steps: check each row on its own (UPN, date, session, code allowed that day, minutes late)
    and note a pupil/date/session seen on an earlier line; read the school's facts for the file
    in a fixed number of queries; check each row against them (on roll, a school session, not
    already recorded differently); refuse the file with every problem, or write.
    """
    errors: list[RowError] = []
    parsed: list[_MarkRow] = []
    first_line_of: dict[tuple[str, date, str], int] = {}
    for line, values in rows:
        problems, row = _parse_row(line, values)
        if row is not None:
            key = (row.upn, row.day, row.session)
            if key in first_line_of:
                problems.append(
                    f"pupil {row.upn} on {row.day:%Y-%m-%d} {row.session} is also on line "
                    f"{first_line_of[key]}"
                )
                row = None
            else:
                first_line_of[key] = line
        errors.extend(RowError(line, problem) for problem in problems)
        if row is not None:
            parsed.append(row)
    facts = _load_facts(school, parsed)
    new_marks: list[_MarkRow] = []
    skipped = 0
    for row in parsed:
        problem, already_recorded = _check_against_school(row, facts)
        if problem:
            errors.append(RowError(row.line, problem))
        elif already_recorded:
            skipped += 1
        else:
            new_marks.append(row)
    if errors:
        raise FileRejected(sorted(errors, key=lambda error: error.line))
    _write(school, new_marks, facts)
    return MarkImportResult(created=len(new_marks), skipped=skipped)


def _parse_row(line: int, values: dict[str, str]) -> tuple[list[str], _MarkRow | None]:
    problems: list[str] = []
    upn = values.get("upn", "").strip().upper()
    if not upn:
        problems.append("upn is blank")
    elif problem := upn_problem(upn):
        problems.append(f"UPN {upn}: {problem}")

    day: date | None = None
    raw_date = values.get("date", "").strip()
    if not raw_date:
        problems.append("date is blank")
    else:
        try:
            day = parse_date(raw_date)
        except ValueError as error:
            problems.append(f"date: {error}")
        if day is not None and day > timezone.localdate():
            problems.append(f"date {day:%Y-%m-%d} is in the future; only history can be imported")
            day = None

    session = values.get("session", "").strip().upper()
    if session not in SESSIONS:
        problems.append(f"session must be {' or '.join(SESSIONS)}, not '{session}'")

    code = values.get("code", "").strip().upper()
    code_ok = False
    if not code:
        problems.append("code is blank")
    elif day is not None and session in SESSIONS:
        # Also refuses withdrawn codes after the 2024 regulations began, and '/' vs '\' mix-ups.
        problem = code_problem(code, on=day, session=session, born=None)
        if problem:
            problems.append(problem)
        code_ok = problem is None

    minutes_late: int | None = None
    raw_minutes = values.get("minutes_late", "").strip()
    if raw_minutes:
        minutes_late = whole_number(raw_minutes, maximum=MAX_MINUTES_LATE)
        if minutes_late is None:
            problems.append(
                f"minutes_late must be a whole number from 0 to {MAX_MINUTES_LATE}, "
                f"not '{raw_minutes[:10]}'"
            )
        # Minutes late are recorded for a late arrival, before or after the register closed.
        if code_ok and code not in (LATE_BEFORE_CLOSE, LATE_AFTER_CLOSE):
            problems.append(
                f"minutes_late goes only with {LATE_BEFORE_CLOSE} or {LATE_AFTER_CLOSE}, "
                f"not with '{code}'"
            )

    if problems or day is None:
        return problems, None
    return [], _MarkRow(line, upn, day, session, code, minutes_late)


def _load_facts(school: School, rows: list[_MarkRow]) -> _SchoolFacts:
    if not rows:
        return _SchoolFacts({}, {}, set(), [], {})
    first, last = min(row.day for row in rows), max(row.day for row in rows)
    upns = {row.upn for row in rows}
    enrolments: dict[str, tuple[int, list[tuple[date, date | None]]]] = {}
    # Only pupils ever on this school's roll are found, so a file cannot probe for UPNs
    # registered elsewhere: both cases get the same answer.
    for upn, pupil_id, start, leaving in Enrolment.objects.filter(
        school=school, pupil__upn__in=upns
    ).values_list("pupil__upn", "pupil_id", "start_date", "leaving_date"):
        enrolments.setdefault(upn, (pupil_id, []))[1].append((start, leaving))
    days = {
        day: (am, pm)
        for day, am, pm in SchoolDay.objects.filter(
            school=school, date__range=(first, last)
        ).values_list("date", "am", "pm")
    }
    closures = set(
        Closure.objects.filter(school=school, date__range=(first, last)).values_list(
            "date", "session"
        )
    )
    terms = list(
        Term.objects.filter(school=school, start__lte=last, end__gte=first).values_list(
            "start", "end"
        )
    )
    marks = {
        (pupil_id, day, session): code
        for pupil_id, day, session, code in Mark.objects.filter(
            school=school,
            pupil_id__in=[pupil_id for pupil_id, _ in enrolments.values()],
            date__range=(first, last),
        ).values_list("pupil_id", "date", "session", "code_id")
    }
    return _SchoolFacts(enrolments, days, closures, terms, marks)


def _check_against_school(row: _MarkRow, facts: _SchoolFacts) -> tuple[str | None, bool]:
    """(problem, already recorded with this code) for one row."""
    when = f"{row.day:%Y-%m-%d} {row.session}"
    if row.upn not in facts.enrolments:
        return f"no pupil with UPN {row.upn} is on this school's admission register", False
    pupil_id, spans = facts.enrolments[row.upn]
    if not any(
        start <= row.day and (leaving is None or row.day <= leaving) for start, leaving in spans
    ):
        return f"pupil {row.upn} is not on roll at this school on {row.day:%Y-%m-%d}", False

    open_am, open_pm = facts.days.get(row.day, (False, False))
    is_open = open_am if row.session == AM else open_pm
    planned_closure = (row.day, row.session) in facts.closures and any(
        start <= row.day <= end for start, end in facts.terms
    )
    if row.code == PLANNED_CLOSURE and not planned_closure:
        return (
            f"'{PLANNED_CLOSURE}' is for a planned closure, but {when} is not one in the "
            "school's calendar (add the closure to the calendar first)"
        ), False
    if row.code != PLANNED_CLOSURE and not is_open:
        if planned_closure:
            return (f"{when} is a planned closure; only '{PLANNED_CLOSURE}' can be recorded"), False
        return (
            f"{when} is not a school session (a weekend, a holiday or outside the school's terms)"
        ), False

    stored = facts.marks.get((pupil_id, row.day, row.session))
    if stored is None:
        return None, False
    if stored == row.code:
        return None, True
    return (
        f"{when} is already recorded as '{stored}'; amend that mark instead of importing "
        f"'{row.code}'"
    ), False


@transaction.atomic
def _write(school: School, rows: list[_MarkRow], facts: _SchoolFacts) -> None:
    now = timezone.now()
    Mark.objects.bulk_create(
        Mark(
            pupil_id=facts.enrolments[row.upn][0],
            school=school,
            date=row.day,
            session=row.session,
            code_id=row.code,
            minutes_late=row.minutes_late,
            source=MarkSource.IMPORT,
            recorded_by=None,
            recorded_at=now,
        )
        for row in rows
    )
