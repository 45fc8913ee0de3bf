"""The one statistics module: attendance figures by the DfE's absence-statistics method.

Every page, export and command that shows a figure asks here; nothing else counts codes.

The method (`shared/domain/attendance-rules.md`, "Statistics"):
- A possible session is a mark whose code does not count as NOT_POSSIBLE (so `X`, `D`, `#`,
  `Q`, `Y1`-`Y7`, `Z` are left out of every rate, though they appear in `by_code`).
- Attended: codes counting as attendance, which include the approved educational activities
  (`K`, `V`, `P`, `W`, `B`, and before 19 August 2024 the withdrawn `J`, interview).
  Authorised / unauthorised absence by `counts_as` likewise; what a code counts as is data
  read only from `registers.codes.code_catalogue()`.
- Rates are over possible sessions. Persistent absence: an enrolment (a pupil at one school)
  missing 10 % or more of its possible sessions in the period; severe: 50 % or more. Both are
  counted per pupil per school, so a pupil at two schools of a federation is two enrolments.

How (one SQL statement per call, however many pupils or marks):
1. The marks of the period are grouped per key, pupil and school, with conditional counts
   (attended, authorised, unauthorised, whose sum is possible; and, unless `codes=False`, one
   column per code in the catalogue). What each code counts as is read from the catalogue
   (registers/codes.py) when the statement is made and written into it as lists of codes, so
   no mark is joined to the code table; the key (term, class) is a join, not a subquery per
   mark. PostgreSQL reads the marks from the index `mark_figures_idx` alone.
   With `codes=False`, for keys that are the same all week (school, pupil, year group, cohort,
   week), the whole weeks of the period are read from `PupilWeek` instead: each pupil's marks
   at a school counted by week, kept by triggers (registers/lib/pupil_weeks.py), ten times
   fewer rows; only the part weeks at the period's ends are counted from marks
   (`_weekly_counts`), and the pupil weeks are read in one scan of the covering index
   `pupil_week_figures_idx`, whose ends a condition decided once for the statement sets. At
   scale (benchmarks/dashboards.py) a federation's term is 325,000 pupil weeks rather than 3.3
   million marks.
   For keys that are the same all term (school, pupil, year group, cohort), given the terms
   the caller has loaded (`terms=`), the terms the period covers are read from `PupilTerm`:
   each pupil's marks counted per term by the same triggers, one row per pupil and term (25,000
   for a federation's term), less what a term has outside the period, plus the days of the
   period in none of them, both from the pupil weeks as above (`_term_counts`). Without
   `terms` the figures are the same, from the weeks. `figures_of_terms` gives several whole
   terms' figures from their totals in one statement.
   Rows that are already one per key and enrolment (a pupil week, by week; one whole term's
   totals per school) are not added up again.
2. An outer query groups those per-enrolment rows by the key, summing the counts and counting
   the enrolments with a possible session, and those at or over 10 % and 50 % absence (compared
   in integers: absence * 10 >= possible, so exactly 10 % is persistent). The counts per
   enrolment are integers (a bigint's sum is numeric in PostgreSQL, several times slower), and
   counted with FILTER where the database has it.
For cohorts, the per-enrolment rows are repeated once per cohort the pupil belongs to
(UNION ALL over a common table expression), so the same statement gives every cohort.

The national figures' population (`dfe_population=True`, and `figures_by_population`, which
gives it beside every pupil's figures in the same statement): only the sessions of pupils aged
5 to 15 on 31 August before the session's school year (registers/lib/statistics_population.py).
The rows are counted per key, pupil and school first, as for every pupil, and only those (one
per enrolment, not one per week or mark) are joined to the pupils' dates of birth, which decide
whether their counts are the population's too: a join of 25,000 rows for a federation's term
rather than 325,000. A period across the start of a school year (rare: usually it lies in one)
is read in parts, one per school year, each a branch of the UNION ALL marked with its number and
counted per part before the join, then added up again per enrolment; so a pupil who was 4 on
the first 31 August counts only in the later part, and each enrolment is still one row.

Which class a mark belongs to (`by="group"`): the class the pupil was a member of on the day of
the mark (their GroupMembership at that school covering that date). A pupil who changes class
mid-period counts in both classes, each for its own sessions. Marks on a day the pupil was in no
class are keyed None. Year group is the pupil's current year group.
"""

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from math import gcd
from typing import Any, Literal

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from core.db_routing import connection_for_reading
from registers.codes import CountsAs, code_catalogue
from registers.lib.pupil_weeks import week_start_sql
from registers.lib.statistics_population import born_aged_on_31_august, school_year_spans
from registers.models import (
    GroupMembership,
    Mark,
    Pupil,
    PupilTerm,
    PupilWeek,
    RegistrationGroup,
    Term,
)

# Cells of an aggregate-only view (governors, federation) describing fewer pupils than this are
# not shown, so that no pupil can be recognised from a figure.
SUPPRESSION_THRESHOLD = 5

# DfE: persistent absence is 10 % or more of possible sessions missed; severe is 50 % or more.
PERSISTENT_ABSENCE_PCT = 10
SEVERE_ABSENCE_PCT = 50

ONE_PLACE = Decimal("0.1")
ONE_DAY = timedelta(days=1)

COHORTS: tuple[tuple[str, str | None], ...] = (
    ("SEN support", "sen_support"),
    ("EHC plan", "ehc_plan"),
    ("FSM / pupil premium", "fsm"),
    ("Social worker", "social_worker"),
    ("Medical condition", "medical_condition"),
    ("All pupils", None),
)
COHORT_NAMES = tuple(name for name, _ in COHORTS)
# The key of the year groups' rows when a statement asks them beside the cohorts'.
YEAR_GROUP_ROWS = "year groups"

By = Literal["school", "group", "year_group", "week", "pupil", "cohort", "term"]
BY_KEYS = ("school", "group", "year_group", "week", "pupil", "cohort", "term")

# Whose figures: every pupil, or the national figures' population (the DfE's: aged 5 to 15 on
# 31 August before the school year), each a prefix of the per-enrolment columns.
EVERY_PUPIL, DFE = "", "dfe_"

# Pupils to count: their ids, or a queryset of their ids (the ORM writes it into the SQL).
PupilIds = Collection[int] | QuerySet[Any, Any] | None


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator as a percentage to one decimal place (half up), None over 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        ONE_PLACE, rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class Figures:
    pupils: int = 0  # enrolments with at least one possible session in the period
    possible: int = 0
    attended: int = 0
    authorised: int = 0
    unauthorised: int = 0
    # Every code seen, possible or not; a code not seen counts 0 (in templates too).
    by_code: Counter[str] = field(default_factory=Counter)
    # How many enrolments had each code, when asked for (`code_pupils=True`): a count about
    # fewer than SUPPRESSION_THRESHOLD pupils is withheld from an aggregate-only view.
    pupils_by_code: Counter[str] = field(default_factory=Counter)
    persistent: int = 0
    severe: int = 0

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def attendance_pct(self) -> Decimal | None:
        return percent(self.attended, self.possible)

    @property
    def absence_pct(self) -> Decimal | None:
        return percent(self.absent, self.possible)

    @property
    def authorised_pct(self) -> Decimal | None:
        return percent(self.authorised, self.possible)

    @property
    def unauthorised_pct(self) -> Decimal | None:
        return percent(self.unauthorised, self.possible)

    @property
    def persistent_pct(self) -> Decimal | None:
        return percent(self.persistent, self.pupils)

    @property
    def severe_pct(self) -> Decimal | None:
        return percent(self.severe, self.pupils)

    @property
    def is_persistent(self) -> bool:
        """For one enrolment's figures: missing 10 % or more of possible sessions."""
        return bool(self.possible) and self.absent * 100 >= self.possible * PERSISTENT_ABSENCE_PCT

    @property
    def is_severe(self) -> bool:
        return bool(self.possible) and self.absent * 100 >= self.possible * SEVERE_ABSENCE_PCT

    def attendance_below(self, pct: Decimal | int) -> bool:
        """Attendance strictly below `pct` %, compared exactly (attended * 100 < possible *
        pct) so that no rounding decides; never with no possible session."""
        return bool(self.possible) and self.attended * 100 < self.possible * Decimal(pct)


EMPTY = Figures()


@dataclass(frozen=True)
class PopulationFigures:
    """One key's figures of every pupil, and of the national figures' population (pupils aged
    5 to 15 on 31 August before the school year), for a figure set beside the national ones
    with the school's own beside it."""

    every_pupil: Figures = EMPTY
    dfe: Figures = EMPTY


def figures_sum(figures: Iterable[Figures]) -> Figures:
    """Figures of several keys together. The session counts always add up exactly. So do
    `pupils`, `persistent` and `severe` over keys of different enrolments (a federation's
    schools: every count is per enrolment, a pupil at one school, so none is counted twice),
    but not over periods of the same pupils (a year's weeks), where only the sessions mean
    anything."""
    pupils = possible = attended = authorised = unauthorised = persistent = severe = 0
    by_code: Counter[str] = Counter()
    for each in figures:
        pupils += each.pupils
        possible += each.possible
        attended += each.attended
        authorised += each.authorised
        unauthorised += each.unauthorised
        persistent += each.persistent
        severe += each.severe
        if each.by_code:
            by_code += each.by_code
    return Figures(
        pupils=pupils,
        possible=possible,
        attended=attended,
        authorised=authorised,
        unauthorised=unauthorised,
        by_code=by_code,
        persistent=persistent,
        severe=severe,
    )


def suppressed(figures: Figures) -> bool:
    """A cell about fewer than SUPPRESSION_THRESHOLD pupils, hidden on aggregate-only views."""
    return figures.pupils < SUPPRESSION_THRESHOLD


def _in(column: str, codes: Collection[str] | Collection[int]) -> tuple[str, list[Any]]:
    """`column IN (codes)` as SQL and its parameters (false for no codes)."""
    if not codes:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(codes))})", list(codes)


def _count_where(condition: str) -> str:
    """The marks meeting `condition`: COUNT(*) FILTER where the database has it (PostgreSQL
    skips the other rows without a call; a third faster than COUNT(CASE ...))."""
    if connection.features.supports_aggregate_filter_clause:
        return f"COUNT(*) FILTER (WHERE {condition})"
    return f"COUNT(CASE WHEN {condition} THEN 1 END)"


# Each term's figures, its first day to its last, read from its totals alone (`figures_of_terms`).
WHOLE_TERM = "whole term"

# A pupil week's or term total's marks, possible or not: an enrolment that has none in a period
# (its term's marks all outside it, taken away) has no figures, as if its marks had been read.
_ALL_MARKS = "{t}.attended + {t}.authorised + {t}.unauthorised + {t}.not_possible"


def _period_marks(
    *, school_ids: Collection[int], start: date, end: date, pupil_ids: PupilIds
) -> tuple[str, list[Any]]:
    """The period's marks as a SELECT of m_pupil, m_school, m_date and m_code; `pupil_ids` may
    be ids or a queryset of ids. Four columns of the index `mark_figures_idx`, so PostgreSQL
    reads the index alone. Written out rather than built by the ORM, which took longer to
    build it than PostgreSQL to run it for a week's part."""
    q = connection.ops.quote_name
    schools, school_params = _in("school_id", list(school_ids))
    pupils, pupil_params = _pupils_in("pupil_id", pupil_ids)
    return (
        f"SELECT pupil_id AS m_pupil, school_id AS m_school, date AS m_date, code AS m_code "
        f"FROM {q(Mark._meta.db_table)} WHERE {schools} AND date >= %s AND date <= %s{pupils}",
        [*school_params, start, end, *pupil_params],
    )


COUNTED = ("attended", "authorised", "unauthorised")
# Keys that are the same for all of a pupil's marks at a school in one week: their figures can
# add up the pupil weeks. Not a class (a pupil may change class mid-week) or a term (one may
# end mid-week).
WEEKLY_KEYS = ("all", "school", "pupil", "year_group", "cohort", "week")
# Keys that are the same for all of a pupil's marks at a school in a term: their figures can
# add up the term totals (`PupilTerm`), with the pupil weeks for what a period has of a term.
TERM_KEYS = ("all", "school", "pupil", "year_group", "cohort")


def _pupils_in(column: str, pupil_ids: PupilIds) -> tuple[str, list[Any]]:
    """` AND column IN (the pupils)` and its parameters ("" for every pupil); `pupil_ids` may be
    ids or a queryset of ids, which becomes a subquery."""
    if pupil_ids is None:
        return "", []
    if isinstance(pupil_ids, QuerySet):
        sql, query_params = pupil_ids.query.sql_with_params()
        return f" AND {column} IN ({sql})", list(query_params)
    condition, params = _in(column, list(pupil_ids))
    return f" AND {condition}", params


def _weekly_counts(
    *,
    school_ids: Collection[int],
    start: date,
    end: date,
    pupil_ids: PupilIds,
    sign: int = 1,
    week: bool = True,
) -> tuple[str, list[Any]]:
    """The period's marks counted per pupil, school and week, as a SELECT of m_pupil,
    m_school, m_week (unless `week=False`), attended, authorised and unauthorised (times
    `sign`, -1 for a part of a term taken away from its totals): the pupil weeks for the weeks
    wholly in the period, and the period's own marks for a week it has only part of (its first
    and last). A part week is read from the pupil weeks too when none of the week's marks at
    these schools fall outside the period (a term ending on a Friday, a weekend without
    marks): a statement-level condition decides, once, where the one scan of the pupil weeks
    (the covering index `pupil_week_figures_idx`) starts and stops, and whether the part week's
    marks are read at all."""
    q = connection.ops.quote_name
    weeks_table, marks_table = q(PupilWeek._meta.db_table), q(Mark._meta.db_table)
    seven = timedelta(days=7)
    first_monday = start - timedelta(days=start.weekday())
    last_monday = end - timedelta(days=end.weekday())
    schools, school_params = _in("school_id", list(school_ids))
    week_schools, _ = _in("w.school_id", list(school_ids))

    def outside(first: date, last: date) -> tuple[str, list[Any]]:
        """Whether any of these pupils' marks at these schools fall on `first` to `last`."""
        pupils, pupil_params = _pupils_in("pupil_id", pupil_ids)
        return (
            f"EXISTS (SELECT 1 FROM {marks_table} WHERE {schools} AND date >= %s "
            f"AND date <= %s{pupils})",
            [*school_params, first, last, *pupil_params],
        )

    # The part weeks: (Monday, the period's first day in that week, its last, whether any of
    # the week's marks lie outside the period).
    part_weeks = []
    if first_monday == last_monday:
        if start != first_monday or end != last_monday + timedelta(days=6):
            before_sql, before_params = outside(first_monday, start - ONE_DAY)
            after_sql, after_params = outside(end + ONE_DAY, last_monday + 6 * ONE_DAY)
            part_weeks.append(
                (
                    first_monday,
                    start,
                    end,
                    f"({before_sql} OR {after_sql})",
                    before_params + after_params,
                )
            )
    else:
        if start != first_monday:
            part_weeks.append(
                (
                    first_monday,
                    start,
                    first_monday + 6 * ONE_DAY,
                    *outside(first_monday, start - ONE_DAY),
                )
            )
        if end != last_monday + 6 * ONE_DAY:
            part_weeks.append(
                (last_monday, last_monday, end, *outside(end + ONE_DAY, last_monday + 6 * ONE_DAY))
            )
    lower: tuple[str, list[Any]] = ("%s", [first_monday])
    upper: tuple[str, list[Any]] = ("%s", [last_monday])
    for monday, _first, _last, cut_sql, cut_params in part_weeks:
        if monday == first_monday:
            lower = (
                f"CASE WHEN {cut_sql} THEN %s ELSE %s END",
                [*cut_params, monday + seven, monday],
            )
        if monday == last_monday:
            upper = (
                f"CASE WHEN {cut_sql} THEN %s ELSE %s END",
                [*cut_params, monday - seven, monday],
            )

    negate = "-" if sign < 0 else ""
    week_column = ", w.week_start AS m_week" if week else ""
    # Integers, as the part weeks' counts and the term totals are: a UNION ALL whose parts'
    # types differ (a pupil week's are smallints) is not flattened by PostgreSQL, which then
    # copies every pupil week through a subquery scan on its way to the counts.
    counts = ", ".join(f"{negate}{_integer(f'w.{q(column)}')} AS {q(column)}" for column in COUNTED)
    if not week:
        counts += f", {negate}{_integer(_ALL_MARKS.format(t='w'))} AS m_marks"
    pupils, pupil_params = _pupils_in("w.pupil_id", pupil_ids)
    parts: list[tuple[str, list[Any]]] = [
        (
            f"SELECT w.pupil_id AS m_pupil, w.school_id AS m_school{week_column}, {counts} "
            f"FROM {weeks_table} w WHERE {week_schools}{pupils} "
            f"AND w.week_start >= {lower[0]} AND w.week_start <= {upper[0]}",
            [*school_params, *pupil_params, *lower[1], *upper[1]],
        )
    ]
    counted = _counted_by_what_codes_count_as(sign=sign)
    if not week:
        counted.append((f"{negate}{_integer('COUNT(*)')} AS m_marks", []))
    for monday, first, last, cut_sql, cut_params in part_weeks:
        marks_sql, marks_params = _period_marks(
            school_ids=school_ids, start=first, end=last, pupil_ids=pupil_ids
        )
        parts.append(
            (
                f"SELECT m.m_pupil, m.m_school{', %s AS m_week' if week else ''}, "
                f"{', '.join(sql for sql, _ in counted)} FROM ({marks_sql}) m "
                f"WHERE {cut_sql} GROUP BY m.m_pupil, m.m_school",
                [
                    *([monday] if week else []),
                    *(value for _, values in counted for value in values),
                    *marks_params,
                    *cut_params,
                ],
            )
        )
    return (
        " UNION ALL ".join(sql for sql, _ in parts),
        [value for _, values in parts for value in values],
    )


@dataclass(frozen=True)
class _TermDates:
    id: int
    school_id: int
    start: date
    end: date


def _terms_of(
    *, school_ids: Collection[int], start: date, end: date, terms: Iterable[Term]
) -> list[_TermDates]:
    """Those of `terms` at the schools that share a day with the period."""
    ids = set(school_ids)
    return [
        _TermDates(term.pk, term.school_id, term.start, term.end)
        for term in terms
        if term.school_id in ids and term.start <= end and term.end >= start
    ]


def _term_counts(
    *,
    school_ids: Collection[int],
    start: date,
    end: date,
    pupil_ids: PupilIds,
    terms: list[_TermDates],
) -> tuple[str, list[Any], bool]:
    """The period's marks counted per pupil and school, as a SELECT of m_pupil, m_school,
    attended, authorised and unauthorised (one or more rows per enrolment, to be added up): the
    term totals of the schools' terms the period covers, less what those terms have outside it,
    and the rest of the period (days in no such term), each of those parts from the pupil
    weeks and, where it cuts a week, the marks (`_weekly_counts`).

    Which terms: for each school, its terms sharing a day with the period, in date order, except
    one overlapping a term already taken (its days are counted once, as the rest) and one whose
    days outside the period that can have marks (up to today) are as many as its days inside
    (the period's part is then cheaper to count from the weeks than the term's other part). A
    term in progress is taken: its days to come have no marks yet.
    """
    q = connection.ops.quote_name
    today = timezone.localdate()
    by_school: dict[int, list[_TermDates]] = defaultdict(list)
    for term in sorted(terms, key=lambda term: (term.start, term.id)):
        by_school[term.school_id].append(term)
    taken: list[int] = []
    by_term_school = {term.id: term.school_id for term in terms}
    rest: dict[tuple[date, date, int], list[int]] = defaultdict(list)  # (first, last, sign)
    for school_id in school_ids:
        cursor = start  # the period's first day not yet counted
        last_taken: date | None = None  # the last day of the last term taken
        for term in by_school.get(school_id, []):
            if last_taken is not None and term.start <= last_taken:
                continue  # it overlaps a term taken: its days are counted once, as the rest
            inside = (min(term.end, end) - max(term.start, start)).days + 1
            outside = _days(term.start, min(start - ONE_DAY, today)) + _days(
                end + ONE_DAY, min(term.end, today)
            )
            if outside >= inside:
                continue
            taken.append(term.id)
            if term.start > cursor:
                rest[(cursor, term.start - ONE_DAY, 1)].append(school_id)
            if term.start < start:
                rest[(term.start, start - ONE_DAY, -1)].append(school_id)
            if term.end > end:
                rest[(end + ONE_DAY, term.end, -1)].append(school_id)
            cursor, last_taken = term.end + ONE_DAY, term.end
        if cursor <= end:
            rest[(cursor, end, 1)].append(school_id)
    parts: list[tuple[str, list[Any]]] = []
    if taken:
        counts = ", ".join(f"t.{q(column)}" for column in COUNTED)
        counts += f", {_ALL_MARKS.format(t='t')} AS m_marks"
        in_terms, term_params = _in("t.term_id", taken)
        pupils, pupil_params = _pupils_in("t.pupil_id", pupil_ids)
        parts.append(
            (
                f"SELECT t.pupil_id AS m_pupil, t.school_id AS m_school, {counts} "
                f"FROM {q(PupilTerm._meta.db_table)} t WHERE {in_terms}{pupils}",
                [*term_params, *pupil_params],
            )
        )
    for (first, last, sign), schools in rest.items():
        parts.append(
            _weekly_counts(
                school_ids=schools,
                start=first,
                end=last,
                pupil_ids=pupil_ids,
                sign=sign,
                week=False,
            )
        )
    if not parts:  # no school: no rows, in the same columns
        return (
            *_weekly_counts(school_ids=[], start=start, end=end, pupil_ids=None, week=False),
            True,
        )
    # One total per pupil, school and term, one term at each school, nothing else: one row per
    # enrolment already.
    one_row_each = not rest and len(taken) == len(set(by_term_school[term] for term in taken))
    return (
        " UNION ALL ".join(sql for sql, _ in parts),
        [value for _, values in parts for value in values],
        one_row_each,
    )


def _whole_term_totals(
    *,
    school_ids: Collection[int],
    start: date,
    end: date,
    pupil_ids: PupilIds,
    terms: list[_TermDates],
) -> tuple[str, list[Any]]:
    """The totals of the terms lying wholly in the period, as a SELECT of m_pupil, m_school,
    m_term, attended, authorised and unauthorised: one row per pupil and term."""
    q = connection.ops.quote_name
    ids = [term.id for term in terms if start <= term.start and term.end <= end] or [0]
    in_terms, term_params = _in("t.term_id", ids)
    pupils, pupil_params = _pupils_in("t.pupil_id", pupil_ids)
    counts = ", ".join(f"t.{q(column)}" for column in COUNTED)
    return (
        f"SELECT t.pupil_id AS m_pupil, t.school_id AS m_school, t.term_id AS m_term, {counts} "
        f"FROM {q(PupilTerm._meta.db_table)} t WHERE {in_terms}{pupils}",
        [*term_params, *pupil_params],
    )


def _days(first: date, last: date) -> int:
    return max(0, (last - first).days + 1)


def _keying(
    by: str, *, school_ids: Collection[int], start: date, end: date, weekly: bool
) -> tuple[str | None, str, str, list[Any]]:
    """For a grouping: the key's SQL over the marks `m` (None: one key for all), the joins it
    needs, and a common table expression they read, with its parameters.

    Joins rather than a subquery per mark: the term and the class of a mark are looked up in a
    join, which PostgreSQL hashes once instead of running a subquery for each of 100,000s of
    marks (ten times faster). A date in two overlapping terms belongs to the earliest (then the
    first made), a day in two classes to the latest joined (then the last made): the second
    join finds a term or class that comes first, and a mark is kept only with the one that none
    comes before, so each mark has one key, never two. A week is the Monday of the mark's date
    (or the pupil week's).
    """
    q = connection.ops.quote_name
    ids = ", ".join(["%s"] * len(school_ids))
    if by == "school":
        return "m.m_school", "", "", []
    if by == WHOLE_TERM:
        return "m.m_term", "", "", []
    if by == "pupil":
        return "m.m_pupil", "", "", []
    if by == "year_group":
        pupils = q(Pupil._meta.db_table)
        return "p.year_group", f" JOIN {pupils} p ON p.id = m.m_pupil", "", []
    if by == "week":
        if weekly:
            return "m.m_week", "", "", []
        return week_start_sql(connection.vendor, "m.m_date"), "", "", []
    if by == "term":
        terms = q(Term._meta.db_table)
        cte = (
            f"periods AS (SELECT id, school_id, start, {q('end')} AS finish FROM {terms} "
            f"WHERE school_id IN ({ids}) AND start <= %s AND {q('end')} >= %s)"
        )
        join = (
            " LEFT JOIN periods t ON t.school_id = m.m_school"
            " AND t.start <= m.m_date AND t.finish >= m.m_date"
            " LEFT JOIN periods e ON e.school_id = t.school_id"
            " AND e.start <= m.m_date AND e.finish >= m.m_date"
            " AND (e.start < t.start OR (e.start = t.start AND e.id < t.id))"
            " WHERE e.id IS NULL"
        )
        return "t.id", join, cte, [*school_ids, end, start]
    if by == "group":
        memberships = q(GroupMembership._meta.db_table)
        groups = q(RegistrationGroup._meta.db_table)
        cte = (
            f"classes AS (SELECT gm.id, gm.pupil_id, gm.group_id, gm.start_date, gm.end_date, "
            f"g.school_id FROM {memberships} gm JOIN {groups} g ON g.id = gm.group_id "
            f"WHERE g.school_id IN ({ids}) AND gm.start_date <= %s "
            f"AND (gm.end_date IS NULL OR gm.end_date >= %s))"
        )
        join = (
            " LEFT JOIN classes c ON c.pupil_id = m.m_pupil AND c.school_id = m.m_school"
            " AND c.start_date <= m.m_date AND (c.end_date IS NULL OR c.end_date >= m.m_date)"
            " LEFT JOIN classes e ON e.pupil_id = c.pupil_id"
            " AND e.school_id = c.school_id AND e.start_date <= m.m_date"
            " AND (e.end_date IS NULL OR e.end_date >= m.m_date)"
            " AND (e.start_date > c.start_date OR (e.start_date = c.start_date AND e.id > c.id))"
            " WHERE e.id IS NULL"
        )
        return "c.group_id", join, cte, [*school_ids, end, start]
    if by == "cohort":
        pupils = q(Pupil._meta.db_table)
        return None, f" JOIN {pupils} p ON p.id = m.m_pupil", "", []
    return None, "", "", []  # "all"


def _counted_by_what_codes_count_as(*, sign: int = 1) -> list[tuple[str, list[Any]]]:
    """The marks `m` counted as attended, authorised and unauthorised (their sum: possible),
    as SQL columns with their parameters, integers (times `sign`). What each code counts as
    comes from the catalogue (registers/codes.py), written into the statement as lists of
    codes: no join to the code table for each mark."""
    q = connection.ops.quote_name
    catalogue = code_catalogue()
    counted = []
    for column, counts_as in (
        ("attended", CountsAs.ATTENDANCE),
        ("authorised", CountsAs.AUTHORISED),
        ("unauthorised", CountsAs.UNAUTHORISED),
    ):
        condition, condition_params = _in(
            "m.m_code", [code for code, entry in catalogue.items() if entry.counts_as == counts_as]
        )
        counted.append(
            (
                f"{'-' if sign < 0 else ''}{_integer(_count_where(condition))} AS {q(column)}",
                condition_params,
            )
        )
    return counted


def _integer(sql: str) -> str:
    """An aggregate as an integer: PostgreSQL's COUNT and SUM of integers are bigints, and the
    SUM of bigints is numeric, arithmetic several times slower than an integer's."""
    return f"CAST({sql} AS integer)"


def _run(
    *,
    school_ids: Collection[int],
    start: date,
    end: date,
    by: str,
    pupil_ids: PupilIds = None,
    codes: bool = True,
    populations: tuple[str, ...] = (EVERY_PUPIL,),
    code_pupils: bool = False,
    terms: Iterable[Term] | None = None,
    year_groups: bool = False,
) -> dict[Any, dict[str, Figures]]:
    """Each key's figures of each population asked for (EVERY_PUPIL, DFE), in one statement;
    `code_pupils` also counts the enrolments that had each code. Without counts per code, from
    the pupil weeks, with marks only where the period cuts a week; and for keys that hold for a
    term, given `terms` (the schools' terms the caller has loaded, any of them), from the
    totals of those terms the period covers (`_term_counts`)."""
    q = connection.ops.quote_name
    school_ids = list(school_ids)
    if not school_ids or start > end:
        return {}
    weekly = not codes and by in (*WEEKLY_KEYS, WHOLE_TERM)
    by_term = weekly and by in (*TERM_KEYS, WHOLE_TERM) and terms is not None
    the_terms = (
        _terms_of(school_ids=school_ids, start=start, end=end, terms=terms)
        if by_term and terms is not None
        else []
    )

    def source(**arguments: Any) -> tuple[str, list[Any], bool]:
        """The rows to count, and whether they are already one per key and enrolment (a
        pupil week by week; a term's total, when each school has one term in the period and
        nothing else), so that they need no adding up per enrolment."""
        if by == WHOLE_TERM:
            return (*_whole_term_totals(**arguments, terms=the_terms), True)
        if by_term:
            return _term_counts(**arguments, terms=the_terms)
        if weekly:
            return (*_weekly_counts(**arguments), by == "week")
        return (*_period_marks(**arguments), False)

    # Every pupil's figures read the period whole; the population's, in school years, each
    # part numbered when there are several.
    by_population = populations != (EVERY_PUPIL,)
    spans = school_year_spans(start, end) if by_population else []
    several = len(spans) > 1
    parts = [(span.first, span.last) for span in spans] or [(start, end)]
    read = [
        source(school_ids=school_ids, start=first, end=last, pupil_ids=pupil_ids)
        for first, last in parts
    ]
    one_row_each = all(each for _, _, each in read)
    sources = [(sql, params) for sql, params, _ in read]
    if several:
        sources = [
            (f"SELECT s.*, {number} AS m_part FROM ({sql}) s", params)
            for number, (sql, params) in enumerate(sources)
        ]
    source_sql = " UNION ALL ".join(sql for sql, _ in sources)
    source_params = [value for _, values in sources for value in values]
    counted: list[tuple[str, list[Any]]]
    if weekly and one_row_each:
        counted = [(f"m.{q(column)} AS {q(column)}", []) for column in COUNTED]
        code_columns: dict[str, str] = {}
    elif weekly:
        counted = [(f"{_integer(f'SUM(m.{q(column)})')} AS {q(column)}", []) for column in COUNTED]
        code_columns = {}
    else:
        counted = _counted_by_what_codes_count_as()
        catalogue = code_catalogue()
        code_columns = {f"c{index}": code for index, code in enumerate(catalogue)} if codes else {}
        for column, code in code_columns.items():
            counted.append((f"{_integer(_count_where('m.m_code = %s'))} AS {q(column)}", [code]))
    columns = [*COUNTED, *code_columns]

    key, joins, cte, cte_params = _keying(
        by, school_ids=school_ids, start=start, end=end, weekly=weekly
    )
    flags = [flag for _, flag in COHORTS if flag] if by == "cohort" else []
    year_groups = year_groups and by == "cohort"
    if year_groups:
        flags.append("year_group")  # a column of the cohorts' rows, to group them by too
    flag_columns = [q("f_" + flag) for flag in flags]
    selected = [
        f"{key or '0'} AS k",
        "m.m_pupil AS pupil_id",
        "m.m_school AS school_id",
        *(["m.m_part AS part"] if several else []),
        *(f"p.{q(flag)} AS {column}" for flag, column in zip(flags, flag_columns, strict=True)),
    ]
    grouped = [
        *([key] if key else []),
        "m.m_pupil",
        "m.m_school",
        *(["m.m_part"] if several else []),
        *(f"p.{q(f)}" for f in flags),
    ]
    # The pupil's date of birth, for the population of one school year, read in the same join
    # as the key's (a cohort, a year group) or, for rows already one per enrolment, a join of
    # its own here: the pupils are joined once.
    pupils = q(Pupil._meta.db_table)
    born_here = by_population and not several and (by in ("cohort", "year_group") or one_row_each)
    if born_here:
        if by not in ("cohort", "year_group"):
            joins += f" JOIN {pupils} p ON p.id = m.m_pupil"
        selected.append("p.date_of_birth AS born")
        grouped.append("p.date_of_birth")
    counts = (
        f"SELECT {', '.join(selected)}, {', '.join(sql for sql, _ in counted)} "
        f"FROM ({source_sql}) m{joins}"
    )
    if not one_row_each:
        counts += f" GROUP BY {', '.join(grouped)}"
        if by_term:  # an enrolment whose marks in its terms all lie outside the period
            counts += " HAVING SUM(m.m_marks) > 0"
    # In the order of the statement: the common table expression, the counts, the marks.
    params = [*cte_params, *(value for _, values in counted for value in values), *source_params]
    if by_population:
        # Each enrolment's counts (one row per part when there are several) joined to the
        # pupil's date of birth: the population's are those of the parts in which the pupil
        # was of its age. Several parts are added up again into one row per enrolment.
        born = "pp.born" if born_here else "d.date_of_birth"
        of_age = " OR ".join(
            ("(pp.part = %s AND " if several else "(") + f"{born} BETWEEN %s AND %s)"
            for _span in spans
        )
        for number, span in enumerate(spans):
            params += [
                *([number] if several else []),
                *born_aged_on_31_august(school_year=span.school_year),
            ]
        kept = ["k", "pupil_id", "school_id", *flag_columns]
        dfe = [f"CASE WHEN in_dfe THEN {q(column)} ELSE 0 END" for column in columns]
        if several:
            values = [
                f"SUM({q(column)}) AS {q(column)}, SUM({only}) AS {q(DFE + column)}"
                for column, only in zip(columns, dfe, strict=True)
            ]
            per_enrolment = (
                f"per_part AS ({counts}), per_enrolment AS (SELECT {', '.join(kept)}, "
                f"{', '.join(values)} FROM (SELECT pp.*, ({of_age}) "
                f"AS in_dfe FROM per_part pp JOIN {pupils} d ON d.id = pp.pupil_id) pp "
                f"GROUP BY {', '.join(kept)})"
            )
        else:
            # One part: each enrolment's row marked as the population's or not, which its
            # figures then filter on (no second set of columns to add up). A condition, not a
            # number compared in each filter: the filters evaluate it for every enrolment.
            join = "" if born_here else f" JOIN {pupils} d ON d.id = pp.pupil_id"
            per_enrolment = (
                f"per_part AS ({counts}), per_enrolment AS (SELECT pp.*, ({of_age}) "
                f"AS in_dfe FROM per_part pp{join})"
            )
    else:
        per_enrolment = f"per_enrolment AS ({counts})"
    if by == "cohort":
        # With `year_groups`, each enrolment's row once more under the key YEAR_GROUP_ROWS and its
        # year group: the year groups' figures from the same rows, in the same statement.
        year_group = ", NULL AS year_group" if year_groups else ""
        parts_sql = []
        for name, flag in COHORTS:
            where = f" WHERE {q('f_' + flag)}" if flag else ""
            parts_sql.append(
                f"SELECT %s AS {q('key')}{year_group}, per_enrolment.* FROM per_enrolment{where}"
            )
            params.append(name)
        if year_groups:
            parts_sql.append(
                f"SELECT %s AS {q('key')}, {q('f_year_group')} AS year_group, per_enrolment.* "
                "FROM per_enrolment"
            )
            params.append(YEAR_GROUP_ROWS)
        rows_sql = f"({' UNION ALL '.join(parts_sql)}) keyed"
        key_column = f"{q('key')}, year_group" if year_groups else q("key")
    else:
        rows_sql, key_column = "per_enrolment", "k"
    # The population's figures: its own columns added up over several parts, else every
    # pupil's columns of the rows marked as its.
    aggregates = [
        aggregate
        for population in populations
        for aggregate in (
            _aggregates(EVERY_PUPIL, columns, code_pupils=code_pupils, only="in_dfe")
            if population == DFE and not several
            else _aggregates(population, columns, code_pupils=code_pupils)
        )
    ]
    sql = (
        f"WITH {cte + ', ' if cte else ''}{per_enrolment} "
        f"SELECT {key_column}, {', '.join(aggregates)} FROM {rows_sql} GROUP BY {key_column}"
    )
    with connection_for_reading(Mark).cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(_aggregates(EVERY_PUPIL, columns, code_pupils=code_pupils))
    first = 2 if year_groups else 1  # the key's columns
    return {
        (row[0], row[1]) if year_groups else row[0]: {
            population: _figures(
                row[first + n * width : first + (n + 1) * width],
                code_columns,
                code_pupils=code_pupils,
            )
            for n, population in enumerate(populations)
        }
        for row in rows
    }


def _aggregates(
    population: str, columns: list[str], *, code_pupils: bool, only: str = ""
) -> list[str]:
    """One population's figures over the per-enrolment rows: enrolments with a possible
    session, the sessions attended, authorised and unauthorised, the enrolments at or over 10 %
    and 50 % absence, each code's sessions, and with `code_pupils` the enrolments that had each
    code; of the rows meeting `only` if given."""
    q = connection.ops.quote_name
    attended, authorised, unauthorised = (q(population + column) for column in COUNTED)
    possible = f"({attended} + {authorised} + {unauthorised})"
    absent = f"({authorised} + {unauthorised})"
    has_possible = f"{only + ' AND ' if only else ''}{possible} > 0"

    def total(column: str) -> str:
        if not only:
            return f"SUM({column})"
        if connection.features.supports_aggregate_filter_clause:
            return f"SUM({column}) FILTER (WHERE {only})"
        return f"SUM(CASE WHEN {only} THEN {column} ELSE 0 END)"

    # COUNT(*) FILTER where the database has it: no CASE evaluated for every enrolment.
    return [
        _count_where(has_possible),
        total(attended),
        total(authorised),
        total(unauthorised),
        _count_where(f"{has_possible} AND {_at_least(absent, possible, PERSISTENT_ABSENCE_PCT)}"),
        _count_where(f"{has_possible} AND {_at_least(absent, possible, SEVERE_ABSENCE_PCT)}"),
        *(total(q(population + column)) for column in columns[len(COUNTED) :]),
        *(
            _count_where(f"{only + ' AND ' if only else ''}{q(population + column)} > 0")
            for column in (columns[len(COUNTED) :] if code_pupils else [])
        ),
    ]


def _at_least(part: str, whole: str, pct: int) -> str:
    """`part` is at least `pct` % of `whole`, in integers, the fraction reduced (10 %:
    part * 10 >= whole): each enrolment's row evaluates it, so the fewer operations the better."""
    divisor = gcd(100, pct)
    times_part, times_whole = 100 // divisor, pct // divisor
    return (
        f"{part}{f' * {times_part}' if times_part != 1 else ''} >= "
        f"{whole}{f' * {times_whole}' if times_whole != 1 else ''}"
    )


def _figures(values: Sequence[Any], code_columns: dict[str, str], *, code_pupils: bool) -> Figures:
    """A population's figures from its `_aggregates` columns."""
    pupils, attended, authorised, unauthorised, persistent, severe = values[:6]
    attended, authorised, unauthorised = (
        int(attended or 0),
        int(authorised or 0),
        int(unauthorised or 0),
    )
    code_sums = values[6 : 6 + len(code_columns)]
    by_code = Counter(
        {
            code: int(count)
            for code, count in zip(code_columns.values(), code_sums, strict=True)
            if count
        }
    )
    pupils_by_code = Counter(
        {
            code: int(count)
            for code, count in zip(
                code_columns.values(), values[6 + len(code_columns) :], strict=False
            )
            if count
        }
        if code_pupils
        else {}
    )
    return Figures(
        pupils=int(pupils),
        possible=attended + authorised + unauthorised,
        attended=attended,
        authorised=authorised,
        unauthorised=unauthorised,
        by_code=by_code,
        pupils_by_code=pupils_by_code,
        persistent=int(persistent),
        severe=int(severe),
    )


def figures_for(
    *,
    school_ids: Collection[int],
    start: date,
    end: date,
    pupil_ids: PupilIds = None,
    codes: bool = True,
    code_pupils: bool = False,
    dfe_population: bool = False,
    terms: Iterable[Term] | None = None,
) -> Figures:
    """The figures of the schools (a school, a federation), or of some of their pupils, for the
    dates `start` to `end` inclusive (a week, half term, term, year or any dates).
    `codes=False` leaves `by_code` empty, for a page that shows no code (a third faster);
    `code_pupils=True` also counts the enrolments that had each code (`pupils_by_code`).
    `dfe_population=True` counts only the national figures' population (pupils aged 5 to 15
    on 31 August before the school year), for a figure set beside the national ones.
    `terms` (any of the schools' terms the caller has loaded): with `codes=False`, the terms
    the period covers are read from their totals (the same figures, fewer rows read)."""
    population = DFE if dfe_population else EVERY_PUPIL
    rows = _run(
        school_ids=school_ids,
        start=start,
        end=end,
        by="all",
        pupil_ids=pupil_ids,
        codes=codes,
        code_pupils=code_pupils,
        populations=(population,),
        terms=terms,
    )
    return next((each[population] for each in rows.values()), EMPTY)


def figures_by(
    *,
    school_ids: Collection[int],
    start: date,
    end: date,
    by: By,
    pupil_ids: PupilIds = None,
    codes: bool = True,
    dfe_population: bool = False,
    terms: Iterable[Term] | None = None,
) -> dict[Any, Figures]:
    """The figures of the schools for `start` to `end`, one entry per key:

    - "school": school id; "group": class id (the class on the mark's day; None = no class);
      "year_group": the pupil's year group; "pupil": pupil id;
    - "week": the Monday of each week (Monday to Sunday) with marks;
    - "cohort": every name of COHORT_NAMES, including those with no pupils (as zeros);
    - "term": the id of the school's term containing the mark's day.
    Keys with no marks are absent, except cohorts. `pupil_ids` (ids or a queryset of ids)
    limits the figures to those pupils; `codes=False` leaves every `by_code` empty;
    `dfe_population=True` counts only the national figures' population (its keys are still
    those of every pupil's marks, with zeros where none of its pupils has one, so that a
    trend's weeks are numbered alike for both). `terms` (any of the schools' terms the caller
    has loaded): with `codes=False` and a key that holds all term (not "week", "group" or
    "term"), the terms the period covers are read from their totals (the same figures).
    """
    population = DFE if dfe_population else EVERY_PUPIL
    rows = _keyed(
        by,
        _run(
            school_ids=school_ids,
            start=start,
            end=end,
            by=_checked(by),
            pupil_ids=pupil_ids,
            codes=codes,
            populations=(population,),
            terms=terms,
        ),
    )
    return {key: each.get(population, EMPTY) for key, each in rows.items()}


def figures_of_terms(
    *, terms: Sequence[Term], pupil_ids: PupilIds = None, dfe_population: bool = False
) -> dict[int, Figures]:
    """Each term's figures (by term id), its first day to its last, as `figures_for` with
    `codes=False` would give them one by one, from the terms' totals in one statement.
    `dfe_population=True` counts only the national figures' population of each term's school
    year."""
    if not terms:
        return {}
    population = DFE if dfe_population else EVERY_PUPIL
    rows = _run(
        school_ids={term.school_id for term in terms},
        start=min(term.start for term in terms),
        end=max(term.end for term in terms),
        by=WHOLE_TERM,
        pupil_ids=pupil_ids,
        codes=False,
        populations=(population,),
        terms=terms,
    )
    return {term.pk: rows.get(term.pk, {}).get(population, EMPTY) for term in terms}


def figures_by_population(
    *,
    school_ids: Collection[int],
    start: date,
    end: date,
    by: By,
    pupil_ids: Collection[int] | None = None,
    terms: Iterable[Term] | None = None,
) -> dict[Any, PopulationFigures]:
    """`figures_by` (with `codes=False`) of every pupil and of the national figures'
    population side by side, from one statement: for a page that sets the school's figures
    beside the national ones and keeps its own beside them. `terms` as for `figures_by`."""
    rows = _keyed(
        by,
        _run(
            school_ids=school_ids,
            start=start,
            end=end,
            by=_checked(by),
            pupil_ids=pupil_ids,
            codes=False,
            populations=(EVERY_PUPIL, DFE),
            terms=terms,
        ),
    )
    return {
        key: PopulationFigures(every_pupil=each.get(EVERY_PUPIL, EMPTY), dfe=each.get(DFE, EMPTY))
        for key, each in rows.items()
    }


def figures_by_cohort_and_year_group(
    *,
    school_ids: Collection[int],
    start: date,
    end: date,
    terms: Iterable[Term] | None = None,
) -> tuple[dict[str, PopulationFigures], dict[str | None, Figures]]:
    """`figures_by_population(by="cohort")` and `figures_by(by="year_group", codes=False)`
    (every pupil's) from one statement: the same enrolments' rows, read and joined to their
    pupils once rather than twice (the governors' dashboard shows both)."""
    rows = _run(
        school_ids=school_ids,
        start=start,
        end=end,
        by="cohort",
        codes=False,
        populations=(EVERY_PUPIL, DFE),
        terms=terms,
        year_groups=True,
    )
    cohorts = {
        name: PopulationFigures(
            every_pupil=rows.get((name, None), {}).get(EVERY_PUPIL, EMPTY),
            dfe=rows.get((name, None), {}).get(DFE, EMPTY),
        )
        for name in COHORT_NAMES
    }
    year_groups = {
        year_group: each.get(EVERY_PUPIL, EMPTY)
        for (key, year_group), each in rows.items()
        if key == YEAR_GROUP_ROWS
    }
    return cohorts, year_groups


def _checked(by: str) -> str:
    if by not in BY_KEYS:
        raise ValueError(f"Figures cannot be grouped by {by!r}.")
    return by


def _keyed(by: str, rows: dict[Any, dict[str, Figures]]) -> dict[Any, dict[str, Figures]]:
    """Every cohort (those without pupils as zeros); weeks as dates, which SQLite returns as
    text through a raw cursor."""
    if by == "cohort":
        return {name: rows.get(name, {}) for name in COHORT_NAMES}
    if by == "week":
        return {
            (date.fromisoformat(key) if isinstance(key, str) else key): figures
            for key, figures in rows.items()
        }
    return rows
