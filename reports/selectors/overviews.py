"""What the teacher's and the head's / attendance lead's pages show: a fixed number of queries
however many pupils or classes, every figure from `figures`."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q

from penalties.models import ThresholdCase
from penalties.selectors import threshold_cases_open_for_school
from registers.lib.year_groups import YEAR_GROUPS
from registers.models import GroupMembership, RegistrationGroup, School
from registers.selectors.statistics import Figures, figures_by, figures_by_population, figures_for
from reports.selectors.periods import Period, current_term, term_to_date, week_to_date
from reports.selectors.pupils import PupilFigures, pupil_figures


@dataclass(frozen=True)
class ClassFigures:
    group: RegistrationGroup
    week: Figures
    term: Figures


@dataclass(frozen=True)
class TeacherOverview:
    week: Period
    term: Period | None
    classes: list[ClassFigures]
    conversation_pct: Decimal  # the ladder's first step (default 95 %)
    meeting_pct: Decimal  # its last step (default 90 %)
    below: list[PupilFigures]  # pupils of the classes below conversation_pct this term


def _below(rows: list[PupilFigures], threshold: Decimal) -> list[PupilFigures]:
    """Pupils whose attendance is under `threshold`, lowest first."""
    low = [
        row
        for row in rows
        if row.figures.attendance_pct is not None and row.figures.attendance_pct < threshold
    ]
    return sorted(low, key=lambda row: (row.figures.attendance_pct, row.upn))


def teacher_overview(
    *, school: School, groups: Iterable[RegistrationGroup], today: date
) -> TeacherOverview:
    """The classes' figures this week and this term, and their pupils below the ladder's first
    step (the federation's setting, 95 % by default; the meeting step, 90 %, is marked)."""
    taught = list(groups)
    federation = school.federation
    week = week_to_date(day=today)
    term_row = current_term(school=school, day=today)
    term = term_to_date(term=term_row, day=today) if term_row else None
    by_week = figures_by(school_ids=[school.pk], start=week.start, end=week.end, by="group")
    by_term = (
        figures_by(school_ids=[school.pk], start=term.start, end=term.end, by="group")
        if term
        else {}
    )
    classes = [
        ClassFigures(group, by_week.get(group.pk, Figures()), by_term.get(group.pk, Figures()))
        for group in taught
    ]
    below: list[PupilFigures] = []
    if term and taught:
        in_classes = (
            GroupMembership.objects.filter(
                group__in=[group.pk for group in taught], start_date__lte=term.end
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=term.start))
            .values("pupil_id")
        )
        rows = pupil_figures(
            school_id=school.pk, start=term.start, end=term.end, pupil_ids=in_classes
        )
        below = _below(rows, federation.conversation_threshold_pct)
    return TeacherOverview(
        week=week,
        term=term,
        classes=classes,
        conversation_pct=federation.conversation_threshold_pct,
        meeting_pct=federation.meeting_threshold_pct,
        below=below,
    )


@dataclass(frozen=True)
class CohortGap:
    name: str
    figures: Figures
    gap: Decimal | None  # percentage points against all pupils (negative: lower attendance)


@dataclass(frozen=True)
class SchoolOverview:
    today: date
    week: Period
    term: Period | None
    today_figures: Figures
    today_by_class: list[tuple[RegistrationGroup, Figures]]
    term_figures: Figures
    term_by_class: list[tuple[RegistrationGroup, Figures]]
    term_by_year_group: list[tuple[str, Figures]]
    cohorts: list[CohortGap]
    weeks: list[tuple[date, Figures]]
    # The trend beside the national figure counts the pupils it counts (aged 5 to 15 on 31
    # August before the school year); `weeks` above, every pupil.
    national_population_weeks: list[tuple[date, Figures]]
    persistent: list[PupilFigures]  # persistent absentees this term (severe ones included)
    cases: list[ThresholdCase]
    benchmark_attendance_pct: Decimal  # 100 - the national overall absence rate
    benchmark_year: str


def _year_order(item: tuple[str, Figures]) -> tuple[int, str]:
    year_group = item[0]
    return (YEAR_GROUPS.index(year_group) if year_group in YEAR_GROUPS else 99, year_group)


def school_overview(*, school: School, today: date) -> SchoolOverview:
    """The head's and attendance lead's page: today, this term, cohorts, trend and cases."""
    ids = [school.pk]
    week = week_to_date(day=today)
    term_row = current_term(school=school, day=today)
    term = term_to_date(term=term_row, day=today) if term_row else None
    groups = list(RegistrationGroup.objects.filter(school=school).order_by("name"))
    today_by_group = figures_by(school_ids=ids, start=today, end=today, by="group")
    term_figures, term_by_group, by_year, by_cohort, rows = Figures(), {}, {}, {}, []
    weeks: dict[date, Figures] = {}
    national_weeks: dict[date, Figures] = {}
    if term and term_row:
        term_figures = figures_for(school_ids=ids, start=term.start, end=term.end)
        term_by_group = figures_by(school_ids=ids, start=term.start, end=term.end, by="group")
        # Rates only: read from the term's totals (no count per code).
        by_year = figures_by(
            school_ids=ids,
            start=term.start,
            end=term.end,
            by="year_group",
            codes=False,
            terms=[term_row],
        )
        by_cohort = figures_by(
            school_ids=ids,
            start=term.start,
            end=term.end,
            by="cohort",
            codes=False,
            terms=[term_row],
        )
        by_week = figures_by_population(school_ids=ids, start=term.start, end=term.end, by="week")
        weeks = {monday: figures.every_pupil for monday, figures in by_week.items()}
        national_weeks = {monday: figures.dfe for monday, figures in by_week.items()}
        rows = pupil_figures(school_id=school.pk, start=term.start, end=term.end)
    everyone = by_cohort.get("All pupils", Figures()).attendance_pct
    cohorts = [
        CohortGap(
            name,
            figures,
            None
            if figures.attendance_pct is None or everyone is None
            else figures.attendance_pct - everyone,
        )
        for name, figures in by_cohort.items()
    ]
    persistent = sorted(
        (row for row in rows if row.figures.is_persistent),
        key=lambda row: (row.figures.attendance_pct, row.upn),
    )
    return SchoolOverview(
        today=today,
        week=week,
        term=term,
        today_figures=figures_for(school_ids=ids, start=today, end=today),
        today_by_class=[(g, today_by_group[g.pk]) for g in groups if g.pk in today_by_group],
        term_figures=term_figures,
        term_by_class=[(g, term_by_group[g.pk]) for g in groups if g.pk in term_by_group],
        term_by_year_group=sorted(by_year.items(), key=_year_order),
        cohorts=cohorts,
        weeks=sorted((key, value) for key, value in weeks.items() if key is not None),
        national_population_weeks=sorted(
            (key, value) for key, value in national_weeks.items() if key is not None
        ),
        persistent=persistent,
        cases=list(threshold_cases_open_for_school(school=school)),
        benchmark_attendance_pct=100 - school.federation.benchmark_overall_absence_pct,
        benchmark_year=school.federation.benchmark_year,
    )
