"""School weeks: weeks with at least one session, numbered across terms and school years.

National framework (2024): "A school week means any week in which there is at least one school
session"; the rolling 10-school-week period "can span different terms or school years".
"""

from datetime import date

import pytest

from registers.lib.calendar import TermDates, academic_year_label, academic_year_start, school_days
from registers.models import Closure, SchoolDay
from registers.selectors import is_school_session, school_weeks
from registers.services.calendar import school_calendar_rebuild
from tests.factories import TermFactory

AUTUMN_2025 = TermDates(
    date(2025, 9, 3), date(2025, 12, 19), date(2025, 10, 27), date(2025, 10, 31)
)
SUMMER_2025 = TermDates(date(2025, 4, 22), date(2025, 7, 22), date(2025, 5, 26), date(2025, 5, 30))


def test_half_term_week_neither_counts_nor_breaks_the_numbering():
    days = school_days([AUTUMN_2025], [])
    by_date = {d.date: d for d in days}
    # Week of 20 October is school week 8 (3 Sep was a Wednesday: week 1 is 1-5 Sep).
    assert by_date[date(2025, 10, 24)].week_number == 8
    assert date(2025, 10, 27) not in by_date
    assert by_date[date(2025, 11, 3)].week_number == 9


def test_weekends_are_not_school_days():
    days = {d.date for d in school_days([AUTUMN_2025], [])}
    assert date(2025, 9, 6) not in days  # a Saturday
    assert date(2025, 9, 8) in days


def test_numbering_runs_on_across_the_summer_holiday_into_the_next_school_year():
    days = school_days([SUMMER_2025, AUTUMN_2025], [])
    by_date = {d.date: d for d in days}
    last_summer_week = by_date[date(2025, 7, 22)].week_number
    assert by_date[date(2025, 9, 3)].week_number == last_summer_week + 1
    assert academic_year_start(date(2025, 7, 22)) == 2024
    assert academic_year_start(date(2025, 9, 3)) == 2025
    assert academic_year_label(2025) == "2025/26"


def test_a_week_closed_on_every_day_is_not_a_school_week():
    closed = [(date(2025, 9, day), session) for day in range(8, 13) for session in ("AM", "PM")]
    days = school_days([AUTUMN_2025], closed)
    weeks = sorted({d.week_number for d in days if d.date < date(2025, 9, 20)})
    assert weeks == [1, 2]
    assert {d.week_start for d in days if d.week_number == 2} == {date(2025, 9, 15)}


def test_a_week_with_a_single_session_is_a_school_week():
    closed = [(date(2025, 9, day), s) for day in range(8, 13) for s in ("AM", "PM")]
    closed.remove((date(2025, 9, 12), "PM"))
    days = school_days([AUTUMN_2025], closed)
    friday = next(d for d in days if d.date == date(2025, 9, 12))
    assert (friday.am, friday.pm, friday.week_number) == (False, True, 2)


@pytest.mark.django_db
def test_the_school_calendar_numbers_weeks_across_a_year_boundary(school):
    TermFactory(
        school=school,
        name="Summer 2025",
        start=date(2025, 4, 22),
        end=date(2025, 7, 22),
        half_term_start=date(2025, 5, 26),
        half_term_end=date(2025, 5, 30),
    )
    school_calendar_rebuild(school=school)
    weeks = school_weeks(school=school)
    numbers = [w.number for w in weeks]
    assert numbers == list(range(1, len(weeks) + 1))
    last_summer = next(w for w in weeks if w.first_day <= date(2025, 7, 22) <= w.last_day)
    first_autumn = next(w for w in weeks if w.first_day <= date(2025, 9, 3) <= w.last_day)
    assert first_autumn.number == last_summer.number + 1
    # 22 April 2025 was a Tuesday: four days, eight sessions, in the first school week.
    assert weeks[0].sessions == 8


@pytest.mark.django_db
def test_a_closure_removes_the_session_and_rebuilding_keeps_weeks_in_step(school):
    assert is_school_session(school=school, day=date(2025, 11, 7), session="AM")
    Closure.objects.create(school=school, date=date(2025, 11, 7), session="AM", reason="INSET")
    school_calendar_rebuild(school=school)
    assert not is_school_session(school=school, day=date(2025, 11, 7), session="AM")
    assert is_school_session(school=school, day=date(2025, 11, 7), session="PM")
    assert not is_school_session(school=school, day=date(2025, 10, 28), session="AM")  # half term
    # 73 weekdays in term outside half term; a half-day closure keeps the day.
    assert SchoolDay.objects.filter(school=school).count() == 73
