"""How long the penalty-notice threshold takes for a 25,000-pupil federation, against PostgreSQL.

Run with `make bench` (or `python benchmarks/thresholds.py`). Not a test and asserts no times:
it prints figures for a person to compare before and after a change, with the machine they came
from. The issue's target: `pupils_meeting_threshold` within 2x of the bare SQL it sends. It only
ever writes to its own database (the name must contain "bench"):

1. Create the database named by DATABASE_URL if it is missing, and migrate it.
2. Build the synthetic federation once (skipped when it is already there with the same size):
   50 schools with the 2025/26 calendar (terms through the ORM and `school_calendar_rebuild`),
   500 pupils each, and an AM and a PM mark for every pupil and session of the year (about
   9.5 million), inserted by PostgreSQL itself (INSERT ... SELECT over generate_series):
   mostly present, a few per cent authorised absence, about 1 % unauthorised, and one pupil
   in 40 absent without authority far more often, so some hundreds meet the threshold.
3. Time `pupils_meeting_threshold(schools=<all 50>, as_of=<last day of the year>)` after a
   warm-up, capturing the SQL it sends; then time exactly those statements run bare on a
   cursor (rows fetched, as Django fetches them). Print the median and 95th percentile of both
   and their ratio.
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import common

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/attendance_bench_thresholds"
FEDERATION_NAME = "Benchmark Federation"
SCHOOLS = 50
LAST_DAY = date(2026, 7, 22)
# The 2025/26 year: (name, first day, last day, half term's first and last days).
TERMS = [
    ("Autumn 2025", date(2025, 9, 3), date(2025, 12, 19), date(2025, 10, 27), date(2025, 10, 31)),
    ("Spring 2026", date(2026, 1, 5), date(2026, 3, 27), date(2026, 2, 16), date(2026, 2, 20)),
    ("Summer 2026", date(2026, 4, 13), date(2026, 7, 22), date(2026, 5, 25), date(2026, 5, 29)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10, help="timed runs of each")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs before them")
    parser.add_argument(
        "--pupils-per-school",
        type=int,
        default=500,
        help="pupils in each of the 50 schools (a different size rebuilds the data)",
    )
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    database = common.database_create_if_missing(url, example=DEFAULT_DATABASE_URL)
    common.django_setup()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    schools = _federation_build(pupils_per_school=args.pupils_per_school)
    pupils, marks = _sizes()
    print(common.machine())
    print(
        f"Threshold for {len(schools)} schools, {pupils:,} pupils, {marks:,} marks "
        f"(database {database}), as of {LAST_DAY:%d %b %Y}: {args.iterations} timed runs "
        f"after {args.warmup} warm-up."
    )

    from penalties.selectors import pupils_meeting_threshold

    found: list = []

    def selector() -> None:
        found[:] = pupils_meeting_threshold(schools=schools, as_of=LAST_DAY)

    statements = _statements_sent(selector)
    selector_times = _measure(selector, warmup=args.warmup, iterations=args.iterations)
    bare_times = _measure(
        lambda: _run_bare(statements), warmup=args.warmup, iterations=args.iterations
    )
    print(f"{'':40}{'median':>12}{'p95':>12}")
    for label, times in (
        ("pupils_meeting_threshold", selector_times),
        (f"its {len(statements)} SQL statements, bare", bare_times),
    ):
        print(f"{label:40}{statistics.median(times):>9.1f} ms{common.p95(times):>9.1f} ms")
    ratio = statistics.median(selector_times) / statistics.median(bare_times)
    print(f"Ratio of medians: {ratio:.2f}x (target: within 2x). Pupils meeting it: {len(found)}.")


def _federation_build(*, pupils_per_school: int) -> list:
    """The federation's schools, building (or rebuilding, at another size) the data first."""
    from registers.models import Enrolment, Federation, School

    federation = Federation.objects.filter(name=FEDERATION_NAME).first()
    if federation is not None:
        schools = list(School.objects.filter(federation=federation).order_by("pk"))
        enrolled = Enrolment.objects.filter(school__federation=federation).count()
        if len(schools) == SCHOOLS and enrolled == SCHOOLS * pupils_per_school:
            return schools
        print("The benchmark data has another size: rebuilding it.")
        _federation_delete(federation)
    started = time.perf_counter()
    schools = _schools_create()
    _pupils_and_marks_insert(schools, pupils_per_school=pupils_per_school)
    print(f"Built the benchmark data in {time.perf_counter() - started:.0f} s.")
    return schools


def _federation_delete(federation) -> None:
    """Remove a previous run's federation: its marks, pupils, schools and calendars."""
    from django.db import connection, transaction

    from registers.models import School

    with transaction.atomic():
        with connection.cursor() as cursor:
            schools = "SELECT id FROM registers_school WHERE federation_id = %s"
            cursor.execute(
                f"DELETE FROM registers_mark WHERE school_id IN ({schools})", [federation.pk]
            )
            cursor.execute(
                f"WITH gone AS (DELETE FROM registers_enrolment WHERE school_id IN ({schools}) "
                "RETURNING pupil_id) DELETE FROM registers_pupil WHERE id IN "
                "(SELECT pupil_id FROM gone)",
                [federation.pk],
            )
        School.objects.filter(federation=federation).delete()  # with terms and school days
        federation.delete()


def _schools_create() -> list:
    """The federation and its schools, each with session times and the 2025/26 calendar."""
    from django.db import transaction

    from registers.models import Federation, School, SessionTimes, Term
    from registers.services.calendar import school_calendar_rebuild

    with transaction.atomic():
        federation = Federation.objects.create(name=FEDERATION_NAME)
        schools = []
        for number in range(SCHOOLS):
            school = School.objects.create(
                federation=federation,
                urn=f"{990000 + number:06d}",
                la_code="884",
                name=f"Benchmark School {number + 1}",
            )
            SessionTimes.objects.create(
                school=school,
                year_groups=["R", "1", "2", "3", "4", "5", "6"],
                am_start="08:45",
                am_register_closes="09:15",
                pm_register_opens="13:15",
                pm_register_closes="13:30",
                end_of_day="15:15",
            )
            for name, start, end, half_term_start, half_term_end in TERMS:
                Term.objects.create(
                    school=school,
                    name=name,
                    start=start,
                    end=end,
                    half_term_start=half_term_start,
                    half_term_end=half_term_end,
                )
            school_calendar_rebuild(school=school)
            schools.append(school)
    return schools


# One pupil in CLUSTERED is absent without authority far more often than the rest.
CLUSTERED = 40
UNAUTHORISED_SHARE = 0.01
CLUSTERED_UNAUTHORISED_SHARE = 0.10
AUTHORISED_SHARE = 0.04

PUPILS_INSERT = """
    INSERT INTO registers_pupil (
        upn, legal_surname, legal_forename, preferred_surname, preferred_forename,
        date_of_birth, year_group, sen_support, ehc_plan, fsm, social_worker, medical_condition
    )
    SELECT 'B' || lpad(n::text, 12, '0'), 'Benchpupil' || n, 'Alex', '', '',
           date '2015-09-01' + mod(n, 2190), (ARRAY['1', '2', '3', '4', '5', '6'])[1 + mod(n, 6)],
           false, false, false, false, false
    FROM generate_series(1, %(pupils)s) AS n
"""

# The pupil numbered n is at the school ((n - 1) / pupils_per_school + 1) of the array.
ENROLMENTS_INSERT = """
    INSERT INTO registers_enrolment (
        pupil_id, school_id, registration_type, start_date, leaving_reason, destination,
        other_school_sessions
    )
    SELECT id, (%(schools)s::bigint[])[(substr(upn, 2)::int - 1) / %(per_school)s + 1],
           'C', date '2025-09-01', '', '', '[]'::jsonb
    FROM registers_pupil WHERE upn LIKE 'B%%'
"""

# A mark for each enrolled pupil and open session of one school. `chance` decides the kind of
# mark and `pick` the code within it; mod() rather than the percent operator, which the
# driver would read as a placeholder.
MARKS_INSERT = """
    INSERT INTO registers_mark (
        pupil_id, school_id, date, session, code, source, recorded_at, version
    )
    SELECT pupil_id, school_id, date, session,
           CASE
               WHEN chance < unauthorised
                   THEN (ARRAY['O', 'O', 'G', 'U', 'N'])[1 + floor(pick * 5)::int]
               WHEN chance < unauthorised + %(authorised)s
                   THEN (ARRAY['I', 'I', 'I', 'M', 'R'])[1 + floor(pick * 5)::int]
               WHEN session = 'AM' THEN '/'
               ELSE '\\'
           END,
           'import', now(), 1
    FROM (
        SELECT e.pupil_id, e.school_id, d.date, s.session, random() AS chance, random() AS pick,
               CASE WHEN mod(e.pupil_id, %(clustered)s) = 0 THEN %(clustered_share)s
                    ELSE %(share)s END AS unauthorised
        FROM registers_enrolment e
        JOIN registers_schoolday d ON d.school_id = e.school_id
        CROSS JOIN LATERAL (VALUES ('AM', d.am), ('PM', d.pm)) AS s (session, open)
        WHERE e.school_id = %(school)s AND s.open
    ) AS sessions
"""


def _pupils_and_marks_insert(schools: list, *, pupils_per_school: int) -> None:
    """Pupils, enrolments and a year of marks, generated by PostgreSQL (one school at a time)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        with transaction.atomic():
            cursor.execute("SELECT setseed(0.2526)")  # the same marks on every build
            cursor.execute(PUPILS_INSERT, {"pupils": len(schools) * pupils_per_school})
            cursor.execute(
                ENROLMENTS_INSERT,
                {"schools": [school.pk for school in schools], "per_school": pupils_per_school},
            )
        started = time.perf_counter()
        for number, school in enumerate(schools, start=1):
            with transaction.atomic():
                cursor.execute(
                    MARKS_INSERT,
                    {
                        "school": school.pk,
                        "clustered": CLUSTERED,
                        "clustered_share": CLUSTERED_UNAUTHORISED_SHARE,
                        "share": UNAUTHORISED_SHARE,
                        "authorised": AUTHORISED_SHARE,
                    },
                )
            if number % 10 == 0:
                print(
                    f"  marks of {number} of {len(schools)} schools inserted "
                    f"({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
        # As autovacuum would on a live database: planner statistics and a visibility map.
        for table in ("registers_mark", "registers_enrolment", "registers_pupil"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _sizes() -> tuple[int, int]:
    from registers.models import Enrolment, Mark

    federation = {"school__federation__name": FEDERATION_NAME}
    return Enrolment.objects.filter(**federation).count(), Mark.objects.filter(**federation).count()


def _statements_sent(step: Callable[[], None]) -> list[str]:
    """The SQL the step sends, as sent (Django binds the parameters on the client side)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        step()
    return [query["sql"] for query in captured.captured_queries]


def _run_bare(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            cursor.fetchall()


def _measure(step: Callable[[], None], *, warmup: int, iterations: int) -> list[float]:
    """Milliseconds of the timed runs."""
    times = []
    for run in range(warmup + iterations):
        started = time.perf_counter()
        step()
        elapsed = (time.perf_counter() - started) * 1000
        if run >= warmup:
            times.append(elapsed)
    return times


if __name__ == "__main__":
    main()
