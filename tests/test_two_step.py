"""Signing in in two steps: heads, the office and administrators give a one-time code from an
authenticator app after their password (django-otp's time-based codes); anyone else may choose.

Issue #21 finding 11 (password spraying), what to build: "time-based one-time passwords (a
maintained library such as django-otp) required for heads, office staff and administrators,
optional for others". These go through the real sign-in pages.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from registers.models import Role
from tests.conftest import LONDON
from tests.factories import staff_member

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # UserFactory's


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 9, 8, 8, 0, tzinfo=LONDON), tick=False) as traveller:
        yield traveller


def _password(client, username: str, next_url: str = ""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _signed_in_fully(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def _set_up(client, clock, user) -> TOTPDevice:
    """Sign in with the password, set up an app from the page, give its first code."""
    _password(client, user.username)
    page = client.get(reverse("two_step_set_up"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = page.context["key"].replace(" ", "")
    assert key and key in page.content.decode().replace(" ", "")
    answer = client.post(
        reverse("two_step_set_up"), {"code": f"{_code(device)[:3]} {_code(device)[3:]}"}
    )
    assert answer.status_code == 302, answer.content.decode()
    clock.shift(timedelta(seconds=31))  # a code is used once: the next one is another
    return TOTPDevice.objects.get(user=user, confirmed=True)


@pytest.mark.parametrize("role", [Role.HEAD, Role.OFFICE, Role.FEDERATION_ADMIN])
def test_heads_the_office_and_federation_admins_set_up_an_app_at_their_first_sign_in(
    client, clock, school, role
):
    user = staff_member(school, role, f"{role}.testprimary")

    response = _password(client, user.username)
    assert response.status_code == 302
    # Every page now leads to the code; with no app yet, to setting one up.
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("two_step"))
    assert client.get(home["Location"])["Location"].startswith(reverse("two_step_set_up"))

    _set_up(client, clock, user)
    assert _signed_in_fully(client)


def test_with_an_app_set_up_the_password_alone_signs_nobody_in(client, clock, head):
    device = _set_up(client, clock, head)
    client.logout()

    _password(client, head.username)
    refused_page = client.get(reverse("absence_today", args=[head.memberships.get().school_id]))
    refused_api = client.get(reverse("api:schools"))
    wrong = client.post(reverse("two_step"), {"code": "000000"})

    assert refused_page.status_code == 302
    assert refused_page["Location"].startswith(reverse("two_step"))
    assert refused_api.status_code == 403 and "code" in refused_api.json()["detail"]
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    clock.shift(timedelta(seconds=2))  # django-otp slows down repeated wrong codes
    right = client.post(reverse("two_step"), {"code": _code(device)})
    assert right.status_code == 302
    assert _signed_in_fully(client)


def test_the_code_takes_the_person_where_they_were_going(client, clock, head, school):
    device = _set_up(client, clock, head)
    client.logout()
    wanted = reverse("absence_today", args=[school.pk]) + "?pupil=1&then=2"

    _password(client, head.username, next_url=wanted)
    asked = client.get(wanted)
    assert asked.status_code == 302
    page = client.get(asked["Location"])
    assert page.context["next"] == wanted  # carried, query and all, in the form's hidden field
    done = client.post(asked["Location"], {"code": _code(device), "next": page.context["next"]})

    assert done["Location"] == wanted
    # Only ever onwards to this site's own pages.
    elsewhere = client.get(reverse("two_step"), {"next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("home")


def test_a_code_cannot_be_used_twice(client, clock, head):
    device = _set_up(client, clock, head)
    client.logout()
    _password(client, head.username)
    code = _code(device)
    assert client.post(reverse("two_step"), {"code": code}).status_code == 302
    client.logout()
    clock.shift(timedelta(seconds=1))  # within the same 30 seconds

    _password(client, head.username)
    assert client.post(reverse("two_step"), {"code": code}).status_code == 400


def test_signing_out_is_always_open(client, clock, head):
    _password(client, head.username)
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_teacher_is_not_asked_unless_they_set_an_app_up(client, clock, school, teacher_4a):
    _password(client, "teacher4a")
    assert _signed_in_fully(client)  # no code asked for

    page = client.get(reverse("home")).content.decode()
    assert reverse("two_step_set_up") in page  # they may choose to
    device = _set_up(client, clock, teacher_4a)
    client.logout()

    _password(client, "teacher4a")
    assert not _signed_in_fully(client)
    assert client.post(reverse("two_step"), {"code": _code(device)}).status_code == 302
    assert _signed_in_fully(client)


def test_the_admin_sites_users_must_give_a_code_too(client, clock, admin_user):
    client.post(reverse("admin:login"), {"username": "admin", "password": "password"})

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_step"))


def test_an_api_token_is_not_asked_for_a_code(client, clock, head):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=head)

    response = client.get(reverse("api:schools"), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
