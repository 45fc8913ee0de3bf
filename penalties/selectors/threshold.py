"""The national threshold for considering a penalty notice, computed in the database.

The national framework (from 19 August 2024): 10 sessions of unauthorised absence (`G`, `N`,
`O`, `U`) within a rolling period of 10 school weeks. A school week is a week in which the school
has at least one session; holiday weeks neither count nor break the period, which may span terms
and school years. The law applies only to pupils of compulsory school age (Education Act 1996,
s.8; `registers.lib.school_age`), so a session on which the pupil was not of that age does not
count: a reception pupil comes under the threshold from their prescribed day.

Two steps, so that the whole trust's 10 million marks are never read:
1. Candidates, from the pupil weeks the database triggers keep: each pupil's unauthorised
   sessions per school week, summed over every 10 consecutive school weeks (a window over the
   school-week number). A pupil who reaches 10 there may meet the threshold; one who does not,
   cannot, since every rule below only takes sessions away (a later session in the week of the
   as-of date, a session outside compulsory school age, one already used for a penalty notice,
   one dealt with in a closed case).
2. For the candidates only, their unauthorised marks with those rules applied, and the same
   window again: the earliest 10 school weeks that reach 10 sessions, and those sessions as the
   evidence.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Max, Min

from penalties.models import ThresholdCase
from registers.codes import CountsAs, codes_counting_as
from registers.lib.school_age import compulsory_school_age_end, compulsory_school_age_start
from registers.models import School, SchoolDay

THRESHOLD_SESSIONS = 10
THRESHOLD_SCHOOL_WEEKS = 10


@dataclass(frozen=True)
class EvidenceMark:
    mark_id: int
    date: date
    session: str
    code: str


@dataclass(frozen=True)
class ThresholdResult:
    school_id: int
    pupil_id: int
    upn: str
    window_start: date
    window_end: date
    sessions: int
    marks: tuple[EvidenceMark, ...]


def _in(column: str, values: Iterable[Any]) -> tuple[str, list]:
    """`column IN values` as SQL and parameters: one array parameter on PostgreSQL."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _candidates(
    *, school_ids: list[int], as_of: date, recent_school_weeks: int | None
) -> dict[tuple[int, int], int]:
    """Step 1: (school, pupil) -> the first school week at which the pupil's weekly counts
    reach the threshold over 10 school weeks (an upper bound on the marks' own count)."""
    schools_sql, schools_params = _in("school_id", school_ids)
    weeks_sql, weeks_params = _in("pw.school_id", school_ids)
    recent = ""
    recent_params: list = []
    if recent_school_weeks is not None:
        recent = "AND r.week_number > c.current_week - %s"
        recent_params = [recent_school_weeks]
    sql = f"""
        WITH weeks AS (
            SELECT school_id, week_start, MIN(week_number) AS week_number
            FROM registers_schoolday
            WHERE {schools_sql} AND date <= %s
            GROUP BY school_id, week_start
        ),
        current_weeks AS (
            SELECT school_id, MAX(week_number) AS current_week FROM weeks GROUP BY school_id
        ),
        rolling AS (
            SELECT pw.school_id, pw.pupil_id, w.week_number,
                   SUM(pw.unauthorised) OVER (
                       PARTITION BY pw.school_id, pw.pupil_id ORDER BY w.week_number
                       RANGE BETWEEN %s PRECEDING AND CURRENT ROW
                   ) AS in_window
            FROM registers_pupilweek pw
            JOIN weeks w ON w.school_id = pw.school_id AND w.week_start = pw.week_start
            WHERE {weeks_sql} AND pw.unauthorised > 0 AND pw.week_start <= %s
        )
        SELECT r.school_id, r.pupil_id, MIN(r.week_number)
        FROM rolling r JOIN current_weeks c ON c.school_id = r.school_id
        WHERE r.in_window >= %s {recent}
        GROUP BY r.school_id, r.pupil_id"""
    as_of_param = connection.ops.adapt_datefield_value(as_of)
    params = [
        *schools_params,
        as_of_param,
        THRESHOLD_SCHOOL_WEEKS - 1,
        *weeks_params,
        as_of_param,
        THRESHOLD_SESSIONS,
        *recent_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(school_id, pupil_id): week for school_id, pupil_id, week in cursor.fetchall()}


class _Mark(NamedTuple):
    mark_id: int
    school_id: int
    pupil_id: int
    upn: str
    born: date
    day: date
    session: str
    code: str
    week: int


def _marks_in(spans: dict[tuple[int, int], tuple[date, date]]) -> list[_Mark]:
    """The unauthorised marks on school days of each (school, pupil) between the span's two
    days, leaving out marks already used for a penalty notice (evidence is used once), in
    order. One statement, however many pupils: the spans are a table joined to the marks."""
    keys = list(spans)
    if connection.vendor == "postgresql":
        spans_sql = (
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::date[]) "
            "AS s(school_id, pupil_id, first_day, last_day)"
        )
        spans_params: list = [
            [school_id for school_id, _ in keys],
            [pupil_id for _, pupil_id in keys],
            [spans[key][0] for key in keys],
            [spans[key][1] for key in keys],
        ]
    else:
        spans_sql = "VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(keys))
        spans_params = [
            value for key in keys for value in (*key, *(day.isoformat() for day in spans[key]))
        ]
    codes_sql, codes_params = _in("m.code", codes_counting_as(CountsAs.UNAUTHORISED))
    sql = f"""
        WITH spans(school_id, pupil_id, first_day, last_day) AS ({spans_sql})
        SELECT m.id, m.school_id, m.pupil_id, p.upn, p.date_of_birth, m.date, m.session,
               m.code, d.week_number
        FROM spans s
        JOIN registers_mark m
          ON m.pupil_id = s.pupil_id AND m.school_id = s.school_id
         AND m.date BETWEEN s.first_day AND s.last_day
        JOIN registers_schoolday d ON d.school_id = m.school_id AND d.date = m.date
        JOIN registers_pupil p ON p.id = m.pupil_id
        WHERE {codes_sql}
          AND NOT EXISTS (
              SELECT 1 FROM penalties_penaltynoticeevidence e WHERE e.mark_id = m.id
          )
        ORDER BY m.school_id, m.pupil_id, m.date, m.session"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*spans_params, *codes_params])
        rows = cursor.fetchall()
    return [
        _Mark(
            mark_id=row[0],
            school_id=row[1],
            pupil_id=row[2],
            upn=row[3],
            born=_as_date(row[4]),
            day=_as_date(row[5]),
            session=row[6],
            code=row[7],
            week=row[8],
        )
        for row in rows
    ]


def _as_date(value: date | str) -> date:
    # SQLite hands dates back as text from a raw query; PostgreSQL as dates.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _earliest_window(marks: list[_Mark], *, from_week: int) -> tuple[int, list[_Mark]] | None:
    """The first school week (at or after `from_week`) ending 10 school weeks that hold 10
    of these marks (in date order), with the marks of that window."""
    start = 0
    for end, mark in enumerate(marks):
        if end + 1 < len(marks) and marks[end + 1].week == mark.week:
            continue  # count a week once all its marks are in
        while marks[start].week <= mark.week - THRESHOLD_SCHOOL_WEEKS:
            start += 1
        if mark.week >= from_week and end + 1 - start >= THRESHOLD_SESSIONS:
            return mark.week, marks[start : end + 1]
    return None


def pupils_meeting_threshold(
    *,
    schools: Iterable[School],
    as_of: date,
    after_closed_cases: bool = False,
    recent_school_weeks: int | None = None,
) -> list[ThresholdResult]:
    """Every pupil with 10 or more unauthorised sessions, on which they were of compulsory
    school age, within any 10 of their school's school weeks ending on or before `as_of`, with
    the earliest such window and its sessions; ordered by school, then UPN.

    Marks that supported an issued penalty notice are never counted (evidence is used once).
    `after_closed_cases` also leaves out marks up to the end of a pupil's closed case's window
    (for opening cases). `recent_school_weeks` keeps only windows ending within that many
    school weeks up to `as_of` (the federation's limit on how old evidence may be).
    """
    school_ids = [school.pk for school in schools]
    if not school_ids:
        return []
    candidates = _candidates(
        school_ids=school_ids, as_of=as_of, recent_school_weeks=recent_school_weeks
    )
    if not candidates:
        return []
    weeks = {
        (row["school_id"], row["week_number"]): (row["first_day"], row["last_day"])
        for row in SchoolDay.objects.filter(school_id__in=school_ids, date__lte=as_of)
        .order_by()
        .values("school_id", "week_number")
        .annotate(first_day=Min("date"), last_day=Max("date"))
    }
    # A window must end at or after this school week: any week, or one of the latest
    # `recent_school_weeks` up to `as_of`.
    current_week: dict[int, int] = {}
    for school_id, week in weeks:
        current_week[school_id] = max(current_week.get(school_id, week), week)
    from_week = {
        school_id: current - recent_school_weeks + 1 if recent_school_weeks else 1
        for school_id, current in current_week.items()
    }
    dealt_with: dict[tuple[int, int], date] = {}
    if after_closed_cases:
        # A closed case has been dealt with: its sessions (and any before them) are not
        # counted again, or closing a case would reopen it the next night.
        for row in (
            ThresholdCase.objects.filter(
                school_id__in=school_ids,
                pupil_id__in={pupil_id for _, pupil_id in candidates},
                closed_at__isnull=False,
            )
            .values("school_id", "pupil_id")
            .annotate(last=Max("window_end"))
        ):
            dealt_with[(row["school_id"], row["pupil_id"])] = row["last"]

    def window(school_id: int, last_week: int) -> tuple[date, date]:
        first_week = max(1, last_week - (THRESHOLD_SCHOOL_WEEKS - 1))
        return weeks[(school_id, first_week)][0], weeks[(school_id, last_week)][1]

    def earliest(marks: list[_Mark]) -> ThresholdResult | None:
        school_id, pupil_id, born = marks[0].school_id, marks[0].pupil_id, marks[0].born
        counted_from = compulsory_school_age_start(born)
        counted_to = compulsory_school_age_end(born)
        dealt_with_to = dealt_with.get((school_id, pupil_id))
        found = _earliest_window(
            [
                mark
                for mark in marks
                if counted_from <= mark.day <= counted_to
                and (dealt_with_to is None or mark.day > dealt_with_to)
            ],
            from_week=from_week[school_id],
        )
        if found is None:
            return None
        last_week, evidence = found
        window_start, window_end = window(school_id, last_week)
        return ThresholdResult(
            school_id=school_id,
            pupil_id=pupil_id,
            upn=marks[0].upn,
            window_start=window_start,
            window_end=window_end,
            sessions=len(evidence),
            marks=tuple(
                EvidenceMark(mark.mark_id, mark.day, mark.session, mark.code) for mark in evidence
            ),
        )

    # The marks' own count cannot reach the threshold before the weekly counts do, so a pupil
    # who meets it in the window the weekly counts found meets it there first: read only those
    # windows, and the weeks after them only for pupils the rules took sessions from.
    first_reading = {key: window(key[0], week) for key, week in candidates.items()}
    results: dict[tuple[int, int], ThresholdResult] = {}
    for key, marks in groupby(
        _marks_in(first_reading), key=lambda mark: (mark.school_id, mark.pupil_id)
    ):
        if (found := earliest(list(marks))) is not None:
            results[key] = found
    second_reading = {
        key: (span[0], as_of) for key, span in first_reading.items() if key not in results
    }
    if second_reading:
        for key, marks in groupby(
            _marks_in(second_reading), key=lambda mark: (mark.school_id, mark.pupil_id)
        ):
            if (found := earliest(list(marks))) is not None:
                results[key] = found
    return sorted(results.values(), key=lambda result: (result.school_id, result.upn))
