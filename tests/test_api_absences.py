"""The absences API: the contact log and leave requests, read and written through the pages'
services, for the office, attendance lead and head of the school only."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from absences.models import (
    CallDirection,
    CallOutcome,
    LeaveCategory,
    LeaveDecision,
    LeaveRequest,
    ParentCall,
)
from absences.services.leave import leave_request_record
from registers.models import Amendment, Mark, Role
from tests.conftest import LONDON, MONDAY
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilContactFactory,
    RegistrationGroupFactory,
    enrol_in_group,
    staff_member,
)
from tests.test_api_registers import _ids

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def pupils_4a(class_4a):
    return enrol_in_group(class_4a, surnames=["Adams", "Brown"])


@pytest.fixture
def pupil_elsewhere(other_school):
    group = RegistrationGroupFactory(school=other_school, name="4A")
    return enrol_in_group(group, surnames=["Elsewhere"])[0]


def _call(school, pupil, by, **overrides) -> ParentCall:
    fields = {
        "school": school,
        "pupil": pupil,
        "contact_name": "Pat Parent",
        "direction": CallDirection.WE_CALLED,
        "outcome": CallOutcome.NO_ANSWER,
        "called_at": timezone.now(),
        "recorded_by": by,
        **overrides,
    }
    return ParentCall.objects.create(**fields)


def _call_body(school, pupil, **overrides) -> dict:
    return {
        "school": school.pk,
        "pupil": pupil.pk,
        "contact_name": "Pat Parent",
        "direction": CallDirection.WE_CALLED,
        "outcome": CallOutcome.REACHED,
        "reason_given": "Sick overnight",
        "code": "I",
        "first_day": "2025-09-08",
        "last_day": "2025-09-08",
        **overrides,
    }


def _leave_body(school, pupil, **overrides) -> dict:
    return {
        "school": school.pk,
        "pupil": pupil.pk,
        "first_day": "2025-09-22",
        "last_day": "2025-09-26",
        "category": LeaveCategory.EXCEPTIONAL,
        "reason": "Grandfather's funeral abroad",
        "evidence": "Funeral director's letter",
        **overrides,
    }


# The contact log


def test_the_office_lists_its_schools_calls_newest_first_and_never_anothers(
    api, monday_morning, school, other_school, office, office_elsewhere, pupils_4a, pupil_elsewhere
):
    # Issue #8: calls are for the office, lead and head of that school.
    earlier = _call(
        school, pupils_4a[0], office, called_at=datetime(2025, 9, 8, 8, 30, tzinfo=LONDON)
    )
    later = _call(school, pupils_4a[1], office)
    elsewhere = _call(other_school, pupil_elsewhere, office_elsewhere)

    assert _ids(api(office).get(reverse("api:calls"))) == [later.pk, earlier.pk]
    assert _ids(api(office_elsewhere).get(reverse("api:calls"))) == [elsewhere.pk]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.GOVERNOR, Role.FEDERATION_ADMIN])
def test_teachers_governors_and_federation_admins_see_no_calls(
    api, monday_morning, school, office, pupils_4a, role
):
    _call(school, pupils_4a[0], office)
    user = staff_member(school, role, "someone")

    assert _ids(api(user).get(reverse("api:calls"))) == []


def test_calls_filter_by_pupil_outcome_and_day(api, monday_morning, school, office, pupils_4a):
    reached = _call(school, pupils_4a[0], office, outcome=CallOutcome.REACHED)
    missed = _call(school, pupils_4a[1], office)
    url = reverse("api:calls")
    client = api(office)

    assert _ids(client.get(url, {"pupil": pupils_4a[1].pk})) == [missed.pk]
    assert _ids(client.get(url, {"outcome": "reached"})) == [reached.pk]
    assert _ids(client.get(url, {"date_from": "2025-09-09"})) == []
    assert len(_ids(client.get(url, {"date_to": "2025-09-08"}))) == 2


def test_a_call_read_names_the_pupil_and_who_logged_it(
    api, monday_morning, school, office, pupils_4a
):
    _call(school, pupils_4a[0], office, reason_given="")

    row = api(office).get(reverse("api:calls")).json()["results"][0]

    assert row["pupil"] == {"id": pupils_4a[0].pk, "upn": pupils_4a[0].upn, "name": "Sam Adams"}
    assert row["recorded_by"] == "Olive Office"
    assert (row["direction"], row["outcome"]) == ("we_called", "no_answer")


@pytest.mark.parametrize("count", [2, 20])
def test_listing_calls_takes_the_same_queries_for_any_number(
    api, monday_morning, school, office, class_4a, count, django_assert_max_num_queries
):
    for pupil in enrol_in_group(class_4a, count):
        _call(school, pupil, office)
    client = api(office)

    # Session, user, count, page, and the disclosure log's row (issue #21).
    with django_assert_max_num_queries(5):
        assert len(_ids(client.get(reverse("api:calls")))) == count


def test_logging_a_call_that_gives_a_reason_codes_today_as_an_amendment(
    api, monday_morning, school, office, teacher_4a, pupils_4a
):
    # Both policies: the correct code is entered as soon as the reason is known; an N saved by
    # the register is kept as the original of an amendment.
    absent = pupils_4a[0]
    mark = MarkFactory(pupil=absent, school=school, code_id="N", recorded_by=teacher_4a)
    mum = ContactFactory(name="Mum Adams")
    PupilContactFactory(pupil=absent, contact=mum)

    response = api(office).post(
        reverse("api:calls"),
        _call_body(school, absent, contact=mum.pk, contact_name="", last_session="AM"),
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["sessions_coded"], body["reported_until"], body["safeguarding_flag"]) == (
        1,
        None,
        False,
    )
    assert body["call"]["contact_name"] == "Mum Adams"
    mark.refresh_from_db()
    assert mark.code_id == "I"
    assert Amendment.objects.get(mark=mark).reason == "Parent call: Mum Adams"


def test_a_call_refused_by_the_rules_answers_400_with_the_reason_and_saves_nothing(
    api, monday_morning, school, office, pupils_4a
):
    # "N means the reason is not yet known": a call cannot code N.
    response = api(office).post(
        reverse("api:calls"), _call_body(school, pupils_4a[0], code="N"), content_type=JSON
    )

    assert response.status_code == 400
    assert "N means the reason is not yet known" in response.json()["detail"]
    assert not ParentCall.objects.exists() and not Mark.objects.exists()


def test_a_call_with_a_malformed_body_names_each_field(api, monday_morning, school, office):
    response = api(office).post(
        reverse("api:calls"),
        {"school": school.pk, "direction": "sideways", "outcome": "reached"},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert set(response.json()) == {"pupil", "direction"}


def test_a_call_naming_someone_elses_contact_is_refused(
    api, monday_morning, school, office, pupils_4a
):
    stranger = ContactFactory(name="Not Theirs")
    PupilContactFactory(pupil=pupils_4a[1], contact=stranger)

    response = api(office).post(
        reverse("api:calls"),
        _call_body(school, pupils_4a[0], contact=stranger.pk),
        content_type=JSON,
    )

    assert response.status_code == 400
    assert list(response.json()) == ["contact"]
    assert not ParentCall.objects.exists()


def test_another_schools_office_cannot_log_a_call_about_our_pupil(
    api, monday_morning, school, office_elsewhere, other_school, pupils_4a, pupil_elsewhere
):
    # Issue #7: another school's staff are refused, naming nothing (issue #21: a 404, not even
    # saying the school exists); a pupil not on the roll of their own school is not found.
    refused = api(office_elsewhere).post(
        reverse("api:calls"), _call_body(school, pupils_4a[0]), content_type=JSON
    )
    not_theirs = api(office_elsewhere).post(
        reverse("api:calls"), _call_body(other_school, pupils_4a[0]), content_type=JSON
    )

    assert refused.status_code == 404
    assert "Test Primary" not in refused.content.decode()
    assert not_theirs.status_code == 404
    assert pupils_4a[0].legal_surname not in not_theirs.content.decode()
    assert not ParentCall.objects.exists()


# Leave requests


def test_the_office_records_a_leave_request_for_the_head_to_decide(
    api, monday_morning, school, office, pupils_4a
):
    # "Any request should be submitted ... where possible, at least three weeks before."
    response = api(office).post(
        reverse("api:leave_requests"), _leave_body(school, pupils_4a[0]), content_type=JSON
    )

    assert response.status_code == 201, response.content
    body = response.json()
    leave = LeaveRequest.objects.get()
    assert body["id"] == leave.pk
    assert (body["decision"], body["short_notice"], body["received_on"]) == (
        "pending",
        True,
        "2025-09-08",
    )
    assert (body["first_session"], body["last_session"]) == ("AM", "PM")
    assert body["recorded_by"] == "Olive Office" and body["decided_by"] is None
    assert leave.recorded_by == office and leave.decision == LeaveDecision.PENDING


def test_a_leave_request_refused_by_the_rules_answers_400_and_saves_nothing(
    api, monday_morning, school, office, pupils_4a
):
    response = api(office).post(
        reverse("api:leave_requests"),
        _leave_body(school, pupils_4a[0], first_day="2025-09-26", last_day="2025-09-22"),
        content_type=JSON,
    )
    weekend = api(office).post(
        reverse("api:leave_requests"),
        _leave_body(school, pupils_4a[0], first_day="2025-09-20"),
        content_type=JSON,
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "The last day is before the first day."}
    assert weekend.status_code == 400
    assert "is not a school day at Test Primary" in weekend.json()["detail"]
    assert not LeaveRequest.objects.exists()


def test_a_leave_request_with_an_unknown_kind_names_the_field(
    api, monday_morning, school, office, pupils_4a
):
    response = api(office).post(
        reverse("api:leave_requests"),
        _leave_body(school, pupils_4a[0], category="sabbatical"),
        content_type=JSON,
    )

    assert response.status_code == 400
    assert list(response.json()) == ["category"]
    assert not LeaveRequest.objects.exists()


def test_leave_requests_are_listed_and_read_by_their_school_only(
    api, monday_morning, school, office, office_elsewhere, teacher_4a, pupils_4a
):
    leave = leave_request_record(
        school=school,
        pupil=pupils_4a[0],
        first_day=date(2025, 9, 22),
        first_session="AM",
        last_day=date(2025, 9, 26),
        last_session="PM",
        category=LeaveCategory.EXCEPTIONAL,
        reason="Funeral",
        evidence="",
        received_on=MONDAY,
        by=office,
    )
    detail = reverse("api:leave_request", args=[leave.pk])

    assert _ids(api(office).get(reverse("api:leave_requests"))) == [leave.pk]
    assert api(office).get(detail).json()["reason"] == "Funeral"
    assert _ids(api(office_elsewhere).get(reverse("api:leave_requests"))) == []
    assert api(office_elsewhere).get(detail).status_code == 404
    assert api(teacher_4a).get(detail).status_code == 404


def test_leave_requests_filter_by_decision_and_dates(
    api, monday_morning, school, office, pupils_4a
):
    def record(first, last):
        return leave_request_record(
            school=school,
            pupil=pupils_4a[0],
            first_day=first,
            first_session="AM",
            last_day=last,
            last_session="PM",
            category=LeaveCategory.EXCEPTIONAL,
            reason="Funeral",
            evidence="",
            received_on=MONDAY,
            by=office,
        )

    september = record(date(2025, 9, 22), date(2025, 9, 23))
    october = record(date(2025, 10, 6), date(2025, 10, 7))
    client = api(office)
    url = reverse("api:leave_requests")

    assert _ids(client.get(url, {"date_from": "2025-10-01"})) == [october.pk]
    assert _ids(client.get(url, {"date_to": "2025-09-30"})) == [september.pk]
    assert _ids(client.get(url, {"decision": "approved"})) == []
    assert client.get(url, {"decision": "maybe"}).status_code == 400
