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
   2 x cores + 1 sync workers, persistent database connections). With `--nodes 2` (`make load
   NODES=2`): two gunicorns sharing those workers, behind HAProxy (Debian's `haproxy` package)
   configured as `deploy/haproxy.cfg` but on loopback, as the docker-compose deployment runs.
4. Run locust headless (`loadtest/locustfile.py`): each simulated teacher opens the register
   page and submits it, session after session, for the time given.
5. Stop gunicorn, then count: every register locust saw saved has exactly one mark per pupil
   of its class; no pupil has two marks for a session; every mark in the database belongs to a
   register that was saved; the pupil weeks, kept by triggers while 60 teachers wrote at once,
   equal the marks counted again. Print submissions per second and the p95 latencies.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
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
        "--workers", type=int, default=2 * len(os.sched_getaffinity(0)) + 1, help="gunicorn"
    )
    parser.add_argument(
        "--nodes", type=int, default=1, help="web nodes (gunicorns) behind HAProxy if over 1"
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("LOAD_REDIS_URL", ""),
        help="a Redis URL for gunicorn's REDIS_URL (its cache and Celery's broker, as in the "
        "docker-compose deployment); default none",
    )
    args = parser.parse_args()
    if args.nodes > 1 and shutil.which("haproxy") is None:
        sys.exit("Two or more nodes need HAProxy in front: apt-get install haproxy.")

    url = os.environ.get("LOAD_DATABASE_URL") or DEFAULT_DATABASE_URL
    environment = _environment(url, args.port, redis=args.redis)
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

    nodes = _nodes_start(args)
    # CPU seconds of this process's waited-for descendants: locust.
    before = _children_cpu()
    load_before = os.getloadavg()
    # gunicorn's and its backends' CPU while locust runs, without the workers' start-up.
    gunicorn_before = sum(_process_tree_cpu(node.pid) for node in nodes)
    postgres_before = _postgres_backends_cpu()
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
        load_after = os.getloadavg()
        gunicorn_cpu = sum(_process_tree_cpu(node.pid) for node in nodes) - gunicorn_before
        # The PostgreSQL backends of gunicorn's workers (persistent connections), read before
        # they close: the database's share of each register.
        postgres_cpu = _postgres_backends_cpu() - postgres_before
        served = _served_by_node(len(nodes)) if len(nodes) > 1 else {}
    finally:
        for node in reversed(nodes):
            node.send_signal(signal.SIGTERM)
            node.wait(timeout=60)
    cpu = {
        "locust": after_locust - before,
        "gunicorn": gunicorn_cpu,
        "postgres": postgres_cpu,
        "load": (load_before, load_after),
        "served": served,
    }
    if not results_file.exists():
        sys.exit(f"locust stopped without results (exit {locust.returncode}).")
    results = json.loads(results_file.read_text())
    saved = results["saved"]
    problems = _marks_problems(saved)
    _report(args, saved, results["requests"], cpu)
    if problems:
        print("The marks do not add up:")
        for problem in problems:
            print(f"  {problem}")
        sys.exit(1)
    print(
        "Counted afterwards: none lost, none duplicated, none without a saved register; "
        "the pupil weeks equal the marks."
    )


def _environment(url: str, port: int, *, redis: str = "") -> dict[str, str]:
    """Production settings on loopback: no TLS in front, so no redirect to https."""
    return {
        "DATABASE_URL": url,
        # Connections kept for the whole run: one closed and reopened meanwhile would take its
        # backend's CPU out of the count (they are read from /proc at the end).
        "CONN_MAX_AGE": "600",
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
        "REDIS_URL": redis,
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


def _nodes_start(args) -> list[subprocess.Popen]:
    """gunicorn on the port, or (`--nodes` over 1) that many on the ports after it, sharing
    the workers, with HAProxy on the port in front; the balancer last."""
    if args.nodes <= 1:
        return [_gunicorn_start(args.port, args.workers)]
    workers = max(2, args.workers // args.nodes)
    ports = [args.port + number for number in range(1, args.nodes + 1)]
    nodes = [_gunicorn_start(port, workers) for port in ports]
    config = OUTPUT / "haproxy.cfg"
    config.write_text(_haproxy_config(args.port, ports))
    balancer = subprocess.Popen(["haproxy", "-db", "-f", str(config)])
    _wait_for(balancer, f"http://127.0.0.1:{args.port}/accounts/login/", "HAProxy")
    return [*nodes, balancer]


HAPROXY_SOCKET = OUTPUT / "haproxy.sock"


def _haproxy_config(port: int, ports: list[int]) -> str:
    """deploy/haproxy.cfg with the nodes on loopback, and a socket for its statistics."""
    text = (REPOSITORY / "deploy" / "haproxy.cfg").read_text()
    text = text.replace("global\n", f"global\n    stats socket {HAPROXY_SOCKET} mode 600\n", 1)
    text = text.replace("    bind :8000", f"    bind 127.0.0.1:{port}")
    head, _servers = text.split("    server web web:8000", 1)
    servers = "".join(
        f"    server web{number} 127.0.0.1:{node}\n" for number, node in enumerate(ports, 1)
    )
    return head + servers


def _served_by_node(nodes: int) -> dict[str, int]:
    """How many requests HAProxy sent to each node (its statistics' `stot`)."""
    with socket.socket(socket.AF_UNIX) as client:
        client.connect(str(HAPROXY_SOCKET))
        client.sendall(b"show stat\n")
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    header, *rows = answer.decode().splitlines()
    columns = header.lstrip("# ").split(",")
    served = {}
    for row in rows:
        fields = dict(zip(columns, row.split(","), strict=False))
        if fields.get("pxname") == "web" and fields.get("svname", "").startswith("web"):
            served[fields["svname"]] = int(fields["stot"])
    return served


def _gunicorn_start(port: int, workers: int) -> subprocess.Popen:
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
        ],
    )
    _wait_for(process, f"http://127.0.0.1:{port}/accounts/login/", "gunicorn")
    return process


def _wait_for(process: subprocess.Popen, url: str, name: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if process.poll() is not None:
                sys.exit(f"{name} stopped at start.")
            time.sleep(0.5)
    process.terminate()
    sys.exit(f"{name} did not answer within a minute.")


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


def _cpu_of(pid: int) -> float:
    """CPU seconds a process has used (from /proc), 0 if it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _process_tree_cpu(pid: int) -> float:
    """CPU seconds of gunicorn's master and its workers so far."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return _cpu_of(pid) + sum(_cpu_of(int(child)) for child in children)


def _postgres_backends_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to the load database,
    but this process's own (read from /proc: PostgreSQL runs on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    return sum(_cpu_of(pid) for pid in pids)


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _report(args, saved: list[list], requests: list[list], cpu: dict) -> None:
    """Rates over the run (first request sent to last answer) and percentiles of every request,
    failures included."""
    print()
    print(common.machine())
    web = (
        f"gunicorn with {args.workers} sync workers"
        if args.nodes <= 1
        else f"{args.nodes} gunicorns with {max(2, args.workers // args.nodes)} sync workers each "
        "behind HAProxy"
    )
    print(
        f"Load test: {args.users} teachers at once for {args.time}, {web} on 127.0.0.1, "
        f"generate_trust {' '.join(TRUST)}; {'with' if args.redis else 'without'} Redis."
    )
    if cpu["served"]:
        print(
            "Requests each node served: "
            + ", ".join(f"{node} {count:,}" for node, count in cpu["served"].items())
        )
    if not requests:
        print("No requests were made.")
        return
    first = min(started for _name, started, _ms, _ok in requests)
    last = max(started + ms / 1000 for _name, started, ms, _ok in requests)
    seconds = last - first
    load_before, load_after = cpu["load"]
    print(
        "Load average (1, 5, 15 min) when locust started: "
        + " ".join(f"{figure:.1f}" for figure in load_before)
        + "; when it stopped: "
        + " ".join(f"{figure:.1f}" for figure in load_after)
        + " (other work on this shared machine slows every figure)."
    )
    print(f"{'':18}{'requests':>9}{'failed':>8}{'per s':>8}{'p50':>10}{'p95':>10}{'p99':>10}")
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
        cores = len(os.sched_getaffinity(0))
        per_register = (cpu["gunicorn"] + cpu["postgres"]) * 1000 / len(saved)
        print(
            f"CPU while locust ran: gunicorn {cpu['gunicorn']:.1f} s "
            f"({cpu['gunicorn'] * 1000 / len(saved):.1f} ms per register opened and saved), "
            f"its PostgreSQL backends {cpu['postgres']:.1f} s "
            f"({cpu['postgres'] * 1000 / len(saved):.1f} ms), locust {cpu['locust']:.1f} s, over "
            f"{seconds:.0f} s on {cores} CPUs: {cpu['gunicorn'] + cpu['postgres']:.0f} of the "
            f"{seconds * cores:.0f} CPU seconds there were went to the application."
        )
        print(
            f"At {per_register:.1f} ms of CPU per register (application and database), {cores} "
            f"CPUs to itself would save at most {cores * 1000 / per_register:.0f} registers a "
            "second."
        )


def _percentile(times: list[float], percent: int) -> float:
    if len(times) < 2:
        return times[0] if times else 0.0
    return statistics.quantiles(times, n=100, method="inclusive")[percent - 1]


if __name__ == "__main__":
    main()
