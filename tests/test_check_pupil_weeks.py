"""`check_pupil_weeks`: which schools' weekly counts differ from their marks (issue 19).

Issue 19: "a restore with triggers off leaves the dashboards silently wrong until
`rebuild_pupil_weeks`"; "a `check_pupil_weeks` command compares the weekly counts with the
marks and says which schools differ."
"""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from registers.lib.pupil_weeks import triggers_drop, triggers_install
from registers.models import PupilWeek
from tests.conftest import MONDAY
from tests.factories import MarkFactory, PupilFactory
from tests.test_pupil_weeks import assert_weeks_match_marks

pytestmark = pytest.mark.django_db


def _check(*args: str) -> tuple[int, str, str]:
    """The command's exit status, output and error, as a shell would see them (Django exits
    with a CommandError's returncode)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("check_pupil_weeks", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def marks(school, other_school):
    """A pupil at each school with a present, an illness and an unexplained absence."""
    for at in (school, other_school):
        pupil = PupilFactory()
        MarkFactory(pupil=pupil, school=at, date=MONDAY, session="AM", code_id="/")
        MarkFactory(pupil=pupil, school=at, date=MONDAY, session="PM", code_id="I")
        MarkFactory(pupil=pupil, school=at, date=MONDAY + timedelta(days=7), code_id="N")


def test_counts_kept_by_the_triggers_match_and_exit_0(marks):
    status, out, _ = _check()
    assert status == 0
    assert "The weekly counts of 2 school(s) match their marks." in out


def test_a_count_tampered_with_is_found_and_the_school_named(school, other_school, marks):
    PupilWeek.objects.filter(school=school, week_start=MONDAY).update(attended=5)
    status, out, error = _check()
    assert status == 1
    assert school.urn in out and school.name in out
    assert other_school.name not in out
    assert f"differ from their marks ({school.urn})" in error
    assert "rebuild_pupil_weeks --school URN" in error


def test_a_week_missing_or_with_no_marks_is_found(school, other_school, marks):
    PupilWeek.objects.filter(school=school, week_start=MONDAY).delete()
    # A stored week of zeros, for a week with no marks: counted as a difference too.
    PupilWeek.objects.create(
        pupil=PupilFactory(),
        school=other_school,
        week_start=MONDAY,
        attended=0,
        authorised=0,
        unauthorised=0,
        not_possible=0,
    )
    status, out, _ = _check("--json")
    assert status == 1
    assert json.loads(out) == {
        "schools_checked": 2,
        "differing": [
            {"urn": school.urn, "name": school.name, "pupil_weeks": 1},
            {"urn": other_school.urn, "name": other_school.name, "pupil_weeks": 1},
        ][:: 1 if school.urn < other_school.urn else -1],
    }


def test_one_school_is_checked_alone_and_an_unknown_urn_is_refused(school, other_school, marks):
    PupilWeek.objects.filter(school=school).update(unauthorised=3)
    assert _check("--school", other_school.urn)[0] == 0
    status, out, _ = _check("--school", school.urn, "--json")
    assert status == 1
    assert json.loads(out)["schools_checked"] == 1
    with pytest.raises(CommandError, match="No school has the URN 999999."):
        call_command("check_pupil_weeks", "--school", "999999")


def test_marks_written_with_the_triggers_off_are_found_and_rebuilding_puts_them_right(
    school, other_school, marks
):
    # As `pg_restore --disable-triggers` loads them: marks with no weekly count kept.
    triggers_drop(connection)
    try:
        pupil = PupilFactory()
        for day in range(5):
            MarkFactory(pupil=pupil, school=school, date=MONDAY + timedelta(days=day), code_id="G")
    finally:
        triggers_install(connection)
    status, out, _ = _check("--json")
    assert status == 1
    assert json.loads(out)["differing"] == [
        {"urn": school.urn, "name": school.name, "pupil_weeks": 1}
    ]

    call_command("rebuild_pupil_weeks", "--school", school.urn, stdout=StringIO())

    assert _check() == (0, "The weekly counts of 2 school(s) match their marks.\n", "")
    assert_weeks_match_marks()


@pytest.mark.postgres
def test_on_postgresql_triggers_disabled_as_pg_restore_does_are_found(school, marks):
    # pg_restore --disable-triggers: ALTER TABLE ... DISABLE TRIGGER ALL around the data.
    pupil = PupilFactory()
    with connection.cursor() as cursor:
        # Django's foreign keys are checked at commit: checked now, so the table can change.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE registers_mark DISABLE TRIGGER ALL")
        MarkFactory(pupil=pupil, school=school, date=MONDAY, code_id="O")
        cursor.execute("ALTER TABLE registers_mark ENABLE TRIGGER ALL")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert _check()[0] == 1
    call_command("rebuild_pupil_weeks", stdout=StringIO())
    assert _check()[0] == 0
