"""School-calendar arithmetic: which days have sessions, and how they fall into school weeks.

Pure functions over dates, so the rules are testable without a database. A school week is a
calendar week (Monday to Sunday) in which the school has at least one session; weeks without
sessions (holidays) are skipped, not counted, so numbering runs on across terms and school years.
This is the week the penalty-notice threshold counts ("10 school weeks", national framework 2024).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

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
    date: date
    am: bool
    pm: bool
    week_start: date
    week_number: int


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def academic_year_start(day: date) -> int:
    """The calendar year in which the academic year containing `day` began (1 August onwards)."""
    return day.year if day.month >= 8 else day.year - 1


def academic_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


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
        if week_start(day) != current_week:
            current_week = week_start(day)
            number += 1
        result.append(SchoolDay(day, am, pm, current_week, number))
    return result
