"""Case work: support offered, the route decided with a reason, and who may see the case."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.errors import DomainError
from penalties.models import CaseRoute, ThresholdCase
from penalties.services import case_route_decide, case_support_record, threshold_cases_open
from tests.test_thresholds import pupil_at, whole_days

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def monday():
    with time_machine.travel(datetime(2025, 9, 22, 10, 0, tzinfo=LONDON), tick=False):
        yield date(2025, 9, 22)


@pytest.fixture
def case(school, monday) -> ThresholdCase:
    pupil = pupil_at(school)
    pupil.legal_surname = "Absentia"
    pupil.save()
    whole_days(pupil, school, date(2025, 9, 8), 5, "G")
    threshold_cases_open(school=school, as_of=date(2025, 9, 19))
    return ThresholdCase.objects.get()


def test_support_offered_is_recorded_with_whether_the_family_engaged(case, attendance_lead):
    # "record the support offered and whether the family engaged"
    support = case_support_record(
        case=case,
        what="Meeting with the family support worker",
        offered_on=date(2025, 9, 15),
        engaged=False,
        by=attendance_lead,
    )
    assert (support.case, support.engaged) == (case, False)


def test_support_without_a_description_is_refused(case, attendance_lead):
    # Services validate first: nothing is saved on bad input.
    with pytest.raises(DomainError, match="what support"):
        case_support_record(
            case=case, what="  ", offered_on=date(2025, 9, 15), engaged=True, by=attendance_lead
        )
    assert not case.support.exists()


def test_a_route_needs_a_written_reason(case, attendance_lead):
    # "decide the route ... with reasons"
    with pytest.raises(DomainError, match="reason"):
        case_route_decide(
            case=case, route=CaseRoute.NOTICE_TO_IMPROVE, reason="", by=attendance_lead
        )
    assert not case.decisions.exists()


def test_deciding_a_route_records_it_on_the_case(case, attendance_lead):
    # "decide the route (support continues / notice to improve / ...)"
    case_route_decide(
        case=case,
        route=CaseRoute.NOTICE_TO_IMPROVE,
        reason="Support offered twice, not taken up.",
        by=attendance_lead,
    )
    case.refresh_from_db()
    assert (case.route, case.closed_at) == (CaseRoute.NOTICE_TO_IMPROVE, None)


def test_closing_a_case_sets_closed_at_and_nothing_more_can_be_recorded(case, head):
    # "close": a closed case's sessions are not counted again.
    case_route_decide(case=case, route=CaseRoute.CLOSE, reason="Attendance now good.", by=head)
    case.refresh_from_db()
    assert case.closed_at is not None
    with pytest.raises(DomainError, match="closed"):
        case_route_decide(case=case, route=CaseRoute.SUPPORT, reason="Again", by=head)


def test_the_lead_decides_from_the_case_page(client, case, attendance_lead):
    # "Meeting the threshold opens a case for the attendance lead"
    client.force_login(attendance_lead)
    url = reverse("threshold_case", args=[case.school_id, case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Absentia" in page.content.decode()

    response = client.post(
        reverse("threshold_case_decide", args=[case.school_id, case.pk]),
        {"route": CaseRoute.SUPPORT, "reason": "A support plan was agreed."},
    )
    assert response.status_code == 302
    assert "A support plan was agreed." in client.get(url).content.decode()


def test_a_refused_decision_shows_why_and_saves_nothing(client, case, head):
    client.force_login(head)
    response = client.post(
        reverse("threshold_case_decide", args=[case.school_id, case.pk]),
        {"route": CaseRoute.SUPPORT, "reason": " "},
    )
    assert response.status_code == 400
    assert not case.decisions.exists()


@pytest.mark.parametrize("persona", ["office", "teacher_4a"])
def test_office_and_teachers_cannot_see_a_case(client, case, persona, request):
    # "the attendance lead ... and the head" decide penalty notices; nobody else.
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("threshold_case", args=[case.school_id, case.pk])).status_code == 403
    response = client.post(
        reverse("threshold_case_decide", args=[case.school_id, case.pk]),
        {"route": CaseRoute.CLOSE, "reason": "x"},
    )
    assert response.status_code == 403
    assert not case.decisions.exists()


def test_another_schools_head_sees_nothing(client, case, head_elsewhere, other_school):
    # "a head at another school who must see nothing"
    client.force_login(head_elsewhere)
    response = client.get(reverse("threshold_case", args=[case.school_id, case.pk]))
    assert response.status_code == 404  # issue #21: not even that it exists
    assert "Absentia" not in response.content.decode()
    # Through their own school, the case id is simply not found.
    response = client.get(reverse("threshold_case", args=[other_school.pk, case.pk]))
    assert response.status_code == 404
    assert "Absentia" not in response.content.decode()


def _forms_on(page: str) -> list[str]:
    """The actions of the case page's forms posted to a step (not a penalty's payment)."""
    return [
        action.rstrip("/").rsplit("/", 1)[-1]
        for action in __import__("re").findall(r'<form method="post" action="([^"]+)"', page)
        if "/threshold-cases/" in action
    ]


def test_the_case_page_offers_one_step_at_a_time_with_what_was_done_as_history(
    client, case, attendance_lead
):
    # Issue #22: "Case work in stages: the evidence, then the one next step's form, with what
    # was done before as history" (seed 002, 4.5: support first, then the route).
    client.force_login(attendance_lead)
    url = reverse("threshold_case", args=[case.school_id, case.pk])
    page = client.get(url).content.decode()
    assert _forms_on(page) == ["support"]
    assert page.index("Evidence") < page.index("Next step") < page.index("What was done before")
    case_support_record(
        case=case,
        what="Meeting offered",
        offered_on=date(2025, 9, 15),
        engaged=False,
        by=attendance_lead,
    )
    page = client.get(url).content.decode()
    assert _forms_on(page) == ["decide"]
    assert "Meeting offered" in page.split("What was done before")[1]
    case_route_decide(
        case=case, route=CaseRoute.NOTICE_TO_IMPROVE, reason="Not engaged.", by=attendance_lead
    )
    page = client.get(url).content.decode()
    assert len(_forms_on(page)) == 1
    assert "Next step: issue a notice to improve" in page
    # Another step is one link away, and then the only form.
    page = client.get(url, {"step": "decision"}).content.decode()
    assert len(_forms_on(page)) == 1 and "Next step: decide the route" in page


def test_a_refused_step_shows_an_error_summary_at_the_top_of_its_form(client, case, head):
    # Issue #22: "an error summary at the top of every form".
    client.force_login(head)
    response = client.post(
        reverse("threshold_case_decide", args=[case.school_id, case.pk]),
        {"route": CaseRoute.SUPPORT, "reason": " "},
    )
    page = response.content.decode()
    summary = page.index('class="error-summary"')
    assert summary < page.index(reverse("threshold_case_decide", args=[case.school_id, case.pk]))
    assert 'href="#id_reason"' in page
