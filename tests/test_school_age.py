"""Compulsory school age (Education Act 1996, s.8): from the beginning of the first prescribed day
(31 August, 31 December, 31 March) on or after the fifth birthday, to the end of the last Friday
in June of the school year in which the child turns 16; both days included."""

from datetime import date, timedelta

import pytest

from registers.lib.school_age import (
    compulsory_school_age_end,
    compulsory_school_age_problem,
    compulsory_school_age_start,
    of_compulsory_school_age,
)


@pytest.mark.parametrize(
    ("born", "start"),
    [
        (date(2020, 8, 31), date(2025, 8, 31)),  # fifth birthday on a prescribed day: that day
        (date(2020, 9, 1), date(2025, 12, 31)),
        (date(2020, 12, 31), date(2025, 12, 31)),
        (date(2021, 1, 1), date(2026, 3, 31)),
        (date(2021, 3, 31), date(2026, 3, 31)),
        (date(2021, 4, 1), date(2026, 8, 31)),
        (date(2021, 10, 1), date(2026, 12, 31)),  # a reception pupil of 2026/27
        (date(2020, 2, 29), date(2025, 3, 31)),  # born on 29 February: five on 1 March 2025
    ],
)
def test_compulsory_school_age_starts_on_the_first_prescribed_day_on_or_after_the_fifth_birthday(
    born, start
):
    assert compulsory_school_age_start(born) == start
    assert not of_compulsory_school_age(born, start - timedelta(days=1))
    assert of_compulsory_school_age(born, start)


@pytest.mark.parametrize(
    ("born", "end"),
    [
        # Turns 16 on 31 August 2026, in the school year 2025/26: leaves Friday 26 June 2026.
        (date(2010, 8, 31), date(2026, 6, 26)),
        # Turns 16 on 1 September 2026, in 2026/27: leaves Friday 25 June 2027.
        (date(2010, 9, 1), date(2027, 6, 25)),
        (date(2011, 6, 30), date(2027, 6, 25)),
    ],
)
def test_compulsory_school_age_ends_on_the_last_friday_in_june_of_the_year_they_turn_16(born, end):
    assert compulsory_school_age_end(born) == end
    assert end.weekday() == 4 and (end + timedelta(days=7)).month == 7
    assert of_compulsory_school_age(born, end)
    assert not of_compulsory_school_age(born, end + timedelta(days=1))


def test_the_reason_names_the_day_the_age_begins_or_ended():
    assert compulsory_school_age_problem(date(2023, 5, 1), date(2026, 12, 4)) == (
        "below compulsory school age until 31 August 2028"
    )
    assert compulsory_school_age_problem(date(2010, 8, 31), date(2026, 7, 1)) == (
        "past compulsory school age, which ended on 26 June 2026"
    )
    assert compulsory_school_age_problem(date(2018, 5, 1), date(2026, 12, 4)) is None
