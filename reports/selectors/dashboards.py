"""The governors' termly dashboard and the federation overview: aggregates only.

Every figure comes from `registers.selectors.statistics` (one SQL statement per call); this module
only chooses the periods, shapes the rows and hides small cells. Nothing here names a pupil:
the rows carry counts and rates of a term, a cohort, a year group, a week or a school.

Suppression: a row about fewer than SUPPRESSION_THRESHOLD pupils shows no number at all (not
even its pupil count), only "fewer than 5 pupils", so that no pupil can be recognised from a
governors' paper. A row about no pupil at all (no possible session recorded in its period: a
term before the school used the system, a cohort with nobody in it) says "no sessions
recorded" instead, so that missing data never reads as privacy. The "All pupils" row and each
cohort are shown or hidden on their own; the gap is shown only where both are.

The national figures' population: every figure set beside the national figures (the terms'
rates, the weekly trend, the federation's schools and total) counts only the pupils the DfE's
absence statistics count, aged 5 to 15 on 31 August before the school year
(registers/lib/statistics_population.py), and the pages say so; the school's own figures of
every pupil on roll stay beside them (this term's, the cohorts, the year groups, and the
overview's second table).

Queries: the governors' dashboard makes five (the school's terms; figures by cohort, whose
"All pupils" are this term's, of every pupil and of the national figures' population; the
figures of up to three terms before it, in one statement from their totals; figures by week
and by year group); the overview three (the period, the schools' terms in it, then figures by
school, of both populations, from the terms' totals), however many pupils or schools.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, Min, OuterRef, Subquery

from registers.lib import statements
from registers.lib.calendar import academic_year_label, academic_year_start
from registers.lib.statistics_population import OLDEST, YOUNGEST, born_aged_on_31_august
from registers.lib.year_groups import YEAR_GROUPS
from registers.models import Federation, School, Term
from registers.selectors.statistics import (
    COHORT_NAMES,
    SUPPRESSION_THRESHOLD,
    Figures,
    figures_by,
    figures_by_cohort_and_year_group,
    figures_by_population,
    figures_for,
    figures_of_terms,
    figures_sum,
    suppressed,
)

SUPPRESSED_NOTE = f"fewer than {SUPPRESSION_THRESHOLD} pupils"
NO_SESSIONS_NOTE = "no sessions recorded"
ALL_PUPILS = "All pupils"
EVERY_PUPIL_ON_ROLL = "every pupil on roll"
NATIONAL_POPULATION = f"pupils aged {YOUNGEST} to {OLDEST} on 31 August before the school year"
# How many earlier terms the governors compare this term with: the school year before it.
PREVIOUS_TERMS_SHOWN = 3
# The overview's period may be any dates within a year (a school year is at most 366 days).
LONGEST_PERIOD = timedelta(days=366)


@dataclass(frozen=True)
class Row:
    """One line of a dashboard table. Rates are % of possible sessions (attendance, authorised
    and unauthorised absence) or % of pupils (persistent and severe absence); None is not
    known, or hidden when `suppressed` (1 to 4 pupils) or `no_sessions` (none)."""

    label: str
    pupils: int | None = None
    attendance: Decimal | None = None
    authorised: Decimal | None = None
    unauthorised: Decimal | None = None
    persistent: Decimal | None = None
    severe: Decimal | None = None
    suppressed: bool = False
    no_sessions: bool = False
    gap: Decimal | None = None  # attendance minus the whole school's, in percentage points
    note: str = ""

    @classmethod
    def of(cls, label: str, figures: Figures, *, note: str = "") -> "Row":
        if not figures.pupils:
            return cls(label=label, no_sessions=True, note=note)
        if suppressed(figures):
            return cls(label=label, suppressed=True, note=note)
        return cls(
            label=label,
            pupils=figures.pupils,
            attendance=figures.attendance_pct,
            authorised=figures.authorised_pct,
            unauthorised=figures.unauthorised_pct,
            persistent=figures.persistent_pct,
            severe=figures.severe_pct,
            note=note,
        )

    @property
    def withheld(self) -> str:
        """Why the row shows no figure ("no sessions recorded", "fewer than 5 pupils"), or ""."""
        return withheld_note(no_sessions=self.no_sessions, suppressed=self.suppressed)

    def with_gap_to(self, whole: "Row") -> "Row":
        if self.withheld or self.attendance is None or whole.attendance is None:
            return self
        return replace(self, gap=self.attendance - whole.attendance)


def withheld_note(*, no_sessions: bool, suppressed: bool) -> str:
    if no_sessions:
        return NO_SESSIONS_NOTE
    return SUPPRESSED_NOTE if suppressed else ""


@dataclass(frozen=True)
class Week:
    """A school week of a term on the trend chart (attendance None: suppressed or none)."""

    number: int  # 1 for the term's first school week
    week_start: date
    term: str
    attendance: Decimal | None
    suppressed: bool
    no_sessions: bool = False

    @property
    def withheld(self) -> str:
        return withheld_note(no_sessions=self.no_sessions, suppressed=self.suppressed)


@dataclass(frozen=True)
class GovernorsDashboard:
    school: School
    term: Term
    terms: list[Term]  # every term of the school, for choosing another
    period_start: date
    period_end: date  # the term's end, or today while the term is in progress
    in_progress: bool
    # This term, the terms before it (latest first), over the national figures' population;
    # then the national figures.
    rates: list[Row]
    all_pupils: Row  # this term, every pupil on roll (the school's own figure)
    population: str  # who the national comparison counts, for the page
    cohorts: list[Row]  # All pupils first, each cohort with its gap
    year_groups: list[Row]
    weeks: list[Week]  # this term's, over the national figures' population
    previous_weeks: list[Week]  # the previous term's, for the trend
    previous_term: Term | None
    benchmark: Row


@dataclass(frozen=True)
class FederationOverview:
    federation: Federation
    start: date
    end: date
    schools: list[tuple[School, Row]]  # over the national figures' population
    total: Row
    benchmark: Row
    population: str  # who the national comparison counts, for the page
    all_pupils_schools: list[tuple[School, Row]]  # every pupil on roll
    all_pupils_total: Row


def national_population(*, start: date, end: date) -> str:
    """Who the national figures count, in words for a page: the pupils aged 5 to 15 on 31 August
    before the school year, with their dates of birth for the school years of the period."""
    first_year, last_year = academic_year_start(start), academic_year_start(end)
    born = "; ".join(
        f"for {academic_year_label(year)}, born {first:%-d %B %Y} to {last:%-d %B %Y}"
        for year in range(first_year, last_year + 1)
        for first, last in [born_aged_on_31_august(school_year=year)]
    )
    return f"{NATIONAL_POPULATION} ({born})"


def national_benchmark(*, federation: Federation) -> Row:
    """The national figures stored on the federation (a given year's DfE statistics). They
    give absence rates, so attendance is 100 minus overall absence; persistent absence is not
    stored."""
    return Row(
        label=f"National ({federation.benchmark_year})",
        attendance=Decimal(100) - federation.benchmark_overall_absence_pct,
        authorised=federation.benchmark_authorised_absence_pct,
        unauthorised=federation.benchmark_unauthorised_absence_pct,
        severe=federation.benchmark_severe_absence_pct,
    )


def school_terms(*, school: School) -> list[Term]:
    return list(Term.objects.filter(school=school).order_by("start"))


def term_for_dashboard(*, terms: Sequence[Term], today: date) -> Term | None:
    """The term containing today, else the last one begun (a holiday shows the term just
    ended), else the first to come."""
    begun = [term for term in terms if term.start <= today]
    if begun:
        return begun[-1]
    return terms[0] if terms else None


def governors_dashboard(
    *, school: School, terms: Sequence[Term], term: Term, today: date
) -> GovernorsDashboard:
    """The figures of `term` (to today while it runs) against the terms before it, the
    national figures, the cohorts and year groups, and the weekly trend."""
    terms = list(terms)
    index = next(position for position, each in enumerate(terms) if each.pk == term.pk)
    earlier = terms[max(0, index - PREVIOUS_TERMS_SHOWN) : index]
    previous_term = earlier[-1] if earlier else None
    period_end = min(term.end, today) if today >= term.start else term.end
    ids = [school.pk]

    # No code is shown, so no count per code is made: codes=False adds up pupil weeks.
    # The terms' rates and the trend are set beside the national figures, so they count the
    # national figures' population. This term's are the cohorts' "All pupils" (the same
    # marks, both populations in one statement), the earlier terms' one statement for them all
    # (benchmarks/dashboards.py).
    benchmark = national_benchmark(federation=school.federation)
    # Keys that hold for a term read the totals of the school's terms (PupilTerm).
    # With the year groups' (every pupil's), from the same rows in the same statement.
    by_cohort, by_year = figures_by_cohort_and_year_group(
        school_ids=ids, start=term.start, end=period_end, terms=terms
    )
    # The earlier terms, whole, from their totals in one statement; one that overlaps this term
    # and runs on past today (a calendar's mistake) to today, on its own.
    earlier_figures = figures_of_terms(
        terms=[each for each in earlier if each.end <= period_end], dfe_population=True
    )
    rates = [Row.of(term.name, by_cohort[ALL_PUPILS].dfe, note=_term_note(term, today))] + [
        Row.of(
            each.name,
            earlier_figures[each.pk]
            if each.pk in earlier_figures
            else figures_for(
                school_ids=ids,
                start=each.start,
                end=period_end,
                codes=False,
                dfe_population=True,
                terms=terms,
            ),
            note=_term_note(each, today),
        )
        for each in reversed(earlier)
    ]
    by_week = figures_by(
        school_ids=ids,
        start=(previous_term or term).start,
        end=period_end,
        by="week",
        codes=False,
        dfe_population=True,
    )
    whole = Row.of(ALL_PUPILS, by_cohort[ALL_PUPILS].every_pupil)
    cohorts = [whole] + [
        Row.of(name, by_cohort[name].every_pupil).with_gap_to(whole)
        for name in COHORT_NAMES
        if name != ALL_PUPILS
    ]
    year_groups = [
        Row.of(_year_group_label(year), figures).with_gap_to(whole)
        for year, figures in sorted(by_year.items(), key=lambda item: _year_order(item[0]))
    ]
    return GovernorsDashboard(
        school=school,
        term=term,
        terms=terms,
        period_start=term.start,
        period_end=period_end,
        in_progress=term.start <= today < term.end,
        rates=[*rates, benchmark],
        all_pupils=Row.of(
            f"{term.name}: {EVERY_PUPIL_ON_ROLL}",
            by_cohort[ALL_PUPILS].every_pupil,
            note=_term_note(term, today),
        ),
        population=national_population(
            start=(earlier[0] if earlier else term).start, end=period_end
        ),
        cohorts=cohorts,
        year_groups=year_groups,
        weeks=_weeks(by_week, term=term),
        previous_weeks=_weeks(by_week, term=previous_term) if previous_term else [],
        previous_term=previous_term,
        benchmark=benchmark,
    )


def federation_default_period(*, federation: Federation, today: date) -> tuple[date, date]:
    """This term across the federation: the terms named as the latest term begun at any of its
    schools (their calendars may differ by a few days), first day to last; today's date alone
    if no term is known."""
    latest_name = (
        Term.objects.filter(school__federation=federation, start__lte=today)
        .order_by("-start")
        .values("name")[:1]
    )
    span = Term.objects.filter(
        school__federation=OuterRef("pk"), name=Subquery(latest_name)
    ).values("school__federation")
    found = (
        Federation.objects.filter(pk=federation.pk)
        .annotate(
            first=Subquery(span.annotate(first=Min("start")).values("first")[:1]),
            last=Subquery(span.annotate(last=Max("end")).values("last")[:1]),
        )
        .values_list("first", "last")
        .first()
    )
    if not found or found[0] is None:
        return today, today
    return found[0], min(found[1], today)


def federation_overview(
    *, federation: Federation, schools: Sequence[School], start: date, end: date
) -> FederationOverview:
    """Every school of the federation side by side for the dates, with the federation's total,
    over the national figures' population beside the national figures, and again over every
    pupil on roll (one statement for them all)."""
    ids = [school.pk for school in schools]
    # From the totals of the schools' terms in the period (PupilTerm): one query for the terms.
    both = figures_by_population(
        school_ids=ids, start=start, end=end, by="school", terms=_terms_in(ids, start, end)
    )
    by_school = {key: figures.dfe for key, figures in both.items()}
    every_pupil = {key: figures.every_pupil for key, figures in both.items()}
    return FederationOverview(
        federation=federation,
        start=start,
        end=end,
        schools=[
            (school, Row.of(school.name, by_school.get(school.pk, Figures()))) for school in schools
        ],
        total=Row.of(f"{federation.name} (all schools)", figures_sum(by_school.values())),
        benchmark=national_benchmark(federation=federation),
        population=national_population(start=start, end=end),
        all_pupils_schools=[
            (school, Row.of(school.name, every_pupil.get(school.pk, Figures())))
            for school in schools
        ],
        all_pupils_total=Row.of(
            f"{federation.name} (all schools)", figures_sum(every_pupil.values())
        ),
    )


# The schools' terms sharing a day with the period, by their dates alone.
_TERMS_IN = """
SELECT id, school_id, start, "end" FROM registers_term
WHERE school_id = ANY(%s) AND start <= %s AND "end" >= %s
"""
_TERM_FIELDS = ["id", "school_id", "start", "end"]


def _terms_in(school_ids: list[int], start: date, end: date) -> list[Term]:
    """The schools' terms sharing a day with `start` to `end` (only their dates loaded): on
    PostgreSQL a fixed statement, prepared (the ORM took longer to build this query for a
    federation's schools than PostgreSQL to answer it); on SQLite the ORM's."""
    if not statements.prepared_statements(Term.objects.db):
        # Unordered: the model's ordering (by school name) would join the schools for nothing.
        return list(
            Term.objects.filter(school__in=school_ids, start__lte=end, end__gte=start)
            .only(*_TERM_FIELDS)
            .order_by()
        )
    rows = statements.fetch(_TERMS_IN, [school_ids, end, start], using=Term.objects.db)
    return [Term.from_db(Term.objects.db, _TERM_FIELDS, row) for row in rows]


def _weeks(by_week: dict[date, Figures], *, term: Term) -> list[Week]:
    """The term's school weeks in order, numbered from its first. A week belongs to the term if
    any of its days does (a term may start on a Wednesday; SchoolDay's week starts Monday)."""
    mondays = sorted(
        monday
        for monday in by_week
        if monday is not None and monday <= term.end and monday + timedelta(days=6) >= term.start
    )
    return [
        Week(
            number=number,
            week_start=monday,
            term=term.name,
            attendance=None if suppressed(by_week[monday]) else by_week[monday].attendance_pct,
            suppressed=bool(by_week[monday].pupils) and suppressed(by_week[monday]),
            no_sessions=not by_week[monday].pupils,
        )
        for number, monday in enumerate(mondays, start=1)
    ]


def _term_note(term: Term, today: date) -> str:
    if term.start <= today < term.end:
        return f"to {today:%d %b %Y}"
    return ""


def _year_order(year_group: str | None) -> int:
    return YEAR_GROUPS.index(year_group) if year_group in YEAR_GROUPS else 99


def _year_group_label(year_group: str | None) -> str:
    if year_group in ("N1", "N2"):
        return f"Nursery ({year_group})"
    if year_group == "R":
        return "Reception"
    return f"Year {year_group}" if year_group else "Year group not recorded"
