"""How long the governors' termly dashboard and the federation overview take, at scale.

Run with `make bench` (or `python benchmarks/dashboards.py`). Not a test and asserts no times:
it prints figures for a person to compare before and after a change, with the machine they came
from. The issue's targets: a school's termly dashboard under 300 ms and the federation overview
under 1 s of server time, each within 2x of the bare SQL it must execute.

1. Set up the scale database (`common.scale_database`: `generate_trust --schools 50
   --pupils-per-school 500 --years 1 --seed 1`, built on the first run and reused).
2. With the clock at the afternoon of the year's last school day (the summer term then has its
   figures, and two terms before it), sign in through Django's test Client as the first
   school's governor and as the federation admin.
3. Time after a warm-up, through the whole stack (middleware, session, access checks,
   selectors, charts, templates):
   - GET the first school's governors' dashboard (the default: this term);
   - GET the federation overview (the default: this term, all 50 schools).
   Each request's SQL is captured once (CaptureQueriesContext) and then re-run bare on a cursor
   with its rows fetched, timed the same way (inside a transaction that is rolled back, in case
   a request writes, such as a session).
4. Print the median and 95th percentile of each, the bare SQL's median, their ratio and the
   queries each made.

Both pages read their figures from the pupil weeks (registers/lib/pupil_weeks.py): a term of
the federation is about 325,000 of them rather than 3.3 million marks.
"""

import argparse
import statistics
import sys
from collections.abc import Callable
from datetime import datetime
from datetime import time as clock
from functools import partial

import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20, help="timed runs of each page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before them")
    args = parser.parse_args()

    data = common.scale_database()

    import time_machine
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from attendance_site.two_step import SECOND_STEP_DUE
    from registers.models import Membership, Role

    school = data.schools[0]
    governor = Membership.objects.get(school=school, role=Role.GOVERNOR).user
    admin = Membership.objects.filter(
        school__federation=data.federation, role=Role.FEDERATION_ADMIN
    ).first()
    if admin is None:
        sys.exit("The trust has no federation admin.")
    afternoon = datetime.combine(
        data.last_day, clock(16, 0), tzinfo=timezone.get_default_timezone()
    )
    pages = [
        (
            f"governors' dashboard ({school.name})",
            governor,
            reverse("governors_dashboard", args=[school.pk]),
        ),
        (
            f"federation overview ({len(data.schools)} schools)",
            admin.user,
            reverse("federation_overview", args=[data.federation.pk]),
        ),
    ]
    print(common.machine())
    print(data.describe())
    print(
        f"As of {afternoon:%d %b %Y %H:%M}: {args.iterations} timed runs of each page after "
        f"{args.warmup} warm-up."
    )
    print(f"{'':44}{'median':>10}{'p95':>10}{'bare SQL':>12}{'ratio':>8}{'queries':>9}")
    with time_machine.travel(afternoon, tick=False):
        for label, user, url in pages:
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

            statements = _statements_sent(request)
            app = common.timed_runs(request, warmup=args.warmup, iterations=args.iterations)
            bare = common.timed_runs(
                partial(_run_bare, statements),
                warmup=args.warmup,
                iterations=args.iterations,
            )
            ratio = statistics.median(app) / statistics.median(bare)
            print(
                f"{label:44}{statistics.median(app):>7.1f} ms{common.p95(app):>7.1f} ms"
                f"{statistics.median(bare):>9.1f} ms{ratio:>7.2f}x{len(statements):>9}"
            )
    print(
        "Targets: the dashboard under 300 ms and the overview under 1,000 ms (median), each "
        "within 2x of its bare SQL."
    )


def _statements_sent(step: Callable[[], None]) -> list[str]:
    """The SQL the step sends, as sent (Django binds the parameters on the client side)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        step()
    return [query["sql"] for query in captured.captured_queries]


def _run_bare(statements: list[str]) -> None:
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                if cursor.description is not None:
                    cursor.fetchall()
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
