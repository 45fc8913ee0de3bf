"""The same thing recorded twice is refused, with a link to the one already recorded: a leave
request for days already asked for, and a late-book line already in the book (issue #17)."""

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from absences.models import LeaveCategory, LeaveRequest
from absences.services.leave import leave_request_decide, leave_request_record
from core.errors import AlreadyRecorded
from registers.models import LateArrival
from tests.conftest import MONDAY
from tests.factories import ContactFactory, PupilContactFactory, UserFactory

pytestmark = pytest.mark.django_db

FUNERAL: dict[str, Any] = {
    "category": LeaveCategory.EXCEPTIONAL,
    "reason": "Grandfather's funeral",
    "evidence": "",
    "received_on": MONDAY,
}


def _leave(school, pupil, by, first: date, last: date, first_session="AM", last_session="PM"):
    return leave_request_record(
        school=school,
        pupil=pupil,
        first_day=first,
        first_session=first_session,
        last_day=last,
        last_session=last_session,
        by=by,
        requested_by_name="Mona Parent",
        requester_lives_with_pupil=True,
        **FUNERAL,
    )


def _form(first: str, last: str, pupil, first_session="AM", last_session="PM") -> dict:
    return {
        "pupil": pupil.pk,
        "first_day": first,
        "first_session": first_session,
        "last_day": last,
        "last_session": last_session,
        **FUNERAL,
        "received_on": MONDAY.isoformat(),
        "requested_by_name": "Mona Parent",
        "requester_lives_with_pupil": "on",
    }


def test_the_same_request_recorded_again_is_refused_with_a_link_to_the_first(
    client, monday_morning, school, pupils_4a, office
):
    # Issue #17: "Refuse a second pending leave request that overlaps one already recorded for
    # the pupil ... with a link to the existing one".
    pupil = pupils_4a[0]
    client.force_login(office)
    url = reverse("leave_request_new", args=[school.pk])
    assert client.post(url, _form("2025-09-22", "2025-09-26", pupil)).status_code == 302
    first = LeaveRequest.objects.get()

    again = client.post(url, _form("2025-09-22", "2025-09-26", pupil))

    assert again.status_code == 400
    page = again.content.decode()
    assert "is waiting for the head" in page
    link = reverse("leave_requests", args=[school.pk]) + f"#leave-{first.pk}"
    assert f'href="{link}"' in page
    assert f'id="leave-{first.pk}"' in client.get(link).content.decode()
    assert LeaveRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("first", "last", "first_session", "last_session"),
    [
        (date(2025, 9, 25), date(2025, 9, 30), "AM", "PM"),  # starts inside, ends after
        (date(2025, 9, 19), date(2025, 9, 22), "AM", "AM"),  # ends on its first morning
        (date(2025, 9, 24), date(2025, 9, 24), "PM", "PM"),  # one afternoon within it
        (date(2025, 9, 15), date(2025, 10, 3), "AM", "PM"),  # around it
    ],
)
def test_a_request_overlapping_one_waiting_or_approved_is_refused(
    monday_morning, school, pupils_4a, office, head, first, last, first_session, last_session
):
    # Issue #17: a second request "that overlaps one already recorded for the pupil".
    pupil = pupils_4a[0]
    existing = _leave(school, pupil, office, date(2025, 9, 22), date(2025, 9, 26))
    leave_request_decide(leave=existing, approve=True, reason="Exceptional", by=head)

    with pytest.raises(AlreadyRecorded, match="already approved") as refused:
        _leave(school, pupil, office, first, last, first_session, last_session)

    assert refused.value.existing == existing
    assert LeaveRequest.objects.count() == 1


def test_requests_that_do_not_overlap_or_follow_a_refusal_are_recorded(
    monday_morning, school, pupils_4a, office, head
):
    # Only the same days asked for again are refused: the afternoon after a morning, another
    # pupil's request, and a request asked again after a refusal are new requests.
    pupil, sibling = pupils_4a[0], pupils_4a[1]
    morning = _leave(school, pupil, office, date(2025, 9, 22), date(2025, 9, 22), "AM", "AM")
    _leave(school, pupil, office, date(2025, 9, 22), date(2025, 9, 23), "PM", "PM")
    _leave(school, sibling, office, date(2025, 9, 22), date(2025, 9, 22), "AM", "AM")
    leave_request_decide(leave=morning, approve=False, reason="Not exceptional", by=head)
    _leave(school, pupil, office, date(2025, 9, 22), date(2025, 9, 22), "AM", "AM")

    assert LeaveRequest.objects.count() == 4


def test_the_api_refuses_a_duplicate_request_naming_the_existing_one(
    api, monday_morning, school, pupils_4a, office
):
    # Issue #17: the same rule through the API, with where the existing request is.
    pupil = pupils_4a[0]
    first = _leave(school, pupil, office, date(2025, 9, 22), date(2025, 9, 26))
    body = {
        "school": school.pk,
        "pupil": pupil.pk,
        "first_day": "2025-09-24",
        "last_day": "2025-09-24",
        "category": "C",
        "reason": "Funeral",
    }

    response = api(office).post(
        reverse("api:leave_requests"), body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["existing"] == reverse("api:leave_request", args=[first.pk])
    assert "waiting for the head" in response.json()["detail"]
    assert LeaveRequest.objects.count() == 1


def test_a_parent_asking_again_online_is_shown_the_request_already_made(
    client, monday_morning, school, pupils_4a
):
    # Issue #17: "The same leave request (same pupil and dates) ... recorded twice".
    pupil = pupils_4a[0]
    parent = ContactFactory(name="Pat Parent", user=UserFactory(username="parent-pat"))
    PupilContactFactory(pupil=pupil, contact=parent, priority=1)
    client.force_login(parent.user)
    url = reverse("parents_ask_for_leave", args=[pupil.pk])
    data = {
        "category": "C",
        "first_day": "2025-10-06",
        "first_session": "AM",
        "last_day": "2025-10-07",
        "last_session": "PM",
        "reason": "A family funeral abroad",
    }
    assert client.post(url, data).status_code == 302
    first = LeaveRequest.objects.get()

    again = client.post(url, data)

    assert again.status_code == 400
    link = reverse("parents_child", args=[pupil.pk]) + f"#leave-{first.pk}"
    assert f'href="{link}"' in again.content.decode()
    assert f'id="leave-{first.pk}"' in client.get(link).content.decode()
    assert LeaveRequest.objects.count() == 1


def test_a_late_book_line_already_recorded_is_refused_with_a_link_to_it(
    client, monday_morning, school, pupils_4a, office
):
    # Issue #17: "a late-book line identical to one already recorded" is refused.
    client.force_login(office)
    url = reverse("late_book", args=[school.pk])
    line = {"pupil": pupils_4a[0].pk, "session": "AM", "arrived_at": "09:05", "reason": "Bus"}
    assert client.post(url, line).status_code == 302
    first = LateArrival.objects.get()

    again = client.post(url, {**line, "reason": "Bus late"})

    assert again.status_code == 400
    page = again.content.decode()
    assert "already in the late book" in page
    assert f'href="{url}#late-{first.pk}"' in page and f'id="late-{first.pk}"' in page
    assert LateArrival.objects.count() == 1
    # Another arrival of the same pupil, or the same time for another pupil, is a new line.
    assert client.post(url, {**line, "session": "PM", "arrived_at": "13:40"}).status_code == 302
    assert client.post(url, {**line, "pupil": pupils_4a[1].pk}).status_code == 302
    assert LateArrival.objects.count() == 3
