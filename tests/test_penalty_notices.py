"""Penalty notices: amounts by sequence, the two-notice limit per parent, payment, the LA."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.errors import DomainError
from penalties.models import LADecision, PenaltyNotice, PenaltyNoticeKind, ThresholdCase
from penalties.services import (
    penalty_notice_la_decision_record,
    penalty_notice_payment_record,
    penalty_notice_record,
    threshold_cases_open,
)
from tests.factories import PupilContactFactory
from tests.test_thresholds import pupil_at, whole_days

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
ISSUED = date(2025, 9, 22)
NATIONAL = PenaltyNoticeKind.NATIONAL


@pytest.fixture
def today():
    """Late in 2028, so notices can be recorded on any earlier day."""
    with time_machine.travel(datetime(2028, 12, 1, 10, 0, tzinfo=LONDON), tick=False):
        yield date(2028, 12, 1)


@pytest.fixture
def case(school, today) -> ThresholdCase:
    # These tests record notices years after the window; how old evidence may be is pinned in
    # test_penalty_decisions.py, so here the federation allows the longest.
    school.federation.penalty_evidence_max_age_school_weeks = 52
    school.federation.save()
    pupil = pupil_at(school)
    pupil.legal_surname = "Absentia"
    pupil.save()
    whole_days(pupil, school, date(2025, 9, 8), 5, "G")
    threshold_cases_open(school=school, as_of=date(2025, 9, 19))
    return ThresholdCase.objects.get()


@pytest.fixture
def mother(case):
    return PupilContactFactory(pupil=case.pupil, contact__name="Mona Absentia").contact


@pytest.fixture
def father(case):
    return PupilContactFactory(
        pupil=case.pupil, contact__name="Fred Absentia", relationship="Father", priority=2
    ).contact


def record(case, parent, by, issued_on=ISSUED, kind=NATIONAL):
    return penalty_notice_record(
        case=case, parent=parent, kind=kind, issued_on=issued_on, served_by="hand", by=by
    )


def amounts(notice):
    return (notice.reduced_amount, notice.reduced_due_on, notice.full_amount, notice.full_due_on)


def test_a_first_notice_is_80_within_21_days_else_160_within_28(case, mother, head):
    # "If issued with a first penalty notice, the parent must pay £80 within 21 days, or £160
    # within 28 days."
    notice = record(case, mother, head)
    assert notice.sequence == 1
    assert amounts(notice) == (
        Decimal(80),
        ISSUED + timedelta(days=21),
        Decimal(160),
        ISSUED + timedelta(days=28),
    )


def test_a_second_within_3_years_is_160_within_28_days(case, mother, head):
    # "A second penalty notice ... is charged at a flat rate of £160 if paid within 28 days."
    record(case, mother, head)
    second = record(case, mother, head, issued_on=date(2027, 3, 1))
    assert second.sequence == 2
    assert amounts(second) == (None, None, Decimal(160), date(2027, 3, 29))


def test_a_third_within_3_years_of_the_first_is_refused_for_alternative_action(
    case, mother, head, client
):
    # "A third penalty notice cannot be issued ... within 3 years of the date of issue of the
    # first ... alternative action should be taken instead."
    record(case, mother, head)
    record(case, mother, head, issued_on=date(2026, 9, 1))
    with pytest.raises(DomainError, match="Alternative action.*prosecution"):
        record(case, mother, head, issued_on=date(2028, 9, 21))
    assert PenaltyNotice.objects.count() == 2

    client.force_login(head)
    page = client.get(reverse("threshold_case", args=[case.school_id, case.pk]))
    assert page.context["alternative_action_for"] == []  # 1 December 2028 is past 3 years
    with time_machine.travel(datetime(2027, 1, 4, 10, 0, tzinfo=LONDON), tick=False):
        page = client.get(reverse("threshold_case", args=[case.school_id, case.pk]))
    assert page.context["alternative_action_for"] == ["Mona Absentia"]
    assert "alternative action" in page.content.decode()


def test_a_notice_3_years_after_the_first_counts_as_a_first_again(case, mother, head):
    # "within 3 years of the date of issue of the first": a rolling 3-year period.
    record(case, mother, head)
    record(case, mother, head, issued_on=date(2026, 9, 1))
    again = record(case, mother, head, issued_on=date(2028, 9, 22))
    assert again.sequence == 1
    assert again.reduced_amount == Decimal(80)


def test_each_liable_parent_is_counted_separately(case, mother, father, head):
    # "Each parent who is liable for the pupil's offence(s) can be issued with a penalty notice"
    record(case, mother, head)
    record(case, mother, head, issued_on=date(2026, 1, 5))
    fathers = record(case, father, head, issued_on=date(2026, 1, 5))
    assert (fathers.sequence, fathers.reduced_amount) == (1, Decimal(80))


def test_the_suspension_kind_is_60_or_120_and_does_not_count(case, mother, head, school):
    # "the parent must pay £60 within 21 days, or £120 ... do not count towards the limit"
    suspension = penalty_notice_record(
        pupil=case.pupil,
        school=school,
        parent=mother,
        kind=PenaltyNoticeKind.SUSPENSION_PUBLIC_PLACE,
        issued_on=ISSUED,
        served_by="hand",
        by=head,
    )
    assert amounts(suspension) == (
        Decimal(60),
        ISSUED + timedelta(days=21),
        Decimal(120),
        ISSUED + timedelta(days=28),
    )
    assert suspension.sequence is None
    assert record(case, mother, head, issued_on=ISSUED + timedelta(days=1)).sequence == 1
    assert record(case, mother, head, issued_on=ISSUED + timedelta(days=2)).sequence == 2


def test_a_notice_only_goes_to_a_parent_with_responsibility(case, head):
    # "Each parent who is liable": a contact without parental responsibility is not.
    neighbour = PupilContactFactory(
        pupil=case.pupil, parental_responsibility=False, relationship="Neighbour"
    ).contact
    with pytest.raises(DomainError, match="parent of the pupil"):
        record(case, neighbour, head)
    assert not PenaltyNotice.objects.exists()


def test_payment_within_21_days_must_be_the_reduced_amount(case, mother, head):
    # "£80 within 21 days, or £160 within 28 days"
    notice = record(case, mother, head)
    with pytest.raises(DomainError, match="£80.00"):
        penalty_notice_payment_record(
            notice=notice, paid_on=ISSUED + timedelta(days=21), amount=160, by=head
        )
    paid = penalty_notice_payment_record(
        notice=notice, paid_on=ISSUED + timedelta(days=21), amount=80, by=head
    )
    assert (paid.paid_on, paid.amount_paid) == (ISSUED + timedelta(days=21), Decimal(80))


def test_payment_after_21_days_must_be_the_full_amount(case, mother, head):
    notice = record(case, mother, head)
    with pytest.raises(DomainError, match="£160.00"):
        penalty_notice_payment_record(
            notice=notice, paid_on=ISSUED + timedelta(days=22), amount=80, by=head
        )
    penalty_notice_payment_record(
        notice=notice, paid_on=ISSUED + timedelta(days=28), amount=160, by=head
    )


def test_payment_after_28_days_is_refused(case, mother, head):
    # "If the payment has not been made after 28 days, the local authority can decide"
    notice = record(case, mother, head)
    with pytest.raises(DomainError, match="28 days"):
        penalty_notice_payment_record(
            notice=notice, paid_on=ISSUED + timedelta(days=29), amount=160, by=head
        )


def test_the_la_decides_only_when_unpaid_28_days_after_issue(case, mother, head):
    # "If the payment has not been made after 28 days, the local authority can decide whether
    # to prosecute or withdraw the notice."
    with time_machine.travel(datetime(2025, 10, 20, 10, 0, tzinfo=LONDON), tick=False):
        notice = record(case, mother, head)  # 28 days on is 20 October
        with pytest.raises(DomainError, match="unpaid 28 days"):
            penalty_notice_la_decision_record(notice=notice, decision=LADecision.PROSECUTE, by=head)
    with time_machine.travel(datetime(2025, 10, 21, 10, 0, tzinfo=LONDON), tick=False):
        decided = penalty_notice_la_decision_record(
            notice=notice, decision=LADecision.PROSECUTE, by=head
        )
    assert decided.la_decision == LADecision.PROSECUTE


def test_the_la_does_not_decide_on_a_paid_notice(case, mother, head):
    notice = record(case, mother, head)
    penalty_notice_payment_record(notice=notice, paid_on=ISSUED, amount=80, by=head)
    with pytest.raises(DomainError, match="paid"):
        penalty_notice_la_decision_record(notice=notice, decision=LADecision.WITHDRAW, by=head)


def test_the_head_records_a_notice_and_payment_from_the_case_page(case, mother, head, client):
    client.force_login(head)
    link = case.pupil.pupil_contacts.get(contact=mother)
    response = client.post(
        reverse("penalty_notice_record", args=[case.school_id, case.pk]),
        {"parent": link.pk, "issued_on": ISSUED.isoformat(), "served_by": "hand"},
    )
    assert response.status_code == 302
    notice = PenaltyNotice.objects.get()
    response = client.post(
        reverse("penalty_notice_payment", args=[case.school_id, notice.pk]),
        {"paid_on": ISSUED.isoformat(), "amount": "160"},
    )
    assert response.status_code == 400  # £80 was due that day
    notice.refresh_from_db()
    assert notice.paid_on is None


@pytest.mark.parametrize("persona", ["office", "teacher_4a", "head_elsewhere"])
def test_others_cannot_record_notices(case, mother, persona, request, client):
    # Only the attendance lead and the head; another school's head sees nothing.
    client.force_login(request.getfixturevalue(persona))
    link = case.pupil.pupil_contacts.get(contact=mother)
    response = client.post(
        reverse("penalty_notice_record", args=[case.school_id, case.pk]),
        {"parent": link.pk, "issued_on": ISSUED.isoformat(), "served_by": "hand"},
    )
    # Issue #21: another school's case is not found; this school's other roles are refused.
    assert response.status_code == (404 if persona == "head_elsewhere" else 403)
    assert "Absentia" not in response.content.decode()
    assert not PenaltyNotice.objects.exists()
