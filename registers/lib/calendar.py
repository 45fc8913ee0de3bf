"""School-calendar arithmetic: which days have sessions, and how they fall into school weeks.

Pure functions over dates, so the rules are testable without a database. A school week is a
calendar week (Monday to Sunday) in which the school has at least one session; weeks without
sessions (holidays) are skipped, not counted, so numbering runs on across terms and school years.
This is the week the penalty-notice threshold counts ("10 school weeks", national framework 2024).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

AM = "AM"
PM = "PM"
SESSIONS = (AM, PM)


@dataclass(frozen=True)
class TermDates:
    start: date
    end: date
    half_term_start: date | None = None
    half_term_end: date | None = None

    def teaching_days(self) -> Iterable[date]:
        """Weekdays of the term outside its half-term holiday."""
        day = self.start
        while day <= self.end:
            in_half_term = (
                self.half_term_start is not None
                and self.half_term_end is not None
                and self.half_term_start <= day <= self.half_term_end
            )
            if day.weekday() < 5 and not in_half_term:
                yield day
            day += timedelta(days=1)


@dataclass(frozen=True)
class SchoolDay:
    date: datetime.date  # the field hides the class below it in this body
    am: bool
    pm: bool
    week_start: datetime.date
    week_number: int


def session_order(day: date, session: str) -> tuple[date, int]:
    """A session's place in time, for comparing spans: days in order, AM before PM."""
    return (day, SESSIONS.index(session))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def years_after(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March in a year without one (as a
    person born on 29 February attains an age, and as a period of years from it ends)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, month=3, day=1)


def working_days_after(day: date, days: int) -> date:
    """The day `days` working days (Monday to Friday) after `day`."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def academic_year_start(day: date) -> int:
    """The calendar year in which the academic year containing `day` began (1 August onwards)."""
    return day.year if day.month >= 8 else day.year - 1


def school_year_start(day: date) -> date:
    """The first day of the school year `day` is in: 1 August (the DfE's school year)."""
    return date(academic_year_start(day), 8, 1)


def academic_year_end(day: date) -> date:
    """The last day (31 July) of the academic year containing `day`."""
    return date(academic_year_start(day) + 1, 7, 31)


def academic_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def easter_sunday(year: int) -> date:
    """Easter Day in the Gregorian calendar (the anonymous algorithm, "Meeus/Jones/Butcher"):
    the school census's spring term ends on it."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday) // 433
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


def spring_bank_holiday(year: int) -> date:
    """The last Monday of May, where the census splits the summer term in two."""
    last = date(year, 5, 31)
    return last - timedelta(days=last.weekday())


def school_days(
    terms: Iterable[TermDates], closed_sessions: Iterable[tuple[date, str]]
) -> list[SchoolDay]:
    """Every day with at least one session, in date order, numbered by school week.

    Steps: collect the teaching days of every term; drop the sessions of planned closures; keep
    days with a session left; number their calendar weeks 1, 2, 3 ... in order, so a holiday week
    neither counts nor breaks the sequence.
    """
    closed = set(closed_sessions)
    open_days: list[tuple[date, bool, bool]] = []
    for day in sorted({d for term in terms for d in term.teaching_days()}):
        am, pm = (day, AM) not in closed, (day, PM) not in closed
        if am or pm:
            open_days.append((day, am, pm))
    result: list[SchoolDay] = []
    number, current_week = 0, None
    for day, am, pm in open_days:
        week = week_start(day)
        if week != current_week:
            current_week = week
            number += 1
        result.append(SchoolDay(day, am, pm, week, number))
    return result


def day_label(day: date) -> str:
    """How a date reads in a message to staff: 'Mon 15 Dec 2025'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def term_overlap_problems(terms: Iterable[tuple[str, date, date]]) -> list[str]:
    """Terms (name, start, end) that share a day: a day can be in only one term."""
    ordered = sorted(terms, key=lambda term: term[1])
    return [
        f"The terms '{a_name}' ({day_label(a_start)} to {day_label(a_end)}) and '{b_name}' "
        f"({day_label(b_start)} to {day_label(b_end)}) overlap: a day can be in only one term."
        for (a_name, a_start, a_end), (b_name, b_start, b_end) in pairwise(ordered)
        if b_start <= a_end
    ]


def closure_problems(
    closures: Iterable[tuple[date, str]], terms: Iterable[tuple[date, date]] | None
) -> list[str]:
    """Closed sessions listed twice, or outside every term (there is no session to close).

    `terms` is None when the terms are not yet known to be right; then only repeats are checked.
    """
    problems, seen = [], set()
    for day, session in closures:
        if (day, session) in seen:
            problems.append(
                f"{day_label(day)} {session} is closed twice: list each closed session once."
            )
        seen.add((day, session))
    if terms is not None:
        spans = list(terms)
        outside = sorted({day for day, _ in seen if not any(s <= day <= e for s, e in spans)})
        problems += [
            f"{day_label(day)} is not in any of the school's terms, so there is no session to "
            "close. Check the date, or add the term first."
            for day in outside
        ]
    return problems


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri")


def weekly_session(day: date, session: str) -> str:
    """How a weekly timetable names a session: 'Mon AM'."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {session}" if day.weekday() < 5 else ""


def weekly_sessions_problem(value: object) -> str | None:
    """Why a weekly pattern such as ['Mon PM', 'Wed AM'] is not one, or None."""
    if not isinstance(value, list):
        return "List the sessions, for example ['Mon PM', 'Wed AM']."
    allowed = {f"{day} {session}" for day in WEEKDAY_NAMES for session in SESSIONS}
    wrong = [str(item) for item in value if item not in allowed]
    if wrong:
        return f"Not a weekly session: {', '.join(wrong)} (write them as 'Mon AM' ... 'Fri PM')."
    if len(set(value)) != len(value):
        return "A session is listed twice."
    return None
