"""How long retention takes to remove a school year of the 50-school trust (issue #24).

Run with `make bench` (or `python benchmarks/school_year_retention.py`). Not a test and asserts
no times: it prints figures with the machine they came from. The issue's target: a school year
removed in under a second.

1. Set up the scale database (`common.scale_database`: generate_trust's 50 schools x 500
   pupils, one school year of marks, about 9.6 million).
2. In a transaction that is rolled back at the end (the database is left as it was), make the
   year's history look lived in: amendments of some marks made that year (they go with it),
   and a few marks amended or entered after the cut-off (kept, 2024 regulations: six years
   from the date an entry was made).
3. Time `retention_run` as of 1 September six years after the year ends (its cut-off the next
   1 August), each run in a savepoint rolled back after it: the year's partitions replaced by
   what they keep, the pupil weeks and term totals counted again.
4. The reference: hand-written SQL for the same answer, the way it was done before the
   partitioning: DELETE the year's amendments and marks but those kept, and its registers but
   those with a kept mark, the triggers keeping the pupil weeks. Both leave the same marks,
   registers and pupil weeks (asserted).
"""

import argparse
import logging
import statistics
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import common

LONDON = ZoneInfo("Europe/London")
AMENDED = 2000  # amendments made during the year: they go
KEPT = 25  # marks amended after the cut-off, and as many entered after it: kept


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=5, help="timed runs of the job")
    args = parser.parse_args()

    data = common.scale_database()
    from django.db import connection, transaction

    from registers.models import Federation
    from retention.services import retention_cutoff, retention_run

    logging.getLogger("retention.services").setLevel(logging.WARNING)  # a line a run
    today = date(data.last_day.year + 6, 9, 1)
    federation = Federation.objects.get(pk=data.federation.pk)
    cutoff = retention_cutoff(retention_years=federation.retention_years, today=today)
    print(common.machine())
    print(data.describe())
    print(
        f"Retention as of {today:%-d %b %Y} (cut-off {cutoff:%-d %b %Y}, "
        f"{federation.retention_years} years): {args.iterations} timed runs, each rolled back."
    )
    try:
        with transaction.atomic():
            _history(connection, cutoff=cutoff)
            times, run, left = [], None, None
            for _run in range(args.iterations):
                try:
                    with transaction.atomic():
                        started = time.perf_counter()
                        run = retention_run(federation=federation, today=today, dry_run=False)
                        times.append((time.perf_counter() - started) * 1000)
                        left = _left(connection, cutoff=cutoff)
                        raise Rollback
                except Rollback:
                    pass
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    _reference(connection, cutoff=cutoff)
                    reference = (time.perf_counter() - started) * 1000
                    assert _left(connection, cutoff=cutoff) == left, "different answers"
                    raise Rollback
            except Rollback:
                pass
            raise Rollback
    except Rollback:
        pass
    assert left is not None and run is not None
    print(
        f"{'':44}{'median':>12}{'fastest':>12}\n"
        f"{'retention_run (partitions replaced)':44}{statistics.median(times):>9.0f} ms"
        f"{min(times):>9.0f} ms\n"
        f"{'hand-written DELETEs, same answer':44}{reference:>9.0f} ms"
    )
    gone = ", ".join(f"{key} {value:,}" for key, value in run.counts.items() if value)
    print(f"Removed: {gone}. Left before the cut-off: {left[0]} marks, {left[1]} registers.")
    print("Target: a school year removed in under a second.")


def _history(connection, *, cutoff: date) -> None:
    """Amendments through the year (they go) and marks entered or amended since the cut-off."""
    since = datetime(cutoff.year, 9, 2, 10, tzinfo=LONDON)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM auth_user ORDER BY id LIMIT 1")
        (user,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO registers_amendment (mark_id, original_code, new_code, "
            "original_minutes_late, new_minutes_late, reason, amended_at, amended_by_id, "
            "amended_by_name, amended_by_position) "
            "SELECT id, code, 'I', NULL, NULL, 'Doctor''s letter', recorded_at + interval '1 day', "
            "%s, 'Olive Office', 'Office manager' FROM registers_mark "
            "WHERE date < %s AND id %% 4000 = 0 ORDER BY id LIMIT %s",
            [user, cutoff, AMENDED],
        )
        cursor.execute(
            "INSERT INTO registers_amendment (mark_id, original_code, new_code, "
            "original_minutes_late, new_minutes_late, reason, amended_at, amended_by_id, "
            "amended_by_name, amended_by_position) "
            "SELECT id, code, 'C', NULL, NULL, 'Corrected', %s, %s, 'Olive Office', "
            "'Office manager' FROM registers_mark WHERE date < %s AND id %% 4001 = 1 "
            "ORDER BY id LIMIT %s",
            [since, user, cutoff, KEPT],
        )
        cursor.execute(
            "UPDATE registers_mark SET recorded_at = %s WHERE id IN (SELECT id FROM "
            "registers_mark WHERE date < %s AND id %% 4003 = 2 ORDER BY id LIMIT %s)",
            [since, cutoff, KEPT],
        )


# Entered or amended since the cut-off: kept (a mark `m`, the cut-off's midnight `since`).
KEPT_MARK = (
    "m.recorded_at >= %(since)s OR EXISTS (SELECT 1 FROM registers_amendment a "
    "WHERE a.mark_id = m.id AND a.amended_at >= %(since)s)"
)


def _reference(connection, *, cutoff: date) -> None:
    """The year deleted row by row, as before the partitioning (one federation: the trust);
    the triggers take the marks out of the pupil weeks and term totals."""
    params = {"cutoff": cutoff, "since": datetime(cutoff.year, cutoff.month, 1, tzinfo=LONDON)}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE expired ON COMMIT DROP AS SELECT m.id FROM registers_mark m "
            f"WHERE m.date < %(cutoff)s AND NOT ({KEPT_MARK})",
            params,
        )
        cursor.execute("DELETE FROM registers_amendment WHERE mark_id IN (SELECT id FROM expired)")
        cursor.execute(
            "DELETE FROM registers_mark WHERE date < %(cutoff)s AND id IN (SELECT id FROM expired)",
            params,
        )
        cursor.execute(
            "DELETE FROM registers_register r WHERE r.date < %(cutoff)s AND NOT EXISTS ("
            "SELECT 1 FROM registers_mark m WHERE m.school_id = r.school_id "
            "AND m.date = r.date AND m.session = r.session)",
            params,
        )


def _left(connection, *, cutoff: date) -> tuple[int, int, int]:
    """Marks and registers left before the cut-off, and a checksum of the pupil weeks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registers_mark WHERE date < %s", [cutoff])
        (marks,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM registers_register WHERE date < %s", [cutoff])
        (registers,) = cursor.fetchone()
        cursor.execute(
            "SELECT coalesce(sum(hashtext(concat_ws(',', pupil_id, school_id, week_start, "
            "attended, authorised, unauthorised, not_possible))::bigint), 0) "
            "FROM registers_pupilweek WHERE week_start < %s",
            [cutoff],
        )
        (weeks,) = cursor.fetchone()
    return marks, registers, weeks


if __name__ == "__main__":
    main()
