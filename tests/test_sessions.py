"""Signed-in sessions on a shared school computer: signed out when idle, and never cached.

Issue #21 finding 10: "Sessions last 14 days with no idle timeout, and signed-in pages and
exports carry no Cache-Control: risky on a shared school computer." What to build: "a
configurable idle timeout (default 30 minutes for staff) and `Cache-Control: no-store, private`
on every signed-in answer".
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.conftest import LONDON

pytestmark = pytest.mark.django_db

NINE = datetime(2025, 9, 8, 9, 0, tzinfo=LONDON)


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def _home(client):
    return client.get(reverse("home"))


def test_a_session_left_idle_for_more_than_30_minutes_is_signed_out(client, office):
    with _at(NINE):
        client.force_login(office)
        assert _home(client).status_code == 200
    with _at(NINE + timedelta(minutes=31)):
        response = _home(client)
        api = client.get(reverse("api:schools"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert api.status_code == 403


def test_using_the_site_keeps_the_session_open(client, office):
    with _at(NINE):
        client.force_login(office)
    for minutes in (0, 25, 50, 75):
        with _at(NINE + timedelta(minutes=minutes)):
            assert _home(client).status_code == 200, minutes


def test_the_sign_in_page_says_why_after_an_idle_sign_out(client, office):
    with _at(NINE):
        client.force_login(office)
    with _at(NINE + timedelta(minutes=40)):
        page = client.get(reverse("home"), follow=True).content.decode()
    assert "signed out after 30 minutes without using the site" in page


def test_the_idle_timeout_is_a_setting(client, office):
    assert settings.SESSION_IDLE_TIMEOUT.total_seconds() == 30 * 60  # the default
    with override_settings(SESSION_IDLE_TIMEOUT=timedelta(minutes=5)):
        with _at(NINE):
            client.force_login(office)
        with _at(NINE + timedelta(minutes=6)):
            assert _home(client).status_code == 302


def test_no_session_lasts_longer_than_a_working_day():
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_an_api_token_opens_no_session(client, office):
    token = Token.objects.create(user=office)

    response = client.get(reverse("api:schools"), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_every_signed_in_answer_is_not_to_be_stored(client, monday_morning, school, office):
    # Pages, exports and the API alike.
    token = Token.objects.create(user=office)
    client.force_login(office)
    answers = [
        _home(client),
        client.get(reverse("absence_today", args=[school.pk])),
        client.get(reverse("followup_la_illness_csv", args=[school.pk])),
        client.get(reverse("api:schools")),
    ]
    client.logout()
    answers.append(client.get(reverse("api:schools"), HTTP_AUTHORIZATION=f"Token {token.key}"))

    assert [answer.status_code for answer in answers] == [200] * 5
    assert all(_no_store(answer) for answer in answers)
