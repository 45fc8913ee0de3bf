"""Who the DfE's absence statistics count: pupils aged 5 to 15 on 31 August before the school
year, an age on one date (registers/lib/statistics_population.py), not compulsory school age."""

from datetime import date, timedelta

import pytest

from registers.lib.calendar import years_after
from registers.lib.school_age import of_compulsory_school_age
from registers.lib.statistics_population import (
    SchoolYearSpan,
    born_aged_on_31_august,
    school_year_spans,
)


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day`, birthday by birthday."""
    years = day.year - born.year
    return years if years_after(born, years) <= day else years - 1


def test_the_dfe_population_of_2025_26_was_born_from_1_september_2009_to_31_august_2020():
    # Issue #16: "pupils aged 5 to 15 on 31 August before the school year": for 2025/26,
    # 31 August 2025.
    assert born_aged_on_31_august(school_year=2025) == (date(2009, 9, 1), date(2020, 8, 31))


@pytest.mark.parametrize("school_year", [2023, 2024, 2027])
def test_the_dates_of_birth_are_exactly_the_pupils_aged_5_to_15_on_that_31_august(school_year):
    # Issue #16: an age on one date, 31 August before the school year; every day of birth
    # around both ends, 29 February included.
    first, last = born_aged_on_31_august(school_year=school_year)
    age_day = date(school_year, 8, 31)
    for born in (date(school_year - 17, 1, 1) + timedelta(days=n) for n in range(366 * 14)):
        assert (first <= born <= last) is (5 <= age_on(born, age_day) <= 15), born


def test_the_census_ages_4_to_15_come_from_the_same_rule():
    # Census attendance return: pupils aged 4 to 15 on 31 August before the school year.
    assert born_aged_on_31_august(school_year=2025, youngest=4) == (
        date(2009, 9, 1),
        date(2021, 8, 31),
    )


def test_a_reception_pupil_aged_4_on_31_august_is_out_all_year_though_of_compulsory_age_in_it():
    # Issue #16: not the compulsory-school-age function, which brings reception pupils in from
    # their prescribed day. Born 10 January 2021: five on 10 January 2026, of compulsory
    # school age from 31 March 2026, but 4 on 31 August 2025.
    born = date(2021, 1, 10)
    first, last = born_aged_on_31_august(school_year=2025)
    assert of_compulsory_school_age(born, date(2026, 4, 20))
    assert not first <= born <= last
    # A summer-born classmate was 5 on 31 August 2025: counted all year, though of compulsory
    # school age only from that day.
    assert first <= date(2020, 8, 31) <= last


def test_a_period_is_cut_where_each_school_year_begins():
    # A school year runs from 1 August, as the census counts (registers/lib/calendar.py).
    assert school_year_spans(date(2025, 9, 3), date(2025, 12, 19)) == [
        SchoolYearSpan(2025, date(2025, 9, 3), date(2025, 12, 19))
    ]
    assert school_year_spans(date(2025, 6, 2), date(2026, 8, 3)) == [
        SchoolYearSpan(2024, date(2025, 6, 2), date(2025, 7, 31)),
        SchoolYearSpan(2025, date(2025, 8, 1), date(2026, 7, 31)),
        SchoolYearSpan(2026, date(2026, 8, 1), date(2026, 8, 3)),
    ]
    assert school_year_spans(date(2025, 8, 1), date(2025, 8, 1)) == [
        SchoolYearSpan(2025, date(2025, 8, 1), date(2025, 8, 1))
    ]
