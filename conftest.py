"""Root fixtures: named personas, a school with a calendar, and the REQUIRE_SERVICES rule.

Tests marked `postgres` or `redis` need that service, `browser` needs Debian's Chromium and
Playwright, `pdf` WeasyPrint's Pango libraries, and `replica` a streaming replica of the test
database's PostgreSQL at TEST_REPLICA_DATABASE_URL (`.ci/run` starts one). On a laptop without
them these tests are skipped, saying why; with REQUIRE_SERVICES=1 (set by .ci/run) a missing
service fails the test instead, so CI always runs every test.
"""

import importlib.util
import os
from datetime import date

import pytest

from registers.services.calendar import school_calendar_rebuild

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
    if marker == "replica":
        url = os.environ.get("TEST_REPLICA_DATABASE_URL")
        if not url:
            return "needs a streaming replica: set TEST_REPLICA_DATABASE_URL=postgres://..."
        import psycopg

        try:
            with psycopg.connect(
                url.replace("postgres://", "postgresql://"), connect_timeout=2
            ) as db:
                (standby,) = db.execute("SELECT pg_is_in_recovery()").fetchone()
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
    for marker in ("postgres", "redis", "browser", "pdf", "replica"):
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


@pytest.fixture
def school(db):
    """Test Primary with one phase and the 2025/26 autumn term (half term 27-31 October)."""
    from tests.factories import SchoolFactory, SessionTimesFactory, TermFactory

    school = SchoolFactory(name="Test Primary")
    SessionTimesFactory(school=school)
    TermFactory(school=school)
    school_calendar_rebuild(school=school)
    return school


@pytest.fixture
def other_school(db):
    """A school in another federation: its staff must see nothing of `school`."""
    from tests.factories import SchoolFactory, SessionTimesFactory, TermFactory

    school = SchoolFactory(name="Elsewhere Primary")
    SessionTimesFactory(school=school)
    TermFactory(school=school)
    school_calendar_rebuild(school=school)
    return school


@pytest.fixture
def teacher_4a(school):
    """A teacher of class 4A at `school`."""
    from tests.factories import MembershipFactory, RegistrationGroupFactory, UserFactory

    user = UserFactory(username="teacher4a", first_name="Tess", last_name="Teacher")
    MembershipFactory(user=user, school=school, position="Year 4 teacher")
    RegistrationGroupFactory(school=school, name="4A").teachers.add(user)
    return user


@pytest.fixture
def office(school):
    """The office manager at `school`."""
    from registers.models import Role
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="office", first_name="Olive", last_name="Office")
    MembershipFactory(user=user, school=school, role=Role.OFFICE, position="Office manager")
    return user


@pytest.fixture
def head_elsewhere(other_school):
    """The head of `other_school`, who must see nothing of `school`."""
    from registers.models import Role
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="headelsewhere", first_name="Hal", last_name="Head")
    MembershipFactory(user=user, school=other_school, role=Role.HEAD, position="Headteacher")
    return user


AUTUMN_2025_FIRST_DAY = date(2025, 9, 3)
