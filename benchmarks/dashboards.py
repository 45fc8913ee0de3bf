"""How long the governors' termly dashboard and the federation overview take, at scale, against
statements written by hand for the same answers.

Run with `make bench` (or `python benchmarks/dashboards.py`). Not a test and asserts no times:
it prints figures for a person to compare before and after a change, with the machine they came
from. The issue's targets (#23): the dashboard and the overview each within 1.2x of their
hand-written references, and the overview under 50 ms, on the 50-school trust.

1. Set up the scale database (`common.scale_database`: `generate_trust --schools 50
   --pupils-per-school 500 --years 1 --seed 1`, built on the first run and reused).
2. With the clock at the afternoon of the year's last school day (the summer term then has its
   figures, and the terms before it), compute the first school's governors' dashboard
   (`governors_dashboard`) and the federation overview of this term (`federation_overview`),
   and the same figures by the references below; stop unless every row is the same (each
   term's rates, each cohort, each year group, each week of the trend; each school and the
   total, of both populations).
3. Time the application and its reference in turns (interleaved, after a warm-up): the
   selectors, which build and send their statements and shape the rows, against the
   references' statements sent on a cursor with their rows fetched; then the two pages through
   the whole stack (Django's test Client signed in as the school's governor and the
   federation admin: middleware, session, access checks, selectors, charts, templates).
4. Print the medians, 95th percentiles, ratios and each page's queries.

The references are SQL written for this benchmark, not the application's: they read the term
totals (`registers_pupilterm`) for whole terms and the pupil weeks for the trend, join the
pupils for the cohorts, year groups and dates of birth (the national figures' population: aged
5 to 15 on 31 August before the school year, its dates worked out here), and count enrolments
at 10 % and 50 % absence in integers. They know what this data is (the period is whole terms,
one term per school in the overview's, no mark outside a term's weeks), which the application
must not assume; the rows being equal shows it did not need to.
"""

import argparse
import statistics
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

import common

COHORT_FLAGS = (
    ("SEN support", "sen_support"),
    ("EHC plan", "ehc_plan"),
    ("FSM / pupil premium", "fsm"),
    ("Social worker", "social_worker"),
    ("Medical condition", "medical_condition"),
)


def aggregates(only: str = "") -> str:
    """An enrolment's rows `e` (attended a, authorised b, unauthorised u) summed: enrolments
    with a possible session, the three counts, those at 10 % and at 50 % absence or more;
    `only` a condition on the rows (the national figures' population)."""
    where = f"{only} AND " if only else ""
    sums = "" if not only else f" FILTER (WHERE {only})"
    possible, absent = "e.a + e.b + e.u", "(e.b + e.u)"
    return (
        f"COUNT(*) FILTER (WHERE {where}{possible} > 0), "
        f"SUM(e.a){sums}, SUM(e.b){sums}, SUM(e.u){sums}, "
        f"COUNT(*) FILTER (WHERE {where}{possible} > 0 AND {absent} * 10 >= {possible}), "
        f"COUNT(*) FILTER (WHERE {where}{possible} > 0 AND {absent} * 2 >= {possible})"
    )


# This term by cohort (each cohort a row of a VALUES list joined to each enrolment), of every
# pupil and of the national figures' population: one row per pupil in the term's totals.
COHORTS = f"""
SELECT c.cohort, {aggregates()}, {aggregates("e.dfe")}
FROM (
    SELECT t.attended AS a, t.authorised AS b, t.unauthorised AS u, p.sen_support, p.ehc_plan,
           p.fsm, p.social_worker, p.medical_condition,
           p.date_of_birth BETWEEN %(born_from)s AND %(born_to)s AS dfe
    FROM registers_pupilterm t JOIN registers_pupil p ON p.id = t.pupil_id
    WHERE t.term_id = %(term)s
) e
CROSS JOIN LATERAL (VALUES {", ".join(f"('{name}', e.{flag})" for name, flag in COHORT_FLAGS)},
                           ('All pupils', true)) c (cohort, member)
WHERE c.member
GROUP BY c.cohort
"""

# The terms before it, of the national figures' population.
EARLIER_TERMS = f"""
SELECT t.term_id, {aggregates()}
FROM (
    SELECT term_id, attended AS a, authorised AS b, unauthorised AS u
    FROM registers_pupilterm t JOIN registers_pupil p ON p.id = t.pupil_id
    WHERE t.term_id = ANY(%(terms)s) AND p.date_of_birth BETWEEN %(born_from)s AND %(born_to)s
) e (term_id, a, b, u)
JOIN registers_pupilterm t ON false
GROUP BY t.term_id
"""
EARLIER_TERMS = f"""
SELECT e.term_id, {aggregates()}
FROM (
    SELECT t.term_id, t.attended AS a, t.authorised AS b, t.unauthorised AS u
    FROM registers_pupilterm t JOIN registers_pupil p ON p.id = t.pupil_id
    WHERE t.term_id = ANY(%(terms)s) AND p.date_of_birth BETWEEN %(born_from)s AND %(born_to)s
) e
GROUP BY e.term_id
"""

# This term by year group, every pupil.
YEAR_GROUPS = f"""
SELECT e.year_group, {aggregates()}
FROM (
    SELECT p.year_group, t.attended AS a, t.authorised AS b, t.unauthorised AS u
    FROM registers_pupilterm t JOIN registers_pupil p ON p.id = t.pupil_id
    WHERE t.term_id = %(term)s
) e
GROUP BY e.year_group
"""

# The trend: each week of the previous term and this one, of the national figures' population
# (every week with a mark of any pupil, zeros where none of the population's).
WEEKS = f"""
SELECT e.week_start, {aggregates("e.dfe")}
FROM (
    SELECT w.week_start, w.attended AS a, w.authorised AS b, w.unauthorised AS u,
           p.date_of_birth BETWEEN %(born_from)s AND %(born_to)s AS dfe
    FROM registers_pupilweek w JOIN registers_pupil p ON p.id = w.pupil_id
    WHERE w.school_id = %(school)s AND w.week_start BETWEEN %(first_monday)s AND %(last_monday)s
) e
GROUP BY e.week_start
"""

# The overview: every school's enrolments in the period, of both populations. Each school has
# one term in it, whole, so a pupil's total for that term is the enrolment's figures.
OVERVIEW = f"""
SELECT e.school_id, {aggregates()}, {aggregates("e.dfe")}
FROM (
    SELECT t.school_id, t.attended AS a, t.authorised AS b, t.unauthorised AS u,
           p.date_of_birth BETWEEN %(born_from)s AND %(born_to)s AS dfe
    FROM registers_pupilterm t JOIN registers_pupil p ON p.id = t.pupil_id
    WHERE t.term_id = ANY(ARRAY(
        SELECT id FROM registers_term
        WHERE school_id = ANY(%(schools)s) AND start >= %(start)s AND "end" <= %(end)s
    ))
) e
GROUP BY e.school_id
"""


def born(day: date) -> dict[str, date]:
    """The national figures' population of the school year of `day` (starting 1 August): aged
    5 to 15 on the 31 August before it."""
    year = day.year if day.month >= 8 else day.year - 1
    return {"born_from": date(year - 16, 9, 1), "born_to": date(year - 5, 8, 31)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30, help="timed runs of each")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before them")
    args = parser.parse_args()

    data = common.scale_database()

    import time_machine
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from attendance_site.two_step import SECOND_STEP_DUE
    from registers.models import Membership, Role
    from registers.selectors.statistics import Figures, figures_sum
    from reports.selectors.dashboards import (
        PREVIOUS_TERMS_SHOWN,
        Row,
        federation_default_period,
        federation_overview,
        governors_dashboard,
        school_terms,
        term_for_dashboard,
    )

    school = data.schools[0]
    afternoon = datetime.combine(
        data.last_day, clock(16, 0), tzinfo=timezone.get_default_timezone()
    )
    today = data.last_day
    print(common.machine())
    print(data.describe())
    print(
        f"As of {afternoon:%d %b %Y %H:%M}: {args.iterations} timed runs of each, interleaved "
        f"with its reference, after {args.warmup} warm-up."
    )

    def query(sql: str, params: dict[str, Any]) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def figures(values: tuple) -> Figures:
        pupils, attended, authorised, unauthorised, persistent, severe = values
        attended, authorised, unauthorised = (
            int(attended or 0),
            int(authorised or 0),
            int(unauthorised or 0),
        )
        return Figures(
            pupils=pupils,
            possible=attended + authorised + unauthorised,
            attended=attended,
            authorised=authorised,
            unauthorised=unauthorised,
            persistent=persistent,
            severe=severe,
        )

    def shown(row: Row) -> tuple:
        return (
            row.pupils,
            row.attendance,
            row.authorised,
            row.unauthorised,
            row.persistent,
            row.severe,
            row.suppressed,
            row.no_sessions,
        )

    with time_machine.travel(afternoon, tick=False):
        # The governors' dashboard: the selector as the page calls it, and the reference.
        terms = school_terms(school=school)
        term = term_for_dashboard(terms=terms, today=today)
        if term is None or term.end != today:
            raise SystemExit("The benchmark expects the last school day to end a term.")
        index = terms.index(term)
        earlier = terms[max(0, index - PREVIOUS_TERMS_SHOWN) : index]
        first_term = earlier[-1] if earlier else term
        if any(born(each.start) != born(today) for each in [term, *earlier]):
            raise SystemExit("The benchmark expects the terms shown to be of one school year.")

        def dashboard_application():
            return governors_dashboard(school=school, terms=terms, term=term, today=today)

        dashboard_params = {
            **born(today),
            "term": term.pk,
            "terms": [each.pk for each in earlier],
            "school": school.pk,
            "first_monday": first_term.start - timedelta(days=first_term.start.weekday()),
            "last_monday": today - timedelta(days=today.weekday()),
        }

        def dashboard_reference() -> list[list[tuple]]:
            return [
                query(sql, dashboard_params) for sql in (COHORTS, EARLIER_TERMS, YEAR_GROUPS, WEEKS)
            ]

        found = dashboard_application()
        cohorts, earlier_rows, year_rows, week_rows = dashboard_reference()
        by_cohort = {row[0]: (figures(row[1:7]), figures(row[7:13])) for row in cohorts}
        by_term = {row[0]: figures(row[1:7]) for row in earlier_rows}
        expected_rates = [shown(Row.of("", by_cohort["All pupils"][1]))] + [
            shown(Row.of("", by_term.get(each.pk, Figures()))) for each in reversed(earlier)
        ]
        expected_cohorts = {
            name: shown(Row.of(name, every)) for name, (every, _) in by_cohort.items()
        }
        empty = shown(Row.of("", Figures()))
        expected_years = sorted(shown(Row.of("", figures(row[1:7]))) for row in year_rows)
        expected_weeks = {row[0]: figures(row[1:7]) for row in week_rows}
        found_weeks = {week.week_start: week for week in [*found.previous_weeks, *found.weeks]}
        disagreements = [
            what
            for what, same in (
                ("terms' rates", [shown(row) for row in found.rates[:-1]] == expected_rates),
                (
                    "cohorts",
                    [shown(row) for row in found.cohorts]
                    == [expected_cohorts.get(row.label, empty) for row in found.cohorts],
                ),
                ("year groups", sorted(shown(row) for row in found.year_groups) == expected_years),
                (
                    "weeks",
                    set(found_weeks) == set(expected_weeks)
                    and all(
                        found_weeks[monday].attendance
                        == (None if figures_.pupils < 5 else figures_.attendance_pct)
                        and found_weeks[monday].no_sessions == (not figures_.pupils)
                        for monday, figures_ in expected_weeks.items()
                    ),
                ),
            )
            if not same
        ]
        if disagreements:
            raise SystemExit(
                f"The dashboard and its reference disagree: {', '.join(disagreements)}."
            )

        # The federation overview of this term, and its reference.
        start, end = federation_default_period(federation=data.federation, today=today)
        schools = sorted(data.schools, key=lambda each: each.name)

        def overview_application():
            return federation_overview(
                federation=data.federation, schools=schools, start=start, end=end
            )

        overview_params = {
            **born(start),
            "schools": [each.pk for each in schools],
            "start": start,
            "end": end,
        }

        def overview_reference() -> list[tuple]:
            return query(OVERVIEW, overview_params)

        overview = overview_application()
        rows = {row[0]: (figures(row[1:7]), figures(row[7:13])) for row in overview_reference()}
        same = (
            [(each.pk, shown(row)) for each, row in overview.all_pupils_schools]
            == [(each.pk, shown(Row.of("", rows[each.pk][0]))) for each in schools]
            and [(each.pk, shown(row)) for each, row in overview.schools]
            == [(each.pk, shown(Row.of("", rows[each.pk][1]))) for each in schools]
            and shown(overview.total) == shown(Row.of("", figures_sum(r[1] for r in rows.values())))
            and shown(overview.all_pupils_total)
            == shown(Row.of("", figures_sum(r[0] for r in rows.values())))
        )
        if not same:
            raise SystemExit("The overview and its reference disagree.")
        print(
            f"Same answers: the dashboard of {school.name} ({term.name} and {len(earlier)} terms "
            f"before it, {len(found_weeks)} weeks, {len(found.year_groups)} year groups) and the "
            f"overview of {len(schools)} schools, {start:%-d %b} to {end:%-d %b %Y}."
        )

        # The pages, through the whole stack.
        governor = Membership.objects.get(school=school, role=Role.GOVERNOR).user
        admin = Membership.objects.filter(
            school__federation=data.federation, role=Role.FEDERATION_ADMIN
        ).first()
        if admin is None:
            sys.exit("The trust has no federation admin.")
        pages = []
        for user, url in (
            (governor, reverse("governors_dashboard", args=[school.pk])),
            (admin.user, reverse("federation_overview", args=[data.federation.pk])),
        ):
            client = Client(HTTP_HOST="localhost")  # an ALLOWED_HOSTS name
            client.force_login(user)
            # As after the second step of signing in (the admin owes a one-time code).
            session = client.session
            session.pop(SECOND_STEP_DUE, None)
            session.save()

            def request(client=client, url=url) -> None:
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")

            pages.append((request, _queries_sent(request)))

        (
            dashboard_times,
            dashboard_reference_times,
            overview_times,
            overview_reference_times,
            dashboard_page_times,
            overview_page_times,
        ) = common.interleaved_runs(
            [
                dashboard_application,
                dashboard_reference,
                overview_application,
                overview_reference,
                pages[0][0],
                pages[1][0],
            ],
            warmup=args.warmup,
            iterations=args.iterations,
        )
    print(f"{'':58}{'median':>10}{'p95':>10}{'fastest':>10}{'reference':>12}{'ratio':>8}")
    for label, times, reference in (
        ("governors' dashboard (selector)", dashboard_times, dashboard_reference_times),
        (
            f"federation overview, {len(schools)} schools (selector)",
            overview_times,
            overview_reference_times,
        ),
        (
            f"governors' dashboard page ({pages[0][1]} queries)",
            dashboard_page_times,
            dashboard_reference_times,
        ),
        (
            f"federation overview page ({pages[1][1]} queries)",
            overview_page_times,
            overview_reference_times,
        ),
    ):
        ratio = statistics.median(times) / statistics.median(reference)
        print(
            f"{label:58}{statistics.median(times):>7.1f} ms{common.p95(times):>7.1f} ms"
            f"{min(times):>7.1f} ms{statistics.median(reference):>9.1f} ms{ratio:>7.2f}x"
        )
    print(
        f"The references' fastest runs: the dashboard's {min(dashboard_reference_times):.1f} ms, "
        f"the overview's {min(overview_reference_times):.1f} ms."
    )
    print(
        "Targets: the dashboard and the overview (selectors) each within 1.2x of their "
        "hand-written references; the overview under 50 ms."
    )


def _queries_sent(step: Callable[[], None]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        step()
    return len(captured.captured_queries)


if __name__ == "__main__":
    main()
