"""`manage.py attendance_stats`: the JSON contract other tools read, and its errors."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.test_figures import pupil_with

pytestmark = pytest.mark.django_db


def attendance_stats(*args: str) -> str:
    out = StringIO()
    call_command("attendance_stats", *args, stdout=out)
    return out.getvalue()


def test_json_gives_the_school_totals_and_each_pupil(school):
    # Issue #6: prints {"school": {...totals...}, "pupils": [{"upn", "possible", "attended",
    # "authorised", "unauthorised", "attendance_pct", "persistent", "severe"}]}.
    severe = pupil_with(school, ["/", "N", "I", "X"])  # 3 possible, 2 missed
    good = pupil_with(school, ["/"] * 9 + ["M"])  # exactly 10 % missed

    output = json.loads(
        attendance_stats(
            "--school", school.urn, "--from", "2025-09-08", "--to", "2025-09-19", "--json"
        )
    )

    assert output["school"]["urn"] == school.urn
    assert output["school"]["possible"] == 13
    assert output["school"]["attended"] == 10
    assert output["school"]["attendance_pct"] == 76.9
    assert output["school"]["persistent"] == 2
    assert output["school"]["severe"] == 1
    assert output["school"]["by_code"]["X"] == 1
    assert sorted(output["pupils"], key=lambda row: row["upn"]) == sorted(
        [
            {
                "upn": severe.upn,
                "possible": 3,
                "attended": 1,
                "authorised": 1,
                "unauthorised": 1,
                "attendance_pct": 33.3,
                "persistent": True,
                "severe": True,
            },
            {
                "upn": good.upn,
                "possible": 10,
                "attended": 9,
                "authorised": 1,
                "unauthorised": 0,
                "attendance_pct": 90.0,
                "persistent": True,
                "severe": False,
            },
        ],
        key=lambda row: row["upn"],
    )


def test_a_period_without_marks_gives_zeros_and_no_percentages(school):
    output = json.loads(
        attendance_stats(
            "--school", school.urn, "--from", "2025-09-08", "--to", "2025-09-08", "--json"
        )
    )

    assert output["pupils"] == []
    assert output["school"]["possible"] == 0
    assert output["school"]["attendance_pct"] is None


def test_the_table_lists_each_pupil(school):
    pupil = pupil_with(school, ["/", "N"])

    output = attendance_stats("--school", school.urn, "--from", "2025-09-08", "--to", "2025-09-08")

    assert pupil.upn in output
    assert "severe" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--school", "000000", "--from", "2025-09-08", "--to", "2025-09-09"], "No school"),
        (["--from", "2025-13-01", "--to", "2025-09-09"], "--from must be a date"),
        (["--from", "2025-09-10", "--to", "2025-09-09"], "--to is before --from"),
    ],
)
def test_bad_input_is_refused_with_the_reason(school, args, message):
    if "--school" not in args:
        args = ["--school", school.urn, *args]

    with pytest.raises(CommandError, match=message):
        attendance_stats(*args)
