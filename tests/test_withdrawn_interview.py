"""Withdrawn `J` (interview) in history before 19 August 2024 counts as attendance, everywhere.

Issue #16, item 4: "Before 19 August 2024 `J` (interview) was an approved educational activity,
which counts as attendance (the DfE's Common Basic Data Set, code set D00202, flags it as not an
absence). A pupil with 8 presents and 2 `J` in July 2024 shows 80.0 % and persistent absence
instead of 100 %."
"""

import importlib
import json
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from registers.codes import CodeGroup, CountsAs, code_catalogue, counts_as
from registers.models import AttendanceCode, PupilWeek
from registers.selectors.statistics import figures_by, figures_for
from registers.services.calendar import school_calendar_rebuild
from tests.factories import (
    EnrolmentFactory,
    MarkFactory,
    PupilFactory,
    TermFactory,
)
from tests.test_pupil_weeks import assert_weeks_match_marks

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Monday 8 to Friday 12 July 2024: ten sessions of the summer term, before the 2024 regulations.
MONDAY, FRIDAY, SUNDAY = date(2024, 7, 8), date(2024, 7, 12), date(2024, 7, 14)
EIGHT_PRESENTS_AND_TWO_INTERVIEWS = ["/", "\\", "/", "J", "J", "\\", "/", "\\", "/", "\\"]

migration = importlib.import_module("registers.migrations.0014_withdrawn_j_counts_as_attendance")


@pytest.fixture
def summer_2024(school):
    term = TermFactory(
        school=school,
        name="Summer 2024",
        start=date(2024, 4, 15),
        end=date(2024, 7, 23),
        half_term_start=date(2024, 5, 27),
        half_term_end=date(2024, 5, 31),
    )
    school_calendar_rebuild(school=school)
    return term


def interviewed_pupil(school):
    """A pupil on roll with 8 presents and 2 `J` on the ten sessions of 8-12 July 2024."""
    pupil = PupilFactory()
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2023, 9, 1))
    sessions = [(MONDAY.replace(day=day), half) for day in range(8, 13) for half in ("AM", "PM")]
    for (day, session), code in zip(sessions, EIGHT_PRESENTS_AND_TWO_INTERVIEWS, strict=True):
        MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id=code)
    return pupil


def test_withdrawn_j_counts_as_attendance_h_as_authorised_absence_and_y_as_not_possible():
    # Fact sheet: withdrawn codes "count as they did then: H (agreed family holiday) authorised
    # absence, J (interview) an approved educational activity, so attendance (CBDS D00202),
    # plain Y not a possible session".
    assert counts_as("J") == CountsAs.ATTENDANCE
    assert counts_as("H") == CountsAs.AUTHORISED
    assert counts_as("Y") == CountsAs.NOT_POSSIBLE
    assert code_catalogue()["J"].group == CodeGroup.WITHDRAWN
    assert "approved educational activity" in code_catalogue()["J"].meaning


@pytest.mark.parametrize("codes", [True, False], ids=["from the marks", "from the pupil weeks"])
def test_eight_presents_and_two_interviews_in_july_2024_are_100_percent_and_not_persistent(
    school, summer_2024, codes
):
    # Issue #16: 8 presents and 2 J in July 2024 are 100 %, not 80.0 % and persistent absence.
    pupil = interviewed_pupil(school)

    for start, end in ((MONDAY, SUNDAY), (MONDAY, FRIDAY), (summer_2024.start, summer_2024.end)):
        figures = figures_for(school_ids=[school.pk], start=start, end=end, codes=codes)
        assert (figures.possible, figures.attended, figures.authorised) == (10, 10, 0)
        assert figures.attendance_pct == Decimal("100.0")
        assert (figures.persistent, figures.is_persistent) == (0, False)
        by_pupil = figures_by(school_ids=[school.pk], start=start, end=end, by="pupil", codes=codes)
        assert by_pupil[pupil.pk].attendance_pct == Decimal("100.0")
    assert PupilWeek.objects.get(pupil=pupil, week_start=MONDAY).attended == 10


def test_the_pages_and_the_command_show_100_percent_and_no_persistent_absence(
    client, school, summer_2024, head
):
    # Issue #16: J counts as attendance "everywhere": the pupil profile, the school page (its
    # term figures from the marks, its year groups, cohorts and weeks from the pupil weeks)
    # and `attendance_stats`.
    pupil = interviewed_pupil(school)
    client.force_login(head)

    with time_machine.travel(datetime(2024, 7, 15, 10, 0, tzinfo=LONDON), tick=False):
        profile = client.get(reverse("report_pupil", args=[school.pk, pupil.pk]))
        page = client.get(reverse("report_school", args=[school.pk]))

    terms = {table.name: table for table in profile.context["tables"]}["terms"]
    assert terms.rows[0] == ["Summer 2024", 10, 10, 0, 0, Decimal("100.0"), ""]
    overview = page.context["overview"]
    assert overview.term_figures.attendance_pct == Decimal("100.0")
    assert overview.term_figures.persistent == 0 and overview.persistent == []
    assert overview.term_by_year_group[0][1].attendance_pct == Decimal("100.0")
    assert overview.cohorts[-1].figures.attendance_pct == Decimal("100.0")
    assert [figures.attendance_pct for _monday, figures in overview.weeks] == [Decimal("100.0")]
    out = StringIO()
    call_command(
        "attendance_stats",
        *("--school", school.urn, "--from", "2024-07-01", "--to", "2024-07-31", "--json"),
        stdout=out,
    )
    (row,) = json.loads(out.getvalue())["pupils"]
    assert (row["attendance_pct"], row["authorised"], row["persistent"]) == (100.0, 0, False)


@pytest.mark.postgres  # SQLite's schema editor cannot open inside the test's transaction
def test_the_migration_counts_the_pupil_weeks_of_existing_j_marks_again(school, summer_2024):
    # Issue #16: the pupil weeks count a mark by what its code counted as when it was written,
    # so the migration that corrects J counts again the weeks of the schools holding J marks.
    code_catalogue()  # cached with the catalogue as it is, before this test changes the table
    try:
        AttendanceCode.objects.filter(code="J").update(counts_as=CountsAs.AUTHORISED)
        pupil = interviewed_pupil(school)

        def week() -> tuple[int, int]:
            # Counted again, a week is a new row.
            row = PupilWeek.objects.get(pupil=pupil, week_start=MONDAY)
            return row.attended, row.authorised

        assert week() == (8, 2)  # as in a database from before this change

        with connection.schema_editor() as editor:
            migration.forwards(apps, editor)

        assert AttendanceCode.objects.get(code="J").counts_as == CountsAs.ATTENDANCE
        assert week() == (10, 0)
        assert_weeks_match_marks()

        with connection.schema_editor() as editor:
            migration.backwards(apps, editor)
        assert week() == (8, 2)
    finally:
        code_catalogue.cache_clear()
