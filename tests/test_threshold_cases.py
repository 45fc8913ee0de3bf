"""Threshold cases: opened once per pupil, nightly or from the page, for the attendance lead."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from penalties.models import ThresholdCase
from penalties.services import threshold_cases_open
from penalties.tasks import check_thresholds_for_every_school
from tests.test_thresholds import pupil_at, whole_days

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
FRIDAY = date(2025, 9, 19)  # a school day of the `school` fixture's autumn term (week 3)


@pytest.fixture
def absent_pupil(school):
    """A pupil of `school` with 10 sessions of holiday in term time (week 2)."""
    pupil = pupil_at(school)
    pupil.legal_surname = "Absentia"
    pupil.save()
    whole_days(pupil, school, date(2025, 9, 8), 5, "G")
    return pupil


@pytest.fixture
def friday_evening():
    with time_machine.travel(datetime(2025, 9, 19, 18, 0, tzinfo=LONDON), tick=False):
        yield FRIDAY


def test_meeting_the_threshold_opens_a_case_with_its_evidence(school, absent_pupil):
    # "Meeting the threshold opens a case for the attendance lead"
    assert threshold_cases_open(school=school, as_of=FRIDAY) == 1

    case = ThresholdCase.objects.get()
    assert (case.pupil, case.window_start, case.window_end) == (
        absent_pupil,
        date(2025, 9, 3),
        date(2025, 9, 12),
    )
    assert case.sessions == 10
    assert [(m["date"], m["session"], m["code"]) for m in case.evidence][:2] == [
        ("2025-09-08", "AM", "G"),
        ("2025-09-08", "PM", "G"),
    ]
    assert {m["mark_id"] for m in case.evidence} == set(
        absent_pupil.marks.values_list("pk", flat=True)
    )


def test_opening_twice_opens_no_duplicate(school, absent_pupil):
    # "Running it twice opens no duplicate case."
    assert threshold_cases_open(school=school, as_of=FRIDAY) == 1
    assert threshold_cases_open(school=school, as_of=FRIDAY) == 0
    assert ThresholdCase.objects.count() == 1


def test_the_nightly_task_run_twice_opens_no_duplicate(school, other_school, absent_pupil):
    # "A Celery beat schedule runs it nightly for every school ... Running it twice opens no
    # duplicate case."
    elsewhere = pupil_at(other_school)
    whole_days(elsewhere, other_school, date(2025, 9, 15), 5, "U")

    assert check_thresholds_for_every_school.delay(FRIDAY.isoformat()).get() == 2
    assert check_thresholds_for_every_school.delay(FRIDAY.isoformat()).get() == 0
    assert set(ThresholdCase.objects.values_list("school", "pupil")) == {
        (school.pk, absent_pupil.pk),
        (other_school.pk, elsewhere.pk),
    }


def test_the_nightly_task_checks_as_of_today(friday_evening, school, absent_pupil):
    # "A Celery beat schedule runs it nightly for every school"
    assert check_thresholds_for_every_school() == 1
    assert ThresholdCase.objects.get().opened_on == FRIDAY


def test_the_task_is_in_the_nightly_beat_schedule(settings):
    # "A Celery beat schedule runs it nightly"
    entry = settings.CELERY_BEAT_SCHEDULE["check-thresholds-nightly"]
    assert entry["task"] == "penalties.tasks.check_thresholds_for_every_school"


def test_a_closed_case_is_not_reopened_but_new_absence_opens_a_new_case(school, absent_pupil):
    # "only 2 penalty notices can be issued ... in respect of the same child": each case is
    # decided once; sessions already dealt with do not count again.
    threshold_cases_open(school=school, as_of=FRIDAY)
    ThresholdCase.objects.update(closed_at=timezone.now())
    assert threshold_cases_open(school=school, as_of=FRIDAY) == 0

    whole_days(absent_pupil, school, date(2025, 11, 3), 5, "U")
    assert threshold_cases_open(school=school, as_of=date(2025, 11, 7)) == 1

    reopened = ThresholdCase.objects.get(closed_at__isnull=True)
    # Weeks 1-9 of the autumn term (it is the first term of this calendar).
    assert (reopened.window_start, reopened.window_end) == (date(2025, 9, 3), date(2025, 11, 7))
    assert {m["date"] for m in reopened.evidence} == {f"2025-11-{day:02d}" for day in range(3, 8)}


def test_the_attendance_lead_sees_open_cases_with_their_evidence(
    client, school, absent_pupil, attendance_lead
):
    # "Meeting the threshold opens a case for the attendance lead"
    threshold_cases_open(school=school, as_of=FRIDAY)
    client.force_login(attendance_lead)

    response = client.get(reverse("threshold_cases", args=[school.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert absent_pupil.name in page
    assert "3 Sep 2025" in page and "12 Sep 2025" in page
    assert page.count("2025-09-") == 10


def test_check_now_opens_cases_as_of_today(client, friday_evening, school, absent_pupil, head):
    # "staff can also run it from the page"
    client.force_login(head)

    response = client.post(reverse("threshold_cases", args=[school.pk]), follow=True)

    assert response.status_code == 200
    assert ThresholdCase.objects.get().opened_on == FRIDAY
    page = response.content.decode()
    assert "1 new case(s) opened" in page
    assert absent_pupil.name in page


@pytest.mark.parametrize("persona", ["office", "teacher_4a"])
def test_office_and_teachers_may_not_see_cases(client, request, school, absent_pupil, persona):
    # "The attendance lead ... Liaise with the Headteacher ... and issues fixed-penalty notices
    # requests to the local authority"
    threshold_cases_open(school=school, as_of=FRIDAY)
    client.force_login(request.getfixturevalue(persona))
    url = reverse("threshold_cases", args=[school.pk])

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_a_head_elsewhere_sees_nothing_of_the_school(client, school, absent_pupil, head_elsewhere):
    # One school never sees another's pupils.
    threshold_cases_open(school=school, as_of=FRIDAY)
    client.force_login(head_elsewhere)

    response = client.get(reverse("threshold_cases", args=[school.pk]))

    assert response.status_code == 404  # issue #21: as a school that does not exist
    assert absent_pupil.legal_surname not in response.content.decode()
    assert client.post(reverse("threshold_cases", args=[school.pk])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, school):
    response = client.get(reverse("threshold_cases", args=[school.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_home_page_links_the_attendance_lead_to_the_cases(client, school, attendance_lead):
    client.force_login(attendance_lead)
    page = client.get(reverse("home")).content.decode()
    assert reverse("threshold_cases", args=[school.pk]) in page


def test_the_home_page_does_not_link_the_office_to_the_cases(client, school, office):
    client.force_login(office)
    page = client.get(reverse("home")).content.decode()
    assert reverse("threshold_cases", args=[school.pk]) not in page
