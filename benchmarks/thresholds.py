"""How long the penalty-notice threshold takes for the whole 25,000-pupil trust, against a query
written by hand for the same answer.

Run with `make bench` (or `python benchmarks/thresholds.py`). Not a test and asserts no times:
it prints figures for a person to compare before and after a change, with the machine they came
from. The issue's target: `pupils_meeting_threshold`, evidence included, within 1.5x of the
hand-written reference.

1. Set up the scale database (`common.scale_database`: `generate_trust --schools 50
   --pupils-per-school 500 --years 1 --seed 1`, about 9.6 million marks of 2025/26, built on
   the first run and reused).
2. Run `pupils_meeting_threshold(schools=<all 50>, as_of=<last day of the year>)` and the
   reference below; stop unless they give the same pupils, windows and evidence marks.
3. Time both, interleaved, after a warm-up; print the medians, 95th percentiles and ratio.

The reference is one SQL statement written for this benchmark, not the application's: its own
compulsory school age (date arithmetic in SQL, so it also checks `registers/lib/school_age.py` on
the candidates of the trust), the pupils who can reach 10 sessions from the pupil weeks (the
partial index `pupil_week_unauthorised_idx`), their unauthorised marks in that first possible
window, and, for any pupil whose marks there fall short (sessions used for another notice, or
outside compulsory school age), every later week counted again.
"""

import argparse
import statistics

import common

REFERENCE = """
WITH weeks AS MATERIALIZED (
    SELECT school_id, week_start, MIN(week_number) AS week, MIN(date) AS first_day,
           MAX(date) AS last_day
    FROM registers_schoolday
    WHERE school_id = ANY(%(schools)s) AND date <= %(as_of)s
    GROUP BY school_id, week_start
),
possible AS MATERIALIZED (
    SELECT school_id, pupil_id, GREATEST(1, MIN(week) - 9) AS first_week, MIN(week) AS last_week
    FROM (
        SELECT pw.school_id, pw.pupil_id, w.week,
               SUM(pw.unauthorised) OVER (
                   PARTITION BY pw.school_id, pw.pupil_id ORDER BY w.week
                   RANGE BETWEEN 9 PRECEDING AND CURRENT ROW
               ) AS in_ten
        FROM registers_pupilweek pw
        JOIN weeks w ON w.school_id = pw.school_id AND w.week_start = pw.week_start
        WHERE pw.school_id = ANY(%(schools)s) AND pw.unauthorised > 0
    ) rolling
    WHERE in_ten >= 10
    GROUP BY school_id, pupil_id
),
spans AS MATERIALIZED (
    SELECT p.school_id, p.pupil_id, pupil.upn, ws.first_day, we.last_day,
           CASE
               WHEN fifth <= make_date(extract(year FROM fifth)::int, 3, 31)
                   THEN make_date(extract(year FROM fifth)::int, 3, 31)
               WHEN fifth <= make_date(extract(year FROM fifth)::int, 8, 31)
                   THEN make_date(extract(year FROM fifth)::int, 8, 31)
               ELSE make_date(extract(year FROM fifth)::int, 12, 31)
           END AS age_from,
           june_30 - ((extract(isodow FROM june_30)::int + 2) %% 7) AS age_to
    FROM possible p
    JOIN weeks ws ON ws.school_id = p.school_id AND ws.week = p.first_week
    JOIN weeks we ON we.school_id = p.school_id AND we.week = p.last_week
    JOIN registers_pupil pupil ON pupil.id = p.pupil_id
    CROSS JOIN LATERAL (
        SELECT (pupil.date_of_birth + interval '5 years')::date AS fifth,
               make_date(
                   extract(year FROM pupil.date_of_birth + interval '16 years')::int
                   + CASE WHEN extract(month FROM pupil.date_of_birth) >= 9 THEN 1 ELSE 0 END,
                   6, 30
               ) AS june_30
    ) born
),
in_window AS MATERIALIZED (
    SELECT s.school_id, s.pupil_id, s.upn, s.first_day, s.last_day, m.id, m.date, m.session,
           m.code, COUNT(*) OVER (PARTITION BY s.school_id, s.pupil_id) AS sessions
    FROM spans s
    JOIN registers_mark m ON m.pupil_id = s.pupil_id AND m.school_id = s.school_id
                         AND m.date BETWEEN GREATEST(s.first_day, s.age_from)
                                        AND LEAST(s.last_day, s.age_to)
    WHERE m.code = ANY('{G,N,O,U}')
      AND EXISTS (
          SELECT 1 FROM registers_schoolday d WHERE d.school_id = m.school_id AND d.date = m.date
      )
      AND NOT EXISTS (SELECT 1 FROM penalties_penaltynoticeevidence e WHERE e.mark_id = m.id)
),
-- The weekly counts' window holds 10 of the marks themselves: it is the window. For anyone else
-- (sessions of another notice, outside compulsory school age), every later week is read again.
unresolved AS MATERIALIZED (
    SELECT s.*
    FROM spans s
    LEFT JOIN (
        SELECT DISTINCT school_id, pupil_id FROM in_window WHERE sessions >= 10
    ) resolved USING (school_id, pupil_id)
    WHERE resolved.pupil_id IS NULL
),
later AS MATERIALIZED (
    SELECT m.id, s.school_id, s.pupil_id, s.upn, m.date, m.session, m.code, d.week_number AS week
    FROM unresolved s
    JOIN registers_mark m ON m.pupil_id = s.pupil_id AND m.school_id = s.school_id
                         AND m.date BETWEEN GREATEST(s.first_day, s.age_from)
                                        AND LEAST(%(as_of)s, s.age_to)
    JOIN registers_schoolday d ON d.school_id = m.school_id AND d.date = m.date
    WHERE m.code = ANY('{G,N,O,U}')
      AND NOT EXISTS (SELECT 1 FROM penalties_penaltynoticeevidence e WHERE e.mark_id = m.id)
),
later_reached AS (
    SELECT school_id, pupil_id, GREATEST(1, MIN(week) - 9) AS first_week, MIN(week) AS last_week
    FROM (
        SELECT school_id, pupil_id, week,
               SUM(n) OVER (
                   PARTITION BY school_id, pupil_id ORDER BY week
                   RANGE BETWEEN 9 PRECEDING AND CURRENT ROW
               ) AS in_ten
        FROM (SELECT school_id, pupil_id, week, COUNT(*) AS n FROM later GROUP BY 1, 2, 3) c
    ) rolling
    WHERE in_ten >= 10
    GROUP BY school_id, pupil_id
)
SELECT school_id, upn, first_day, last_day, id, date, session, code
FROM in_window WHERE sessions >= 10
UNION ALL
SELECT l.school_id, l.upn, ws.first_day, we.last_day, l.id, l.date, l.session, l.code
FROM later_reached r
JOIN later l ON l.school_id = r.school_id AND l.pupil_id = r.pupil_id
            AND l.week BETWEEN r.first_week AND r.last_week
JOIN weeks ws ON ws.school_id = r.school_id AND ws.week = r.first_week
JOIN weeks we ON we.school_id = r.school_id AND we.week = r.last_week
ORDER BY 1, 2, 6, 7
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10, help="timed runs of each")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs before them")
    args = parser.parse_args()

    data = common.scale_database()
    schools, as_of = data.schools, data.last_day
    print(common.machine())
    print(data.describe())
    print(
        f"Threshold for the whole trust as of {as_of:%-d %b %Y}, evidence included: "
        f"{args.iterations} timed runs of each, interleaved, after {args.warmup} warm-up."
    )

    from django.db import connection

    from penalties.selectors import pupils_meeting_threshold

    def application() -> list[tuple]:
        return [
            (r.school_id, r.upn, r.window_start, r.window_end, m.mark_id, m.date, m.session, m.code)
            for r in pupils_meeting_threshold(schools=schools, as_of=as_of)
            for m in r.marks
        ]

    def reference() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(REFERENCE, {"schools": [s.pk for s in schools], "as_of": as_of})
            return cursor.fetchall()

    found, expected = application(), reference()
    if found != expected:
        raise SystemExit(
            f"The application and the reference disagree: {len(found)} and {len(expected)} "
            "evidence marks."
        )
    pupils = len({(row[0], row[1]) for row in found})
    app_times, reference_times = common.interleaved_runs(
        [application, reference], warmup=args.warmup, iterations=args.iterations
    )
    print(f"{'':44}{'median':>12}{'p95':>12}")
    for label, times in (
        ("pupils_meeting_threshold", app_times),
        ("hand-written reference, one statement", reference_times),
    ):
        print(f"{label:44}{statistics.median(times):>9.1f} ms{common.p95(times):>9.1f} ms")
    ratio = statistics.median(app_times) / statistics.median(reference_times)
    print(
        f"Ratio of medians: {ratio:.2f}x (target: within 1.5x). Same answer: {pupils:,} pupils, "
        f"{len(found):,} evidence marks."
    )


if __name__ == "__main__":
    main()
