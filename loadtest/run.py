"""The morning-peak load test: many teachers submitting registers at once, then the marks counted.

Run with `make load` (or `python loadtest/run.py`). Loopback only, bounded in time, and only
ever in its own PostgreSQL database (the name must contain "load"; it is dropped and made
afresh every run). Steps:

1. Create the database, migrate it, collect the static files, and build a trust with
   `generate_trust --schools 20 --pupils-per-school 300 --years 0`: the 2025/26 calendar,
   pupils, classes and staff, no marks, so every register of the year is still to be taken
   (all of its days are past, and a register may be taken for any past school session).
2. Sign every class teacher in (a session made as the login would, so the run does not start
   with hundreds of password hashes) and give each their class and the year's sessions.
3. Start gunicorn on 127.0.0.1 with production settings (DEBUG off, a fresh SECRET_KEY,
   2 x cores + 1 sync workers, persistent database connections).
4. Run locust headless (`loadtest/locustfile.py`): each simulated teacher opens the register
   page and submits it, session after session, for the time given.
   With `--nodes 2` (`make load NODES=2`), two gunicorn nodes (the workers shared between
   them) behind HAProxy (`deploy/haproxy.cfg`, Debian's haproxy package) on the same port:
   the teachers' sessions, made once, are in the database, so either node serves any request.
5. Stop gunicorn, then count: every register locust saw saved has exactly one mark per pupil
   of its class; no pupil has two marks for a session; every mark in the database belongs to a
   register that was saved; the pupil weeks, kept by triggers while 60 teachers wrote at once,
   equal the marks counted again. Print submissions per second and the p95 latencies.
"""

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY / "benchmarks"))

import common  # noqa: E402  (benchmarks/common.py: the machine line)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/attendance_load"
TRUST = ["--schools", "20", "--pupils-per-school", "300", "--years", "0", "--seed", "1"]
OUTPUT = REPOSITORY / "var" / "loadtest"
BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=60, help="teachers submitting at once")
    parser.add_argument("--time", default="60s", help="how long locust runs (e.g. 60s)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * len(os.sched_getaffinity(0)) + 1,
        help="gunicorn sync workers in all (shared between the nodes)",
    )
    parser.add_argument("--nodes", type=int, default=1, help="web nodes behind HAProxy")
    args = parser.parse_args()

    url = os.environ.get("LOAD_DATABASE_URL") or DEFAULT_DATABASE_URL
    environment = _environment(url, args.port)
    os.environ.update(environment)
    _database_recreate(url)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    manage = [str(BIN / "python"), str(REPOSITORY / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], check=True)
    subprocess.run([*manage, "generate_trust", *TRUST], check=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], check=True)

    # This process reads and counts in the same database, with the same settings and key.
    os.environ["DJANGO_SETTINGS_MODULE"] = "attendance_site.settings"
    sys.path.insert(0, str(REPOSITORY))
    import django

    django.setup()
    teachers = _teachers_signed_in()
    if args.users > len(teachers):
        sys.exit(f"There are {len(teachers)} class teachers; ask for at most that many users.")
    teachers_file, results_file = OUTPUT / "teachers.json", OUTPUT / "saved.json"
    teachers_file.write_text(json.dumps(teachers))
    results_file.unlink(missing_ok=True)

    nodes = _nodes_start(args.port, args.workers, args.nodes)
    # CPU seconds of this process's waited-for descendants: locust, then gunicorn and workers.
    before = _children_cpu()
    try:
        locust = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(REPOSITORY / "loadtest" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.users),
                "-t",
                args.time,
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **os.environ,
                "LOAD_TEACHERS": str(teachers_file),
                "LOAD_RESULTS": str(results_file),
            },
        )
        after_locust = _children_cpu()
    finally:
        for process in reversed(nodes):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    cpu = {"locust": after_locust - before, "gunicorn": _children_cpu() - after_locust}
    if not results_file.exists():
        sys.exit(f"locust stopped without results (exit {locust.returncode}).")
    results = json.loads(results_file.read_text())
    saved = results["saved"]
    problems = _marks_problems(saved)
    _report(args, saved, results["requests"], cpu)
    if args.nodes > 1:
        served = [
            sum(1 for _ in (OUTPUT / f"node{n}.log").open()) for n in range(1, args.nodes + 1)
        ]
        print("Requests served per node: " + ", ".join(f"{count:,}" for count in served))
        if min(served) == 0:
            problems.append("a web node served no request")
    if problems:
        print("The marks do not add up:")
        for problem in problems:
            print(f"  {problem}")
        sys.exit(1)
    print(
        "Counted afterwards: none lost, none duplicated, none without a saved register; "
        "the pupil weeks equal the marks."
    )


def _environment(url: str, port: int) -> dict[str, str]:
    """Production settings on loopback: no TLS in front, so no redirect to https."""
    return {
        "DATABASE_URL": url + ("&" if "?" in url else "?") + "conn_max_age=600",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(OUTPUT / "static"),
        "REDIS_URL": "",
    }


def _database_recreate(url: str) -> None:
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if config["ENGINE"] != "django.db.backends.postgresql" or "load" not in name:
        sys.exit(f"The load test needs its own PostgreSQL database named with 'load', not {url}.")
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"Created database {name}.")


def _teachers_signed_in() -> list[dict]:
    """Each class teacher with a session cookie, their class and the year's sessions."""
    from django.conf import settings
    from django.test import Client

    from registers.models import RegistrationGroup, SchoolDay

    sessions: dict[int, list] = {}
    for day in SchoolDay.objects.order_by("date"):
        sessions.setdefault(day.school_id, []).extend(
            [day.date.isoformat(), session]
            for session, is_open in (("AM", day.am), ("PM", day.pm))
            if is_open
        )
    teachers = []
    for group in RegistrationGroup.objects.prefetch_related("teachers").order_by("pk"):
        for teacher in group.teachers.all():
            client = Client()
            client.force_login(teacher)
            teachers.append(
                {
                    "username": teacher.username,
                    "group": group.pk,
                    "cookies": {
                        settings.SESSION_COOKIE_NAME: client.cookies[
                            settings.SESSION_COOKIE_NAME
                        ].value,
                        # Any well-formed secret: the page's form token is made from it.
                        settings.CSRF_COOKIE_NAME: secrets.token_hex(16),
                    },
                    "sessions": sessions[group.school_id],
                }
            )
    return teachers


def _nodes_start(port: int, workers: int, nodes: int) -> list[subprocess.Popen]:
    """One gunicorn on `port`, or `nodes` of them on the ports after it behind HAProxy on it."""
    if nodes == 1:
        return [_gunicorn_start(port, workers)]
    started = []
    for n in range(1, nodes + 1):
        share = workers // nodes + (1 if n <= workers % nodes else 0)
        started.append(_gunicorn_start(port + n, max(share, 1), access_log=OUTPUT / f"node{n}.log"))
    # deploy/haproxy.cfg as docker-compose runs it, on loopback ports instead of containers.
    config = (REPOSITORY / "deploy" / "haproxy.cfg").read_text()
    config = config.replace("bind :8000", f"bind 127.0.0.1:{port}")
    config = config.replace("hdr Host localhost", "hdr Host 127.0.0.1")
    lines = [line for line in config.splitlines() if not line.strip().startswith("server web")]
    lines += [f"    server web{n} 127.0.0.1:{port + n}" for n in range(1, nodes + 1)]
    (OUTPUT / "haproxy.cfg").write_text("\n".join(lines) + "\n")
    balancer = subprocess.Popen(["haproxy", "-f", str(OUTPUT / "haproxy.cfg"), "-db"])
    _wait_answers(port, balancer)
    return [*started, balancer]


def _gunicorn_start(port: int, workers: int, access_log: Path | None = None) -> subprocess.Popen:
    if access_log is not None:
        access_log.write_text("")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "attendance_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--chdir",
            str(REPOSITORY),
            *(["--access-logfile", str(access_log)] if access_log else []),
        ],
    )
    _wait_answers(port, process)
    return process


def _wait_answers(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):
                return
        except OSError:
            if process.poll() is not None:
                sys.exit(f"{process.args[0]} stopped at start.")
            time.sleep(0.5)
    process.terminate()
    sys.exit(f"{process.args[0]} did not answer within a minute.")


def _marks_problems(saved: list[list]) -> list[str]:
    """None lost, none duplicated, none without a saved register; the pupil weeks right."""
    from django.db import connection

    from registers.lib.pupil_weeks import week_start_sql

    problems = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM registers_mark GROUP BY pupil_id, school_id, "
            "date, session HAVING count(*) > 1) AS twice"
        )
        if (duplicated := cursor.fetchone()[0]) != 0:
            problems.append(f"{duplicated} pupil sessions have more than one mark")
        # Each register in the database with the marks of its class's pupils for its session.
        cursor.execute(
            """
            SELECT r.group_id, r.date::text, r.session, count(m.id)
            FROM registers_register r
            JOIN registers_groupmembership g ON g.group_id = r.group_id
            LEFT JOIN registers_mark m
                ON m.pupil_id = g.pupil_id AND m.school_id = r.school_id
                AND m.date = r.date AND m.session = r.session
            GROUP BY r.group_id, r.date, r.session
            """
        )
        in_database = {(group, day, session): marks for group, day, session, marks in cursor}
        cursor.execute("SELECT count(*) FROM registers_mark")
        total = cursor.fetchone()[0]
        cursor.execute(
            f"""
            WITH counted AS (
                SELECT m.pupil_id, m.school_id, {week_start_sql("postgresql", "m.date")},
                    count(*) FILTER (WHERE c.counts_as = 'attendance'),
                    count(*) FILTER (WHERE c.counts_as = 'authorised'),
                    count(*) FILTER (WHERE c.counts_as = 'unauthorised'),
                    count(*) FILTER (WHERE c.counts_as = 'not_possible')
                FROM registers_mark m JOIN registers_attendancecode c ON c.code = m.code
                GROUP BY 1, 2, 3
            ), kept AS (
                SELECT pupil_id, school_id, week_start, attended, authorised, unauthorised,
                    not_possible
                FROM registers_pupilweek
            )
            SELECT count(*) FROM (
                (SELECT * FROM counted EXCEPT SELECT * FROM kept)
                UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM counted)
            ) AS differing
            """
        )
        if (differing := cursor.fetchone()[0]) != 0:
            problems.append(f"{differing} pupil weeks differ from their marks counted again")
    lost = [
        (group, day, session, pupils)
        for group, day, session, pupils in saved
        if in_database.get((group, day, session)) != pupils
    ]
    if lost:
        problems.append(
            f"{len(lost)} registers answered 'saved' without one mark per pupil, e.g. {lost[:3]}"
        )
    if len({tuple(s[:3]) for s in saved}) != len(saved):
        problems.append("a register was saved twice as new")
    if total != sum(in_database.values()):
        problems.append(f"{total - sum(in_database.values())} marks belong to no saved register")
    return problems


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _report(args, saved: list[list], requests: list[list], cpu: dict[str, float]) -> None:
    """Rates over the run (first request sent to last answer) and percentiles of every request,
    failures included."""
    print()
    print(common.machine())
    print(
        f"Load test: {args.users} teachers at once for {args.time}, gunicorn with "
        f"{args.workers} sync workers on 127.0.0.1"
        + (f" in {args.nodes} nodes behind HAProxy" if args.nodes > 1 else "")
        + f", generate_trust {' '.join(TRUST)}."
    )
    if not requests:
        print("No requests were made.")
        return
    first = min(started for _name, started, _ms, _ok in requests)
    last = max(started + ms / 1000 for _name, started, ms, _ok in requests)
    seconds = last - first
    print(f"{'':18}{'requests':>9}{'failed':>8}{'per s':>8}{'median':>10}{'p95':>10}{'p99':>10}")
    for name in ("open register", "submit register"):
        times = sorted(ms for n, _started, ms, _ok in requests if n == name)
        failed = sum(1 for n, _started, _ms, ok in requests if n == name and not ok)
        if not times:
            continue
        print(
            f"{name:18}{len(times):>9}{failed:>8}{len(times) / seconds:>8.1f}"
            f"{statistics.median(times):>7.0f} ms{_percentile(times, 95):>7.0f} ms"
            f"{_percentile(times, 99):>7.0f} ms"
        )
    submits = sorted(ms for n, _started, ms, _ok in requests if n == "submit register")
    marks = sum(pupils for *_key, pupils in saved)
    print(
        f"Sustained: {len(saved) / seconds:.1f} register submissions saved a second over "
        f"{seconds:.0f} s, p95 {_percentile(submits, 95):.0f} ms (target: at least 100 a second "
        "with p95 under 300 ms)."
    )
    print(f"Saved: {len(saved):,} registers with {marks:,} marks.")
    if saved:
        print(
            f"CPU: gunicorn {cpu['gunicorn']:.0f} s ({cpu['gunicorn'] * 1000 / len(saved):.0f} ms "
            f"per register opened and saved), locust {cpu['locust']:.0f} s, over {seconds:.0f} s "
            f"on {len(os.sched_getaffinity(0))} CPUs (PostgreSQL's not counted)."
        )


def _percentile(times: list[float], percent: int) -> float:
    if len(times) < 2:
        return times[0] if times else 0.0
    return statistics.quantiles(times, n=100, method="inclusive")[percent - 1]


if __name__ == "__main__":
    main()
