"""Threshold cases in the API: the attendance lead and head of the school read them; nobody
else sees that a case exists."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from penalties.models import CaseRoute, ThresholdCase
from penalties.services import case_route_decide, case_support_record, threshold_cases_open
from registers.models import Role
from tests.conftest import LONDON
from tests.factories import staff_member
from tests.test_api_registers import _ids
from tests.test_thresholds import pupil_at, whole_days

pytestmark = pytest.mark.django_db

FRIDAY = date(2025, 9, 19)  # week 3 of the `school` fixture's autumn term


@pytest.fixture
def friday_evening():
    with time_machine.travel(datetime(2025, 9, 19, 18, 0, tzinfo=LONDON), tick=False):
        yield FRIDAY


def _absent_pupils(school, count: int, surname: str = "Absent"):
    """Pupils of `school` with 10 sessions of holiday in term time (week 2): each meets the
    national threshold."""
    pupils = []
    for index in range(count):
        pupil = pupil_at(school)
        pupil.legal_surname = f"{surname}{index:02d}"
        pupil.save()
        whole_days(pupil, school, date(2025, 9, 8), 5, "G")
        pupils.append(pupil)
    return pupils


@pytest.fixture
def case(friday_evening, school):
    _absent_pupils(school, 1)
    threshold_cases_open(school=school, as_of=FRIDAY)
    return ThresholdCase.objects.get()


@pytest.fixture
def case_elsewhere(friday_evening, other_school):
    _absent_pupils(other_school, 1, surname="Elsewhere")
    threshold_cases_open(school=other_school, as_of=FRIDAY)
    return ThresholdCase.objects.get(school=other_school)


def test_the_attendance_lead_and_head_see_their_schools_cases(
    api, school, attendance_lead, head, case, case_elsewhere
):
    # The policies: the attendance lead, with the head, monitors the threshold.
    for user in (attendance_lead, head):
        assert _ids(api(user).get(reverse("api:cases"))) == [case.pk]
        assert api(user).get(reverse("api:case", args=[case_elsewhere.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.TEACHER, Role.OFFICE, Role.GOVERNOR, Role.FEDERATION_ADMIN])
def test_nobody_else_sees_a_case(api, school, case, role):
    user = staff_member(school, role, "someone")

    assert _ids(api(user).get(reverse("api:cases"))) == []
    assert api(user).get(reverse("api:case", args=[case.pk])).status_code == 404


def test_a_case_reads_with_its_evidence_support_and_decisions(api, school, attendance_lead, case):
    case_support_record(
        case=case, what="Meeting with parents", offered_on=FRIDAY, engaged=True, by=attendance_lead
    )
    case_route_decide(
        case=case, route=CaseRoute.SUPPORT, reason="Engaging well", by=attendance_lead
    )

    body = api(attendance_lead).get(reverse("api:case", args=[case.pk])).json()

    assert (body["window_start"], body["window_end"], body["sessions"]) == (
        "2025-09-03",
        "2025-09-12",
        10,
    )
    assert body["is_open"] is True and body["route"] == "support"
    assert [(m["date"], m["session"], m["code"]) for m in body["evidence"][:2]] == [
        ("2025-09-08", "AM", "G"),
        ("2025-09-08", "PM", "G"),
    ]
    assert [(s["what"], s["engaged"], s["recorded_by"]) for s in body["support"]] == [
        ("Meeting with parents", True, attendance_lead.get_full_name())
    ]
    assert [(d["route"], d["reason"]) for d in body["decisions"]] == [("support", "Engaging well")]


def test_cases_filter_by_open_route_and_pupil(api, school, attendance_lead, case):
    case_route_decide(
        case=case, route=CaseRoute.CLOSE, reason="Attendance improved", by=attendance_lead
    )
    client = api(attendance_lead)
    url = reverse("api:cases")

    assert _ids(client.get(url, {"is_open": "false"})) == [case.pk]
    assert _ids(client.get(url, {"is_open": "true"})) == []
    assert _ids(client.get(url, {"route": "close", "pupil": case.pupil_id})) == [case.pk]
    assert _ids(client.get(url, {"opened_from": "2025-09-20"})) == []


@pytest.mark.parametrize("count", [2, 12])
def test_listing_cases_takes_the_same_queries_for_any_number(
    api, friday_evening, school, attendance_lead, count, django_assert_max_num_queries
):
    _absent_pupils(school, count)
    threshold_cases_open(school=school, as_of=FRIDAY)
    client = api(attendance_lead)

    # Session, user, count, page, and the disclosure log's row (issue #21).
    with django_assert_max_num_queries(5):
        assert len(_ids(client.get(reverse("api:cases")))) == count
