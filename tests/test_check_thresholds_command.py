"""`manage.py check_thresholds`: the JSON contract other tools read, and its errors."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import MarkFactory, PupilFactory, SchoolFactory
from tests.test_thresholds import school_with_calendar, whole_days

pytestmark = pytest.mark.django_db


def check_thresholds(*args: str) -> str:
    out = StringIO()
    call_command("check_thresholds", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def school():
    return school_with_calendar(urn="123456", name="Command Primary")


def test_json_lists_each_pupil_meeting_the_threshold_with_window_and_marks(school):
    # "10 sessions of unauthorised absence in a rolling period of 10 school weeks"
    pupil = PupilFactory()
    whole_days(pupil, school, date(2025, 9, 8), 5, "G")
    MarkFactory(pupil=PupilFactory(), school=school, date=date(2025, 9, 8), code_id="G")

    output = check_thresholds("--school", "123456", "--as-of", "2025-12-19", "--json")

    assert json.loads(output) == [
        {
            "upn": pupil.upn,
            "window_start": "2025-06-02",
            "window_end": "2025-09-12",
            "sessions": 10,
            "marks": [
                {"date": f"2025-09-{day:02d}", "session": session, "code": "G"}
                for day in range(8, 13)
                for session in ("AM", "PM")
            ],
        }
    ]


def test_json_is_an_empty_list_when_nobody_meets_it(school):
    # "The threshold ... is 10 sessions"
    assert (
        json.loads(check_thresholds("--school", "123456", "--as-of", "2025-12-19", "--json")) == []
    )


def test_the_table_names_each_pupil_and_window(school):
    # "10 sessions of unauthorised absence in a rolling period of 10 school weeks"
    pupil = PupilFactory()
    whole_days(pupil, school, date(2025, 9, 8), 5, "U")

    output = check_thresholds("--school", "123456", "--as-of", "2025-12-19")

    assert pupil.upn in output
    assert "02/06/2025 - 12/09/2025" in output
    assert "1 pupil(s) meet the threshold" in output


def test_a_federation_covers_all_its_schools(school):
    # The threshold applies to each school of the federation with its own school weeks.
    other = school_with_calendar(federation=school.federation)
    here, there = PupilFactory(), PupilFactory()
    whole_days(here, school, date(2025, 9, 8), 5, "G")
    whole_days(there, other, date(2025, 9, 15), 5, "G")

    output = check_thresholds(
        "--federation", school.federation.name, "--as-of", "2025-12-19", "--json"
    )

    assert {row["upn"] for row in json.loads(output)} == {here.upn, there.upn}


def test_an_unknown_urn_is_refused(school):
    with pytest.raises(CommandError, match="No school has URN '999999'"):
        check_thresholds("--school", "999999", "--as-of", "2025-12-19", "--json")


def test_a_bad_date_is_refused(school):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        check_thresholds("--school", "123456", "--as-of", "2025-02-30", "--json")


def test_a_school_or_federation_must_be_given():
    SchoolFactory()
    with pytest.raises(CommandError, match="--school"):
        check_thresholds("--as-of", "2025-12-19")
