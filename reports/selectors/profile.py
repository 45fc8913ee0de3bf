"""A pupil's profile at one school: the year's sessions as a calendar, figures by term, and the
amendments, calls, leave and cases behind them. Eight queries, whatever the year holds."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from absences.models import LeaveRequest, ParentCall
from penalties.models import ThresholdCase
from registers.models import Amendment, Mark, Pupil, School, SchoolDay, Term
from registers.selectors.statistics import Figures, figures_by, figures_for
from reports.selectors.periods import Period, school_year


@dataclass(frozen=True)
class SessionCell:
    code: str  # "" for a school session with no mark yet
    group: str  # the code's CodeGroup value, for colouring ("" when unmarked)
    meaning: str


@dataclass(frozen=True)
class DayCell:
    day: date
    am: SessionCell | None  # None: not a school session and no mark
    pm: SessionCell | None


@dataclass(frozen=True)
class Month:
    title: str
    weeks: list[list[DayCell | None]]  # Monday to Friday; None outside the month


@dataclass(frozen=True)
class PupilProfile:
    year: Period
    months: list[Month]
    terms: list[tuple[Term, Figures]]
    year_figures: Figures
    amendments: list[Amendment]
    calls: list[ParentCall]
    leave: list[LeaveRequest]
    cases: list[ThresholdCase]


def _months(*, year: Period, school_days: list[SchoolDay], marks: list[Mark]) -> list[Month]:
    """The calendar: every month of the year with a school session or a mark, week by week."""
    unmarked = SessionCell("", "", "No mark")
    sessions: dict[tuple[date, str], SessionCell] = {}
    for day in school_days:
        if day.am:
            sessions[(day.date, "AM")] = unmarked
        if day.pm:
            sessions[(day.date, "PM")] = unmarked
    for mark in marks:
        sessions[(mark.date, mark.session)] = SessionCell(
            mark.code_id, mark.code.group, mark.code.meaning
        )
    used = {(day.year, day.month) for day, _session in sessions}
    months = []
    first = year.start
    while first <= year.end:
        if (first.year, first.month) in used:
            weeks = []
            for week in calendar.Calendar().monthdatescalendar(first.year, first.month):
                cells: list[DayCell | None] = [
                    DayCell(day, sessions.get((day, "AM")), sessions.get((day, "PM")))
                    if day.month == first.month
                    else None
                    for day in week[:5]
                ]
                if any(cells):
                    weeks.append(cells)
            months.append(Month(f"{first:%B %Y}", weeks))
        first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def pupil_profile(*, school: School, pupil: Pupil, today: date) -> PupilProfile:
    year = school_year(day=today)
    marks = list(
        Mark.objects.filter(pupil=pupil, school=school, date__range=(year.start, year.end))
        .select_related("code")
        .order_by("date", "session")
    )
    school_days = list(
        SchoolDay.objects.filter(school=school, date__range=(year.start, year.end)).order_by("date")
    )
    terms = list(
        Term.objects.filter(school=school, start__lte=year.end, end__gte=year.start).order_by(
            "start"
        )
    )
    by_term = figures_by(
        school_ids=[school.pk], start=year.start, end=year.end, by="term", pupil_ids=[pupil.pk]
    )
    return PupilProfile(
        year=year,
        months=_months(year=year, school_days=school_days, marks=marks),
        terms=[(term, by_term.get(term.pk, Figures())) for term in terms],
        year_figures=figures_for(
            school_ids=[school.pk], start=year.start, end=year.end, pupil_ids=[pupil.pk]
        ),
        amendments=list(
            Amendment.objects.filter(mark__pupil=pupil, mark__school=school)
            .select_related("mark")
            .order_by("-amended_at")
        ),
        calls=list(
            ParentCall.objects.filter(pupil=pupil, school=school)
            .select_related("recorded_by")
            .order_by("-called_at")
        ),
        leave=list(LeaveRequest.objects.filter(pupil=pupil, school=school).order_by("-first_day")),
        cases=list(ThresholdCase.objects.filter(pupil=pupil, school=school).order_by("-opened_on")),
    )
