"""The demo's day: which school years it fills, their terms where the shipped files list none,
and the days `seed_demo --today` refuses (issue #17: "builds the demo around the real date")."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from demo.calendar import demo_school_years, with_demo_terms
from demo.seed import _configs
from registers.models import Federation

HMFA_TERMS = 9  # 2024/25 to 2026/27 in school_config/hmfa.yaml


@pytest.mark.parametrize(
    ("today", "years"),
    [
        (date(2026, 12, 4), (2025, 2026)),
        (date(2027, 7, 22), (2025, 2026)),
        # From 1 August the summer holiday belongs to the school year about to start.
        (date(2026, 7, 31), (2024, 2025)),
        (date(2026, 8, 1), (2025, 2026)),
    ],
)
def test_the_demo_fills_the_days_school_year_and_the_one_before(today, years):
    assert demo_school_years(today) == years


def test_a_school_year_the_shipped_files_list_keeps_their_terms():
    # The files decide a school's calendar; the demo adds nothing where they have a year.
    _slug, hmfa = _configs()[0]
    data = with_demo_terms(hmfa, today=date(2026, 12, 4))
    assert [len(school["terms"]) for school in data["schools"]] == [HMFA_TERMS] * 7
    assert data["schools"][0]["terms"] == hmfa["schools"][0]["terms"]


def test_a_day_past_the_shipped_calendar_gets_that_years_terms_and_bank_holiday():
    # A newcomer running `make run` in October 2027 still sees a school day in progress.
    _slug, hmfa = _configs()[0]
    data = with_demo_terms(hmfa, today=date(2027, 10, 15))
    terms = data["schools"][0]["terms"]
    assert [term["name"] for term in terms[HMFA_TERMS:]] == [
        "Autumn 2027",
        "Spring 2028",
        "Summer 2028",
    ]
    assert terms[HMFA_TERMS]["start"] == date(2027, 9, 3)
    assert {"date": date(2028, 5, 1), "sessions": ["AM", "PM"], "reason": "Bank holiday"} in data[
        "schools"
    ][0]["closures"]
    # The file itself is not changed: every school its own copy.
    assert len(hmfa["schools"][0]["terms"]) == HMFA_TERMS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("2025-07-31", "must begin after the 2024 attendance codes came in"),
        ("2026-13-01", "is not a date; write it as YYYY-MM-DD"),
    ],
)
def test_a_day_the_demo_cannot_be_built_around_is_refused_and_nothing_saved(given, problem):
    # 2024 regulations: the 2024 codes apply from 19 August 2024, so the demo's last school
    # year must begin after it.
    with pytest.raises(CommandError, match=problem):
        call_command("seed_demo", "--today", given, stdout=StringIO())
    assert not Federation.objects.exists()
