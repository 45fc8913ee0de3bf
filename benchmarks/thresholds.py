"""How long the penalty-notice threshold takes for the whole 25,000-pupil trust, against PostgreSQL.

Run with `make bench` (or `python benchmarks/thresholds.py`). Not a test and asserts no times:
it prints figures for a person to compare before and after a change, with the machine they came
from. The issue's target: `pupils_meeting_threshold` within 2x of the bare SQL it sends.

1. Set up the scale database (`common.scale_database`: `generate_trust --schools 50
   --pupils-per-school 500 --years 1 --seed 1`, about 9.6 million marks of 2025/26, built on
   the first run and reused).
2. Time `pupils_meeting_threshold(schools=<all 50>, as_of=<last day of the year>)` after a
   warm-up, capturing the SQL it sends; then time exactly those statements run bare on a
   cursor (rows fetched, as Django fetches them). Print the median and 95th percentile of both
   and their ratio.
"""

import argparse
import statistics
from collections.abc import Callable

import common


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
        f"Threshold for the whole trust as of {as_of:%-d %b %Y}: {args.iterations} timed runs "
        f"after {args.warmup} warm-up."
    )

    from penalties.selectors import pupils_meeting_threshold

    found: list = []

    def selector() -> None:
        found[:] = pupils_meeting_threshold(schools=schools, as_of=as_of)

    statements = _statements_sent(selector)
    selector_times = common.timed_runs(selector, warmup=args.warmup, iterations=args.iterations)
    bare_times = common.timed_runs(
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


if __name__ == "__main__":
    main()
