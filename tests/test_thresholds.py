"""The penalty-notice threshold: 10 unauthorised sessions within 10 school weeks.

The calendar: summer term 2025 (22 April - 22 July, half term 26-30 May) then autumn term 2025
(3 September - 19 December, half term 27-31 October). Its school weeks are numbered
1 (w/c 21 Apr) ... 5 (w/c 19 May), 6 (w/c 2 Jun) ... 13 (w/c 21 Jul), 14 (w/c 1 Sep) ...
21 (w/c 20 Oct), 22 (w/c 3 Nov) ...
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from penalties.selectors import EvidenceMark, pupils_meeting_threshold
from registers.models import Mark, Pupil, School
from registers.selectors import school_weeks
from registers.services.calendar import school_calendar_rebuild
from tests.factories import (
    EnrolmentFactory,
    FederationFactory,
    MarkFactory,
    PupilFactory,
    SchoolFactory,
    SessionTimesFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

END_OF_AUTUMN = date(2025, 12, 19)


def school_with_calendar(**school_fields: object) -> School:
    school = SchoolFactory(**school_fields)
    SessionTimesFactory(school=school)
    TermFactory(
        school=school,
        name="Summer 2025",
        start=date(2025, 4, 22),
        end=date(2025, 7, 22),
        half_term_start=date(2025, 5, 26),
        half_term_end=date(2025, 5, 30),
    )
    TermFactory(school=school)  # Autumn 2025, half term 27-31 October
    school_calendar_rebuild(school=school)
    return school


@pytest.fixture
def calendar_school() -> School:
    return school_with_calendar(name="Threshold Primary")


def pupil_at(school: School) -> Pupil:
    pupil = PupilFactory()
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2024, 9, 1))
    return pupil


def mark(pupil: Pupil, school: School, day: date, session: str, code: str) -> Mark:
    return MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id=code)


def whole_days(pupil: Pupil, school: School, first: date, days: int, code: str) -> list[Mark]:
    """AM and PM marks on `days` consecutive weekdays from `first` (within one week)."""
    return [
        mark(pupil, school, first + timedelta(days=offset), session, code)
        for offset in range(days)
        for session in ("AM", "PM")
    ]


def evidence(marks: list[Mark]) -> tuple[EvidenceMark, ...]:
    return tuple(
        EvidenceMark(m.pk, m.date, m.session, m.code_id)
        for m in sorted(marks, key=lambda m: (m.date, m.session))
    )


def test_the_calendar_numbers_school_weeks_across_terms_and_skips_holidays(calendar_school):
    # "A school week is any week in which the school has at least one session."
    weeks = {week.number: week.week_start for week in school_weeks(school=calendar_school)}
    assert weeks[1] == date(2025, 4, 21)
    assert weeks[6] == date(2025, 6, 2)
    assert weeks[13] == date(2025, 7, 21)
    assert weeks[14] == date(2025, 9, 1)
    assert weeks[22] == date(2025, 11, 3)


def test_holiday_plus_late_after_close_within_10_school_weeks_meets_the_threshold(
    calendar_school,
):
    # "4 sessions of holiday taken in term time plus 6 sessions of arriving late after the
    # register closes all within 10 school weeks"
    pupil = pupil_at(calendar_school)
    holiday = whole_days(pupil, calendar_school, date(2025, 6, 2), 2, "G")  # week 6
    late = [
        mark(pupil, calendar_school, date(2025, 6, 9) + timedelta(weeks=n), "AM", "U")
        for n in range(6)  # weeks 7 to 12
    ]

    [result] = pupils_meeting_threshold(schools=[calendar_school], as_of=END_OF_AUTUMN)

    assert result.upn == pupil.upn
    assert result.window_start == date(2025, 5, 5)  # the Monday of week 3
    assert result.window_end == date(2025, 7, 18)  # the Friday of week 12
    assert result.sessions == 10
    assert result.marks == evidence(holiday + late)


def test_ten_sessions_of_holiday_in_one_week_meet_the_threshold(calendar_school):
    # "These sessions can be consecutive (e.g. 10 sessions of holiday in one week)"
    pupil = pupil_at(calendar_school)
    holiday = whole_days(pupil, calendar_school, date(2025, 9, 8), 5, "G")  # week 15

    [result] = pupils_meeting_threshold(schools=[calendar_school], as_of=END_OF_AUTUMN)

    assert result.window_start == date(2025, 6, 2)  # week 6: weeks 6-15, the summer holiday skipped
    assert result.window_end == date(2025, 9, 12)
    assert result.sessions == 10
    assert result.marks == evidence(holiday)


def test_six_sessions_in_one_week_then_one_a_week_for_four_weeks_meet_the_threshold(
    calendar_school,
):
    # "or not (e.g. 6 sessions of unauthorised absence taken in 1 week and 1 per week for the
    # next 4 weeks)"
    pupil = pupil_at(calendar_school)
    first_week = whole_days(pupil, calendar_school, date(2025, 9, 8), 3, "N")  # week 15
    later = [
        mark(pupil, calendar_school, date(2025, 9, 15) + timedelta(weeks=n), "PM", "O")
        for n in range(4)  # weeks 16 to 19
    ]

    [result] = pupils_meeting_threshold(schools=[calendar_school], as_of=END_OF_AUTUMN)

    assert result.window_start == date(2025, 6, 30)  # week 10
    assert result.window_end == date(2025, 10, 10)  # the Friday of week 19
    assert result.sessions == 10
    assert result.marks == evidence(first_week + later)


def test_sessions_in_the_summer_and_autumn_terms_meet_it_across_the_school_year(
    calendar_school,
):
    # "The period of 10 school weeks can also span different terms or school years (e.g. 2
    # sessions of unauthorised absence in the Summer Term and a further 8 within the Autumn
    # Term)."
    pupil = pupil_at(calendar_school)
    summer = whole_days(pupil, calendar_school, date(2025, 7, 14), 1, "G")  # week 12
    autumn = whole_days(pupil, calendar_school, date(2025, 10, 6), 2, "U")  # week 19
    autumn += whole_days(pupil, calendar_school, date(2025, 10, 13), 2, "O")  # week 20
    # More than 10 calendar weeks apart: only skipping the summer holiday brings them together.
    assert date(2025, 10, 14) - date(2025, 7, 14) > timedelta(weeks=13)

    [result] = pupils_meeting_threshold(schools=[calendar_school], as_of=END_OF_AUTUMN)

    assert result.window_start == date(2025, 7, 7)  # week 11
    assert result.window_end == date(2025, 10, 17)  # week 20
    assert result.sessions == 10
    assert result.marks == evidence(summer + autumn)


def test_nine_sessions_do_not_meet_the_threshold(calendar_school):
    # "The threshold ... is 10 sessions of unauthorised absence"
    pupil = pupil_at(calendar_school)
    whole_days(pupil, calendar_school, date(2025, 9, 8), 4, "G")
    mark(pupil, calendar_school, date(2025, 9, 12), "AM", "G")

    assert pupils_meeting_threshold(schools=[calendar_school], as_of=END_OF_AUTUMN) == []


def test_ten_sessions_spread_over_eleven_school_weeks_do_not_meet_the_threshold(
    calendar_school,
):
    # "10 sessions of unauthorised absence in a rolling period of 10 school weeks"
    pupil = pupil_at(calendar_school)
    whole_days(pupil, calendar_school, date(2025, 7, 14), 2, "G")  # week 12
    mark(pupil, calendar_school, date(2025, 7, 16), "AM", "G")
    whole_days(pupil, calendar_school, date(2025, 11, 3), 2, "U")  # week 22
    mark(pupil, calendar_school, date(2025, 11, 5), "AM", "U")

    assert pupils_meeting_threshold(schools=[calendar_school], as_of=END_OF_AUTUMN) == []


def test_authorised_absence_and_presence_never_count(calendar_school):
    # "10 sessions of unauthorised absence (codes G, N, O, U)"
    pupil = pupil_at(calendar_school)
    whole_days(pupil, calendar_school, date(2025, 9, 8), 3, "I")
    whole_days(pupil, calendar_school, date(2025, 9, 11), 2, "M")
    for day in range(15, 20):
        mark(pupil, calendar_school, date(2025, 9, day), "AM", "/")
        mark(pupil, calendar_school, date(2025, 9, day), "PM", "L")
    whole_days(pupil, calendar_school, date(2025, 9, 22), 4, "G")
    mark(pupil, calendar_school, date(2025, 9, 26), "AM", "U")  # 9 unauthorised in all

    assert pupils_meeting_threshold(schools=[calendar_school], as_of=END_OF_AUTUMN) == []


def test_marks_after_the_date_checked_are_not_counted(calendar_school):
    # "within a rolling period of 10 school weeks" ending on or before the date checked
    pupil = pupil_at(calendar_school)
    whole_days(pupil, calendar_school, date(2025, 9, 8), 5, "G")

    assert pupils_meeting_threshold(schools=[calendar_school], as_of=date(2025, 9, 11)) == []
    [result] = pupils_meeting_threshold(schools=[calendar_school], as_of=date(2025, 9, 12))
    assert result.window_end == date(2025, 9, 12)


def test_the_window_ends_on_the_date_checked_when_that_is_mid_week(calendar_school):
    # "within a rolling period of 10 school weeks" ending on or before the date checked
    pupil = pupil_at(calendar_school)
    whole_days(pupil, calendar_school, date(2025, 9, 3), 3, "G")  # week 14
    whole_days(pupil, calendar_school, date(2025, 9, 8), 2, "G")  # week 15

    [result] = pupils_meeting_threshold(schools=[calendar_school], as_of=date(2025, 9, 10))

    assert (result.window_start, result.window_end) == (date(2025, 6, 2), date(2025, 9, 10))
    assert result.sessions == 10


def test_the_earliest_window_meeting_the_threshold_is_reported(calendar_school):
    # "window_start/window_end bound the 10 school weeks of the earliest window that meets it"
    pupil = pupil_at(calendar_school)
    whole_days(pupil, calendar_school, date(2025, 9, 8), 5, "G")  # week 15
    whole_days(pupil, calendar_school, date(2025, 9, 15), 5, "G")  # week 16

    [result] = pupils_meeting_threshold(schools=[calendar_school], as_of=END_OF_AUTUMN)

    assert (result.window_start, result.window_end) == (date(2025, 6, 2), date(2025, 9, 12))
    assert result.sessions == 10


def test_a_federation_run_covers_each_school_with_its_own_calendar(calendar_school):
    # "A school week is any week in which the school has at least one session."
    other = SchoolFactory(federation=calendar_school.federation, name="Other Primary")
    SessionTimesFactory(school=other)
    TermFactory(  # half term a week earlier, and no summer term: week 1 is w/c 1 September
        school=other, half_term_start=date(2025, 10, 20), half_term_end=date(2025, 10, 24)
    )
    school_calendar_rebuild(school=other)
    here, there = pupil_at(calendar_school), pupil_at(other)
    whole_days(here, calendar_school, date(2025, 9, 8), 5, "G")
    whole_days(there, other, date(2025, 10, 27), 5, "G")  # half term at calendar_school
    SchoolFactory(federation=FederationFactory())  # another federation's school, no marks

    results = pupils_meeting_threshold(
        schools=School.objects.filter(federation=calendar_school.federation), as_of=END_OF_AUTUMN
    )

    windows = {(r.school_id, r.upn): (r.window_start, r.window_end) for r in results}
    assert windows == {
        (calendar_school.pk, here.upn): (date(2025, 6, 2), date(2025, 9, 12)),
        # Weeks 1-8 of the other school: the window starts at its first school week.
        (other.pk, there.upn): (date(2025, 9, 3), date(2025, 10, 31)),
    }


def test_a_pupils_marks_at_another_school_are_not_added_together(calendar_school):
    # Each school's register and school weeks are its own.
    other = school_with_calendar(federation=calendar_school.federation)
    pupil = pupil_at(calendar_school)
    whole_days(pupil, calendar_school, date(2025, 9, 8), 3, "G")
    whole_days(pupil, other, date(2025, 9, 11), 2, "G")

    assert pupils_meeting_threshold(schools=[calendar_school, other], as_of=END_OF_AUTUMN) == []


def _queries_for_pupils(school: School, count: int) -> int:
    for _ in range(count):
        whole_days(pupil_at(school), school, date(2025, 9, 8), 5, "G")
    with CaptureQueriesContext(connection) as queries:
        results = pupils_meeting_threshold(schools=[school], as_of=END_OF_AUTUMN)
    assert len(results) == count
    return len(queries)


def test_the_query_count_does_not_grow_with_the_pupils_found():
    # One set-based query over the marks, not a loop per pupil.
    few = _queries_for_pupils(school_with_calendar(), 3)
    many = _queries_for_pupils(school_with_calendar(), 30)
    assert few == many == 3
