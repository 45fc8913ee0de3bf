"""The REQUIRE_SERVICES rule (the schools and personas are in tests/conftest.py).

Tests marked `postgres` or `redis` need that service, `redis_server` the `redis-server` program
(for Redis servers a test starts and stops on ports of its own), `browser` needs Debian's
Chromium and Playwright, `pdf` WeasyPrint's Pango libraries, and `replica` a streaming replica
of the test database's PostgreSQL at TEST_REPLICA_DATABASE_URL (`.ci/run` starts one). On a
laptop without them these tests are skipped, saying why; with REQUIRE_SERVICES=1 (set by
.ci/run) a missing service fails the test instead, so CI always runs every test.
"""

import importlib.util
import os
import shutil

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download is not used


def _service_missing(marker: str) -> str | None:
    if marker == "postgres":
        from django.db import connection

        if connection.vendor != "postgresql":
            return (
                "needs PostgreSQL: set DATABASE_URL=postgres://... (the embedded SQLite is in use)"
            )
    if marker == "redis":
        url = os.environ.get("REDIS_URL")
        if not url:
            return "needs Redis: set REDIS_URL=redis://..."
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.RedisError as error:
            return f"needs Redis at REDIS_URL, which did not answer ({error.__class__.__name__})"
    if marker == "redis_server" and shutil.which("redis-server") is None:
        return "needs the redis-server program to start its own (apt-get install redis-server)"
    if marker == "replica":
        url = os.environ.get("TEST_REPLICA_DATABASE_URL")
        if not url:
            return "needs a streaming replica: set TEST_REPLICA_DATABASE_URL=postgres://..."
        import psycopg

        try:
            with psycopg.connect(
                url.replace("postgres://", "postgresql://"), connect_timeout=2
            ) as db:
                row = db.execute("SELECT pg_is_in_recovery()").fetchone()
                standby = bool(row and row[0])
        except psycopg.Error as error:
            return f"needs the replica at TEST_REPLICA_DATABASE_URL ({error.__class__.__name__})"
        if not standby:
            return "needs TEST_REPLICA_DATABASE_URL to be a standby (pg_is_in_recovery)"
    if marker == "pdf":
        try:
            import weasyprint

            weasyprint.HTML(string="<p>check</p>").write_pdf()
        except (ImportError, OSError) as error:
            return f"needs WeasyPrint's Pango libraries (apt-get install libpango-1.0-0): {error}"
    if marker == "browser":
        if not os.access(CHROMIUM, os.X_OK):
            return f"needs Chromium at {CHROMIUM}: apt-get install chromium"
        if importlib.util.find_spec("playwright") is None:
            return "needs Playwright for Python: pip install -e '.[dev]'"
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_SERVICES and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise pytest.UsageError("REQUIRE_SERVICES=1 needs DATABASE_URL pointing at PostgreSQL.")


@pytest.fixture(autouse=True)
def _required_services(request: pytest.FixtureRequest) -> None:
    for marker in ("postgres", "redis", "redis_server", "browser", "pdf", "replica"):
        if request.node.get_closest_marker(marker) is None:
            continue
        if marker == "postgres":
            request.getfixturevalue("db")
        reason = _service_missing(marker)
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}")
        pytest.skip(reason)
