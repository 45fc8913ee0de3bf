"""The page for penalty notices for a suspended or excluded pupil found in a public place."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from penalties.models import PenaltyNotice, PenaltyNoticeKind
from penalties.services.penalty_notices import national_sequence
from tests.factories import (
    EnrolmentFactory,
    PupilContactFactory,
    PupilFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def today():
    with time_machine.travel(datetime(2025, 10, 13, 10, 0, tzinfo=LONDON), tick=False):
        yield date(2025, 10, 13)


@pytest.fixture
def mother(school, today):
    pupil = PupilFactory(legal_forename="Sid", legal_surname="Suspended")
    EnrolmentFactory(pupil=pupil, school=school)
    return PupilContactFactory(pupil=pupil, contact__name="Mona Suspended")


def _url(school) -> str:
    return reverse("suspension_notices", args=[school.pk])


def test_the_head_records_one_at_60_within_21_days_else_120_and_it_is_not_counted(
    client, school, mother, head
):
    # Seed policy: "the parent must pay £60 within 21 days, or £120"; these notices "do not
    # count towards the limit as part of the escalation process".
    client.force_login(head)
    response = client.post(
        _url(school), {"parent": mother.pk, "issued_on": "2025-10-10", "served_by": "hand"}
    )
    assert response.status_code == 302
    notice = PenaltyNotice.objects.get()
    assert notice.kind == PenaltyNoticeKind.SUSPENSION_PUBLIC_PLACE and notice.case is None
    assert (notice.reduced_amount, notice.full_amount) == (Decimal(60), Decimal(120))
    assert (notice.reduced_due_on, notice.full_due_on) == (date(2025, 10, 31), date(2025, 11, 7))
    assert "Mona Suspended" in client.get(_url(school)).content.decode()
    first = national_sequence(
        pupil=mother.pupil,
        parent_id=mother.contact_id,
        issued_on=date(2025, 10, 13),
        counting="from_first",
    )
    assert first == 1


def test_a_payment_is_recorded_from_the_page_and_a_wrong_amount_is_refused(
    client, school, mother, head
):
    client.force_login(head)
    client.post(_url(school), {"parent": mother.pk, "issued_on": "2025-10-10", "served_by": "hand"})
    notice = PenaltyNotice.objects.get()
    pay = reverse("penalty_notice_payment", args=[school.pk, notice.pk])
    refused = client.post(pay, {"paid_on": "2025-10-13", "amount": "120"})
    assert refused.status_code == 400
    notice.refresh_from_db()
    assert notice.paid_on is None
    assert client.post(pay, {"paid_on": "2025-10-13", "amount": "60"}).status_code == 302
    notice.refresh_from_db()
    assert (notice.paid_on, notice.amount_paid) == (date(2025, 10, 13), Decimal(60))


def test_the_office_a_teacher_and_another_school_cannot_open_it(
    client, school, mother, office, teacher_4a, head_elsewhere
):
    for user in (office, teacher_4a, head_elsewhere):
        client.force_login(user)
        response = client.get(_url(school))
        assert response.status_code == (404 if user == head_elsewhere else 403)  # issue #21
        assert "Suspended" not in response.content.decode().split('<main id="main">')[1]
