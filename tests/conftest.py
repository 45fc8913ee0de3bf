"""Fixtures for the register tests: class 4A at Test Primary on a frozen Monday morning."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from registers.models import RegistrationGroup
from tests.browser import browser, results  # noqa: F401 (the real-browser tests' fixtures)
from tests.factories import enrol_in_group

LONDON = ZoneInfo("Europe/London")
# Monday 8 September 2025, a school day of the `school` fixture's autumn term.
MONDAY = date(2025, 9, 8)


@pytest.fixture
def monday_morning():
    """The clock at 09:05 on MONDAY, while the AM register (08:45-09:15) is open."""
    with time_machine.travel(datetime(2025, 9, 8, 9, 5, tzinfo=LONDON), tick=False):
        yield MONDAY


@pytest.fixture
def class_4a(teacher_4a) -> RegistrationGroup:
    return RegistrationGroup.objects.get(name="4A")


@pytest.fixture
def pupils_4a(class_4a) -> list:
    """Five pupils in 4A since 1 September 2025."""
    return enrol_in_group(class_4a, 5)


@pytest.fixture(params=["session", "token"])
def api(request, client):
    """`api(user)`: the test client signed in as `user` by session, then (the test runs again)
    by token: issue #7, "API by token or session, the same permissions"."""
    from rest_framework.authtoken.models import Token

    def sign_in(user):
        if request.param == "session":
            client.force_login(user)
        else:
            token, _ = Token.objects.get_or_create(user=user)
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _force_login_signs_in_both_steps(monkeypatch):
    """`client.force_login(user)` stands for a whole sign-in, as it stands for the password: the
    second step (a one-time code, attendance_site/two_step.py) done too. Signing in through the
    pages, in two steps, is tested in tests/test_two_step.py and the browser tests."""
    from django.test import Client

    from attendance_site.two_step import SECOND_STEP_DUE

    force_login = Client.force_login

    def signed_in_both_steps(self, user, backend=None):
        force_login(self, user, backend)
        session = self.session
        if session.pop(SECOND_STEP_DUE, None):
            session.save()

    monkeypatch.setattr(Client, "force_login", signed_in_both_steps)
