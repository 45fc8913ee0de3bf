"""What the real-browser tests share: Debian's Chromium driven by Playwright against the live
server, where to put screenshots, and a school whose term is built around the real date.

The fixtures `browser` and `results` are made available to every test by tests/conftest.py.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connections

from registers.models import School
from registers.services.calendar import school_calendar_rebuild
from tests.factories import SchoolFactory, SessionTimesFactory, TermFactory

CHROMIUM = "/usr/bin/chromium"  # the path conftest.py's `browser` rule checks
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "a-long-test-password"  # UserFactory's
PHONE = {"width": 375, "height": 667}
RESULTS = Path(__file__).resolve().parent.parent / "test-results"


def school_with_term_around(day: date) -> School:
    """Browser Primary, its calendar built for a term from 30 days before `day` to 30 after.

    The live server runs in a thread with the real date, so the calendar is built around it
    rather than a frozen clock. The AM register opens at 08:45 and closes at 09:15.
    """
    school = SchoolFactory(name="Browser Primary")
    SessionTimesFactory(school=school)
    TermFactory(
        school=school,
        name="This term",
        start=day - timedelta(days=30),
        end=day + timedelta(days=30),
        half_term_start=None,
        half_term_end=None,
    )
    school_calendar_rebuild(school=school)
    return school


@pytest.fixture
def browser(live_server, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Headless Chromium; the test's own ORM calls are allowed while it runs.

    Playwright's sync API runs an asyncio loop in this thread, so Django would refuse them
    (SynchronousOnlyOperation); monkeypatch restores the variable afterwards. While the loop
    runs Django also hands this thread a separate connection that it never closes itself: closed
    here, or PostgreSQL refuses to drop the test database at the end ("accessed by other users").
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


@pytest.fixture
def results(request: pytest.FixtureRequest) -> Path:
    """The test's folder for screenshots, test-results/<test name>/ (ignored by git)."""
    folder = RESULTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
