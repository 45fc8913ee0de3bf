"""Part-time timetables: time-limited, reviewed with the family, and coded C2 on the register."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from absences.models import PartTimeTimetable, TimetableReview
from absences.selectors.timetables import timetables_to_follow_up
from absences.services.timetables import part_time_timetable_agree, timetable_review_record
from core.errors import DomainError
from registers.models import Mark
from tests.conftest import LONDON, MONDAY
from tests.factories import EnrolmentFactory, PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil(pupils_4a):
    return pupils_4a[0]


def _agree(school, pupil, by, **overrides) -> PartTimeTimetable:
    """Monday and Wednesday afternoons off, Monday 8 September to Friday 3 October 2025."""
    values = {
        "start": MONDAY,
        "end": date(2025, 10, 3),
        "sessions_off": ["Mon PM", "Wed PM"],
        "reason": "Re-integration after a long illness, agreed with the consultant",
        "review_dates": [date(2025, 9, 19), date(2025, 10, 1)],
    }
    return part_time_timetable_agree(school=school, pupil=pupil, by=by, **{**values, **overrides})


def _page(response) -> str:
    """The page's own words (the header's sign-out form carries a random CSRF token)."""
    return response.content.decode().split('<main id="main">')[1]


def test_the_office_records_a_timetable_with_its_review_dates(
    monday_morning, school, pupil, office
):
    # "There should also be formal arrangements in place for regularly reviewing it."
    timetable = _agree(school, pupil, office)
    assert (timetable.start, timetable.end) == (MONDAY, date(2025, 10, 3))
    assert timetable.sessions_off == ["Mon PM", "Wed PM"] and timetable.agreed_by == office
    assert [r.due_on for r in timetable.reviews.all()] == [date(2025, 9, 19), date(2025, 10, 1)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end": None}, "a part-time timetable is time-limited"),
        ({"end": date(2025, 9, 5)}, "The timetable ends before it starts."),
        ({"start": date(2025, 9, 1)}, "Mon 1 Sep 2025 is not in any of Test Primary's terms"),
        ({"end": date(2026, 1, 9)}, "Fri 9 Jan 2026 is not in any of Test Primary's terms"),
        ({"sessions_off": ["Mon Evening"]}, "Not a weekly session: Mon Evening"),
        ({"sessions_off": ["Mon PM", "Mon PM"]}, "A session is listed twice."),
        ({"sessions_off": []}, "Choose the sessions each week the pupil is not in school."),
        ({"review_dates": []}, "at least one review date"),
        ({"review_dates": [date(2025, 10, 10)]}, "at least one review date"),
        (
            {"review_dates": [date(2025, 9, 5), date(2025, 9, 19)]},
            "The review on Fri 5 Sep 2025 is before the timetable starts.",
        ),
        ({"reason": ""}, "Write down why the timetable is in the pupil's best interests."),
    ],
    ids=[
        "no-end",
        "ends-before-start",
        "starts-before-term",
        "ends-in-the-holidays",
        "not-a-session",
        "session-twice",
        "no-sessions-off",
        "no-review",
        "review-after-the-end",
        "review-before-the-start",
        "no-reason",
    ],
)
def test_a_timetable_breaking_a_rule_is_refused_with_its_reason_and_nothing_is_saved(
    monday_morning, school, pupil, office, overrides, message
):
    # "A part-time timetable must only be in place for the shortest time necessary ... [with] a time limit."
    with pytest.raises(DomainError) as refused:
        _agree(school, pupil, office, **overrides)
    assert message in refused.value.message
    assert not PartTimeTimetable.objects.exists() and not TimetableReview.objects.exists()


def test_a_second_timetable_over_the_same_days_is_refused(monday_morning, school, pupil, office):
    # One timetable at a time: the register could not tell which sessions are off.
    _agree(school, pupil, office)
    with pytest.raises(DomainError, match="already has a part-time timetable from Mon 8 Sep 2025"):
        _agree(
            school,
            pupil,
            office,
            start=date(2025, 10, 1),
            end=date(2025, 10, 24),
            review_dates=[date(2025, 10, 10)],
        )
    assert PartTimeTimetable.objects.count() == 1


def test_a_timetable_for_a_pupil_leaving_before_it_ends_is_refused(monday_morning, school, office):
    # The timetable is this school's register: the pupil is on its roll throughout.
    leaver = PupilFactory(legal_surname="Leaver", legal_forename="Lee")
    EnrolmentFactory(
        pupil=leaver, school=school, leaving_date=date(2025, 9, 26), leaving_reason="9(1)(f)"
    )
    with pytest.raises(DomainError, match="Lee Leaver is not on roll at Test Primary"):
        _agree(school, leaver, office)


def test_sessions_off_are_C2_on_the_register_for_exactly_those_sessions(
    client, monday_morning, school, class_4a, pupil, teacher_4a, office
):
    # "In agreeing to a part-time timetable, a school ... must treat absence as authorised." (C2)
    _agree(school, pupil, office)
    expected = {
        (date(2025, 9, 8), "AM"): "",
        (date(2025, 9, 8), "PM"): "C2",
        (date(2025, 9, 9), "PM"): "",  # Tuesday: in school
        (date(2025, 10, 1), "PM"): "C2",  # the last Wednesday
        (date(2025, 10, 6), "PM"): "",  # the Monday after it ends: full-time again
    }
    for (day, session), code in expected.items():
        with time_machine.travel(datetime(day.year, day.month, day.day, 13, 20, tzinfo=LONDON)):
            client.force_login(teacher_4a)
            response = client.get(reverse("register", args=[class_4a.pk, day, session]))
            assert response.status_code == 200
        [line] = [line for line in response.context["lines"] if line["pupil"] == pupil]
        assert line["code"] == code, (day, session)
        assert line["expected_why"] == ("part-time timetable" if code else "")
        others = [line["code"] for line in response.context["lines"] if line["pupil"] != pupil]
        assert set(others) == {""}
    assert not Mark.objects.exists()


def test_a_review_is_recorded_once_with_what_was_agreed(monday_morning, school, pupil, office):
    # Reviewed "regularly ... with the pupil and their parents": what was agreed is kept.
    review = _agree(school, pupil, office).reviews.first()
    with time_machine.travel(datetime(2025, 9, 19, 15, 30, tzinfo=LONDON), tick=False):
        with pytest.raises(DomainError, match="Write down what was agreed"):
            timetable_review_record(review=review, notes=" ", by=office)
        review = timetable_review_record(
            review=review, notes="Going well: add Monday afternoons from October.", by=office
        )
        assert (review.held_on, review.held_by) == (date(2025, 9, 19), office)
        with pytest.raises(DomainError, match="already recorded on Fri 19 Sep 2025"):
            timetable_review_record(review=review, notes="Again", by=office)
    review.refresh_from_db()
    assert review.notes == "Going well: add Monday afternoons from October."


def test_the_lists_show_reviews_due_within_two_weeks_or_overdue_and_ended_timetables(
    client, monday_morning, school, pupils_4a, office
):
    # Time-limited and reviewed: the office sees reviews coming up or missed, and timetables ended.
    current = _agree(
        school,
        pupils_4a[0],
        office,
        review_dates=[date(2025, 9, 19), date(2025, 9, 26), date(2025, 10, 1)],
    )
    later = _agree(
        school, pupils_4a[1], office, end=date(2025, 12, 19), review_dates=[date(2025, 11, 3)]
    )
    with time_machine.travel(datetime(2025, 9, 3, 9, 0, tzinfo=LONDON), tick=False):
        ended = _agree(
            school,
            pupils_4a[2],
            office,
            start=date(2025, 9, 3),
            end=date(2025, 9, 5),
            review_dates=[date(2025, 9, 4)],
        )
    with time_machine.travel(datetime(2025, 9, 22, 9, 0, tzinfo=LONDON), tick=False):
        timetable_review_record(
            review=current.reviews.get(due_on=date(2025, 9, 26)), notes="Held early", by=office
        )
        lists = timetables_to_follow_up(school=school, today=date(2025, 9, 22))
        # 19 Sep overdue and not held; 26 Sep held; 1 Oct within 14 days; 3 Nov not yet.
        assert [t.pk for t in lists.current] == [current.pk, later.pk]
        assert [r.due_on for r in lists.current[0].reviews_due] == [
            date(2025, 9, 19),
            date(2025, 10, 1),
        ]
        assert lists.current[1].reviews_due == []
        assert [t.pk for t in lists.expired] == [ended.pk]
        client.force_login(office)
        page = _page(client.get(reverse("part_time_timetables", args=[school.pk])))
    current_part, ended_part = page.split("Ended: check the pupil is back full-time")
    assert (
        pupils_4a[0].name in current_part
        and '19 Sep 2025</a> <strong class="flag">overdue' in current_part
    )
    assert "26 Sep 2025</a>" not in current_part
    assert pupils_4a[2].name in ended_part and pupils_4a[2].name not in current_part


def test_the_office_records_a_timetable_and_a_review_through_the_pages(
    client, monday_morning, school, pupil, office
):
    # Time-limited: a timetable with no end date is refused with the reason (400), nothing saved.
    client.force_login(office)
    url = reverse("part_time_timetable_new", args=[school.pk])
    data = {
        "pupil": pupil.pk,
        "start": "2025-09-08",
        "end": "",
        "sessions_off": ["Fri PM"],
        "reason": "Medical: phased return",
        "review_1": "2025-09-19",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert 'role="alert"' in _page(refused) and "time-limited" in _page(refused)
    assert not PartTimeTimetable.objects.exists()
    assert client.post(url, {**data, "end": "2025-10-17"}).status_code == 302
    timetable = PartTimeTimetable.objects.get()
    assert timetable.sessions_off == ["Fri PM"]
    review = timetable.reviews.get()
    response = client.post(
        reverse("timetable_review", args=[school.pk, review.pk]), {"notes": "Settled well"}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.held_on, review.notes) == (MONDAY, "Settled well")


def test_teachers_and_other_schools_cannot_see_or_keep_timetables(
    client, monday_morning, school, other_school, pupil, office, teacher_4a, head_elsewhere, head
):
    # A pupil's timetable is for that school's office and head; another school sees no names.
    review = _agree(school, pupil, office).reviews.first()
    client.force_login(head)
    assert client.get(reverse("part_time_timetables", args=[school.pk])).status_code == 200
    # Issue #21: another school's pages are not found; a teacher of this one is refused.
    for user, refused in ((teacher_4a, 403), (head_elsewhere, 404)):
        client.force_login(user)
        for response in (
            client.get(reverse("part_time_timetables", args=[school.pk])),
            client.get(reverse("part_time_timetable_new", args=[school.pk])),
            client.post(reverse("timetable_review", args=[school.pk, review.pk]), {"notes": "x"}),
        ):
            assert response.status_code == refused
            assert pupil.legal_surname not in _page(response)
    own_school = client.get(reverse("timetable_review", args=[other_school.pk, review.pk]))
    assert own_school.status_code == 404 and pupil.legal_surname not in _page(own_school)
    review.refresh_from_db()
    assert review.held_on is None
