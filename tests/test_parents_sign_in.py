"""Parents sign in with a one-time link e-mailed to the address on record: no password."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from absences.models import SignInLink
from absences.services.parents import LINK_SENT, token_hash
from registers.models import Contact, Enrolment
from tests.conftest import LONDON, MONDAY
from tests.factories import ContactFactory, PupilContactFactory, enrol_in_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def parent(monday_morning, class_4a) -> Contact:
    """Pat Parent, with parental responsibility for a pupil of 4A."""
    pupil = enrol_in_group(class_4a, 1)[0]
    contact = ContactFactory(name="Pat Parent", email="pat.parent@example.org")
    PupilContactFactory(pupil=pupil, contact=contact, parental_responsibility=True, priority=1)
    return contact


def _ask(client, email: str):
    return client.post(reverse("parent_sign_in_request"), {"email": email}, follow=True)


def _token_from_mail() -> str:
    assert len(mail.outbox) == 1
    found = re.search(r"/parents/sign-in/([^/\s]+)/", mail.outbox[0].body)
    assert found, mail.outbox[0].body
    return found.group(1)


def test_a_parent_gets_a_link_by_email_and_only_its_hash_is_stored(client, parent):
    # Issue: "sign in with a one-time link sent to the email on record".
    response = _ask(client, "Pat.Parent@Example.org ")
    assert LINK_SENT in response.content.decode()
    assert mail.outbox[0].to == ["pat.parent@example.org"]
    token = _token_from_mail()
    link = SignInLink.objects.get()
    assert link.contact == parent
    assert link.token_hash == token_hash(token) != token
    assert link.expires_at - link.created_at == timedelta(minutes=30)


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, parent):
    # Issue: the form answers the same whether or not the address is on record.
    known = _ask(client, "pat.parent@example.org")
    mail.outbox.clear()
    unknown = _ask(client, "nobody@example.org")
    assert unknown.status_code == known.status_code == 200
    assert LINK_SENT in unknown.content.decode()
    assert mail.outbox == []
    assert SignInLink.objects.count() == 1


def test_a_contact_without_parental_responsibility_cannot_sign_in(client, parent, class_4a):
    # Issue: only contacts with parental responsibility for a pupil on roll can sign in.
    grandma = ContactFactory(email="grandma@example.org")
    PupilContactFactory(
        pupil=parent.pupils.get(), contact=grandma, parental_responsibility=False, priority=2
    )
    assert LINK_SENT in _ask(client, "grandma@example.org").content.decode()
    assert mail.outbox == []


def test_a_parent_of_a_pupil_who_has_left_cannot_sign_in(client, parent):
    # Issue: "... for at least one pupil currently on roll".
    Enrolment.objects.filter(pupil__in=parent.pupils.all()).update(
        leaving_date=MONDAY - timedelta(days=1), leaving_reason="moved_away", destination="X"
    )
    _ask(client, "pat.parent@example.org")
    assert mail.outbox == []


def test_requests_for_one_address_are_rate_limited(client, parent):
    # Issue: rate-limit requests per address (three in 15 minutes here).
    for _ in range(5):
        _ask(client, "pat.parent@example.org")
    assert len(mail.outbox) == 3
    assert SignInLink.objects.count() == 3


def test_the_link_signs_in_once_and_creates_an_account_without_a_password(client, parent):
    # Issue: used once; set Contact.user on first sign-in with an unusable password.
    _ask(client, "pat.parent@example.org")
    url = reverse("parent_sign_in", args=[_token_from_mail()])
    assert client.get(url).status_code == 200  # opening the link does not use it
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("parents_home")
    parent.refresh_from_db()
    assert parent.user is not None
    assert not parent.user.has_usable_password()
    assert client.get(reverse("parents_home")).status_code == 200

    client.logout()
    again = client.post(url)
    assert again.status_code == 400
    assert "already been used" in again.content.decode()
    assert get_user_model().objects.filter(parent_contact=parent).count() == 1


def test_a_second_link_signs_in_to_the_same_account(client, parent):
    _ask(client, "pat.parent@example.org")
    client.post(reverse("parent_sign_in", args=[_token_from_mail()]))
    first_user = Contact.objects.get(pk=parent.pk).user
    client.logout()
    mail.outbox.clear()
    _ask(client, "pat.parent@example.org")
    client.post(reverse("parent_sign_in", args=[_token_from_mail()]))
    assert Contact.objects.get(pk=parent.pk).user == first_user
    assert get_user_model().objects.filter(username__startswith="parent-contact-").count() == 1


def test_a_link_expires_after_30_minutes(client, parent):
    # Issue: the link expires in 30 minutes.
    _ask(client, "pat.parent@example.org")
    url = reverse("parent_sign_in", args=[_token_from_mail()])
    with time_machine.travel(datetime(2025, 9, 8, 9, 36, tzinfo=LONDON), tick=False):
        response = client.post(url)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert Contact.objects.get(pk=parent.pk).user is None


def test_a_made_up_token_signs_nobody_in(client, parent):
    response = client.post(reverse("parent_sign_in", args=["not-a-real-token"]))
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_staff_pages_refuse_a_parent_and_parent_pages_refuse_staff(client, parent, office, school):
    # Issue: a parent has no Membership, so staff pages refuse them (issue #21: as not found,
    # since no school is theirs); parents' pages refuse staff.
    _ask(client, "pat.parent@example.org")
    client.post(reverse("parent_sign_in", args=[_token_from_mail()]))
    for name in ("absence_today", "pending_absence_reports", "leave_requests"):
        assert client.get(reverse(name, args=[school.pk])).status_code == 404, name
    client.force_login(office)
    assert client.get(reverse("parents_home")).status_code == 403
    pupil = parent.pupils.get()
    assert client.get(reverse("parents_child", args=[pupil.pk])).status_code == 403
