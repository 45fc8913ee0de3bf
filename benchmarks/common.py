"""What the benchmarks share: their own PostgreSQL database, Django set up, the machine, p95.

Imported by the scripts in this folder (`python benchmarks/<name>.py` puts it on the path).
"""

import os
import platform
import statistics
import sys
from pathlib import Path

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
    return (
        f"Machine: {len(os.sched_getaffinity(0))} CPUs (nproc), {model}; "
        f"Python {platform.python_version()}; PostgreSQL {postgres}; Django {django.get_version()}"
    )
