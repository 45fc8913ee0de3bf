"""What the benchmarks share: their own PostgreSQL database, Django set up, the machine, p95.

Imported by the scripts in this folder (`python benchmarks/<name>.py` puts it on the path).
"""

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent


def database_create_if_missing(url: str, *, example: str) -> str:
    """The benchmark's own PostgreSQL database, created on first use; any other is refused."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"The benchmark needs PostgreSQL; DATABASE_URL is {url}.")
    if "bench" not in name:
        sys.exit(
            f"Refusing to write benchmark data to '{name}': use a database whose name contains "
            f"'bench', such as {example}."
        )
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")
    return name


def django_setup() -> None:
    sys.path.insert(0, str(REPOSITORY))  # for tests.factories, not an installed package
    os.environ["DJANGO_SETTINGS_MODULE"] = "attendance_site.settings"
    os.environ["DEBUG"] = "1"  # for the settings' development defaults; queries are not logged
    import django

    django.setup()


def timed_runs(step: Callable[[], None], *, warmup: int, iterations: int) -> list[float]:
    """Milliseconds of each timed run of `step`, after `warmup` untimed ones."""
    times = []
    for run in range(warmup + iterations):
        started = time.perf_counter()
        step()
        elapsed = (time.perf_counter() - started) * 1000
        if run >= warmup:
            times.append(elapsed)
    return times


def interleaved_runs(
    steps: list[Callable[[], object]], *, warmup: int, iterations: int
) -> list[list[float]]:
    """Milliseconds of each timed run of each step, the steps taking turns run by run, so that
    a busy spell of this shared machine slows them alike and their ratio holds."""
    times: list[list[float]] = [[] for _ in steps]
    for run in range(warmup + iterations):
        for index, step in enumerate(steps):
            started = time.perf_counter()
            step()
            elapsed = (time.perf_counter() - started) * 1000
            if run >= warmup:
                times[index].append(elapsed)
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[94]


def machine() -> str:
    import django
    from django.db import connection

    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    load = " ".join(f"{figure:.1f}" for figure in os.getloadavg())
    return (
        f"Machine: {len(os.sched_getaffinity(0))} CPUs (nproc), {model}; "
        f"Python {platform.python_version()}; PostgreSQL {postgres}; "
        f"Django {django.get_version()}; load average {load} (other work slows every figure)"
    )


# The federation at scale: `generate_trust --schools 50 --pupils-per-school 500
# --years 1 --seed 1`, about 9.6 million marks. Built once into its own database and reused by
# every benchmark that needs it (thresholds, register, dashboards).
SCALE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/attendance_bench_trust"
# BENCH_SCALE_SCHOOLS builds fewer schools for quick iterations on a benchmark whose cost does
# not depend on the trust's size (the register); the README's figures are for 50.
SCALE_ARGUMENTS = {
    "schools": int(os.environ.get("BENCH_SCALE_SCHOOLS") or 50),
    "pupils_per_school": 500,
    "years": 1,
    "seed": 1,
}


@dataclass(frozen=True)
class ScaleData:
    database: str
    federation: Any  # registers.models.Federation
    schools: list  # its School rows, by URN
    pupils: int
    first_day: date  # of the calendar, and of the marks
    last_day: date

    def describe(self) -> str:
        arguments = " ".join(
            f"--{name.replace('_', '-')} {value}" for name, value in SCALE_ARGUMENTS.items()
        )
        return (
            f"Data: generate_trust {arguments} in database {self.database}: "
            f"{len(self.schools)} schools, {self.pupils:,} pupils, marks from "
            f"{self.first_day:%-d %b %Y} to {self.last_day:%-d %b %Y}."
        )


def scale_database() -> ScaleData:
    """Django set up on the scale database, which is built with generate_trust if missing.

    The database is BENCH_SCALE_DATABASE_URL (default SCALE_DATABASE_URL; the name must contain
    "bench"), whatever DATABASE_URL the shell holds. The first build takes some minutes; an
    advisory lock makes a second benchmark started meanwhile wait for it rather than build too.
    """
    url = os.environ.get("BENCH_SCALE_DATABASE_URL") or SCALE_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    database = database_create_if_missing(url, example=SCALE_DATABASE_URL)
    django_setup()

    from django.core.management import call_command
    from django.db import connection

    from demo.trust import TRUST_NAME
    from registers.models import Enrolment, Federation, School, SchoolDay

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [database])
    try:
        call_command("migrate", verbosity=0)
        federation = Federation.objects.filter(name=TRUST_NAME).first()
        schools = list(School.objects.filter(federation=federation).order_by("urn"))
        pupils = Enrolment.objects.filter(school__in=schools).count()
        expected = SCALE_ARGUMENTS["schools"] * SCALE_ARGUMENTS["pupils_per_school"]
        if len(schools) != SCALE_ARGUMENTS["schools"] or pupils != expected:
            print(f"Building the scale data in {database} (some minutes, once) ...", flush=True)
            call_command("generate_trust", replace=True, **SCALE_ARGUMENTS)
            federation = Federation.objects.get(name=TRUST_NAME)
            schools = list(School.objects.filter(federation=federation).order_by("urn"))
            pupils = Enrolment.objects.filter(school__in=schools).count()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [database])
    days = SchoolDay.objects.filter(school__in=schools).order_by("date")
    return ScaleData(
        database=database,
        federation=federation,
        schools=schools,
        pupils=pupils,
        first_day=days.earliest("date").date,
        last_day=days.latest("date").date,
    )
