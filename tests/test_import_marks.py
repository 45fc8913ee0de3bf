"""`import_marks`: history from another system, checked as a whole before any mark is saved."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registers.codes import code_catalogue
from registers.models import Closure, Mark, MarkSource, Pupil
from registers.services.calendar import school_calendar_rebuild
from tests.factories import EnrolmentFactory, MarkFactory, TermFactory, make_upn

pytestmark = pytest.mark.django_db

HEADER = "upn,date,session,code,minutes_late"
MONDAY = "2025-09-08"  # a school day of the autumn term in the `school` fixture


@pytest.fixture
def upn(school) -> str:
    """A pupil on roll at `school` since September 2021."""
    return EnrolmentFactory(school=school, pupil__upn=make_upn(1)).pupil.upn


def _csv(tmp_path: Path, *lines: str, name: str = "marks.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _import(school, path: Path) -> str:
    out = StringIO()
    call_command("import_marks", "--school", school.urn, str(path), stdout=out)
    return out.getvalue()


def _rejected(school, path: Path) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_marks", "--school", school.urn, str(path), stderr=err)
    return err.getvalue()


def test_a_good_file_imports_every_mark_as_imported_history(school, upn, tmp_path):
    path = _csv(
        tmp_path,
        f"{upn},{MONDAY},AM,/,",
        f"{upn},{MONDAY},PM,\\,",
        f"{upn},09/09/2025,am,l,12",
        f"{upn},2025-09-09,PM,I,",
    )
    out = _import(school, path)

    assert "Imported 4 mark(s)." in out
    marks = list(Mark.objects.order_by("date", "session"))
    assert [(m.date, m.session, m.code_id, m.minutes_late) for m in marks] == [
        (date(2025, 9, 8), "AM", "/", None),
        (date(2025, 9, 8), "PM", "\\", None),
        (date(2025, 9, 9), "AM", "L", 12),
        (date(2025, 9, 9), "PM", "I", None),
    ]
    assert all(m.source == MarkSource.IMPORT and m.recorded_by is None for m in marks)
    assert all(m.recorded_at is not None and m.school == school for m in marks)


def test_a_bad_row_rejects_the_whole_file(school, upn, tmp_path):
    err = _rejected(school, _csv(tmp_path, f"{upn},{MONDAY},AM,/,", f"{upn},{MONDAY},PM,QQ,"))
    assert err.strip() == "line 3: 'QQ' is not an attendance code"
    assert not Mark.objects.exists()


@pytest.fixture
def newcomer(school) -> str:
    """A pupil who starts at `school` on 1 October 2025."""
    return EnrolmentFactory(
        school=school, pupil__upn=make_upn(2), start_date=date(2025, 10, 1)
    ).pupil.upn


@pytest.fixture
def leaver(school) -> str:
    """A pupil who left `school` on 12 September 2025."""
    return EnrolmentFactory(
        school=school,
        pupil__upn=make_upn(3),
        leaving_date=date(2025, 9, 12),
        leaving_reason="9(1)(f)",
    ).pupil.upn


@pytest.fixture
def elsewhere(other_school) -> str:
    """A pupil on roll at another school only."""
    return EnrolmentFactory(school=other_school, pupil__upn=make_upn(4)).pupil.upn


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (f"{make_upn(9)},{MONDAY},AM,/,", f"no pupil with UPN {make_upn(9)} is on this school"),
        # A pupil of another school gets the same answer: the file learns nothing about them.
        (f"{make_upn(4)},{MONDAY},AM,/,", f"no pupil with UPN {make_upn(4)} is on this school"),
        (f"{make_upn(2)},2025-09-30,AM,/,", "is not on roll at this school on 2025-09-30"),
        (f"{make_upn(3)},2025-09-15,AM,/,", "is not on roll at this school on 2025-09-15"),
        (f"X{make_upn(1)[1:]},{MONDAY},AM,/,", "the check letter does not match"),
        (f"{make_upn(1)},2025-09-06,AM,/,", "2025-09-06 AM is not a school session"),
        (f"{make_upn(1)},2025-10-28,PM,\\,", "2025-10-28 PM is not a school session"),
        (f"{make_upn(1)},2026-01-05,AM,/,", "2026-01-05 AM is not a school session"),
        (f"{make_upn(1)},08-09-2025,AM,/,", "'08-09-2025' is not a date"),
        (f"{make_upn(1)},{MONDAY},EV,/,", "session must be AM or PM, not 'EV'"),
        (f"{make_upn(1)},{MONDAY},AM,,", "code is blank"),
        (f"{make_upn(1)},{MONDAY},AM,ZZ,", "'ZZ' is not an attendance code"),
        (f"{make_upn(1)},{MONDAY},PM,/,", "'/' is the morning present mark"),
        (f"{make_upn(1)},{MONDAY},AM,\\,", "'\\' is the afternoon present mark"),
        # Minutes late are recorded for a late arrival (L before the register closes, U after).
        (f"{make_upn(1)},{MONDAY},AM,/,5", "minutes_late goes only with L or U"),
        (f"{make_upn(1)},{MONDAY},AM,U,ten", "minutes_late must be a whole number"),
        (f"{make_upn(1)},{MONDAY},AM,L,1441", "minutes_late must be a whole number from 0 to 1440"),
        (f"{make_upn(1)},{MONDAY},AM,L,-3", "minutes_late must be a whole number"),
        (f"{make_upn(1)},{MONDAY},AM,#,", "'#' is for a planned closure, but 2025-09-08 AM"),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_its_line_and_nothing_is_saved(
    school, upn, newcomer, leaver, elsewhere, tmp_path, row, problem
):
    err = _rejected(school, _csv(tmp_path, f"{upn},2025-09-10,AM,/,", row))
    assert err.startswith("line 3: ") and problem in err
    assert "line 2" not in err
    assert not Mark.objects.exists()


@time_machine.travel(date(2025, 9, 9), tick=False)
def test_a_mark_for_a_day_still_to_come_is_refused(school, upn, tmp_path):
    # Imported marks are history: a register cannot be marked ahead of the session.
    err = _rejected(school, _csv(tmp_path, f"{upn},{MONDAY},AM,/,", f"{upn},2025-09-10,AM,/,"))
    assert err == "line 3: date 2025-09-10 is in the future; only history can be imported\n"
    assert not Mark.objects.exists()


def test_the_same_pupil_date_and_session_twice_is_reported_on_the_later_line(school, upn, tmp_path):
    err = _rejected(school, _csv(tmp_path, f"{upn},{MONDAY},AM,/,", f"{upn},08/09/2025,am,L,5"))
    assert f"line 3: pupil {upn} on 2025-09-08 AM is also on line 2" in err
    assert not Mark.objects.exists()


def test_rerunning_the_same_file_skips_the_marks_already_recorded(school, upn, tmp_path):
    path = _csv(tmp_path, f"{upn},{MONDAY},AM,/,", f"{upn},{MONDAY},PM,N,")
    _import(school, path)
    before = list(Mark.objects.values())

    out = _import(school, path)

    assert "Imported 0 mark(s). Skipped 2 already recorded with the same code." in out
    assert list(Mark.objects.values()) == before


def test_a_session_already_recorded_with_another_code_must_be_amended(school, upn, tmp_path):
    pupil = Pupil.objects.get(upn=upn)
    MarkFactory(pupil=pupil, school=school, date=date(2025, 9, 8), session="PM", code_id="G")
    path = _csv(tmp_path, f"{upn},{MONDAY},AM,/,", f"{upn},{MONDAY},PM,\\,")

    err = _rejected(school, path)

    # Amendments keep the original entry: an import may not overwrite it.
    assert "line 3: 2025-09-08 PM is already recorded as 'G'; amend that mark" in err
    assert Mark.objects.count() == 1


def test_withdrawn_codes_are_accepted_in_history_before_19_august_2024(school, upn, tmp_path):
    TermFactory(
        school=school,
        name="Summer 2024",
        start=date(2024, 4, 15),
        end=date(2024, 7, 19),
        half_term_start=date(2024, 5, 27),
        half_term_end=date(2024, 5, 31),
    )
    school_calendar_rebuild(school=school)
    path = _csv(
        tmp_path, f"{upn},2024-07-15,AM,H,", f"{upn},2024-07-15,PM,J,", f"{upn},2024-07-16,AM,Y,"
    )

    # 2024 regulations: withdrawn codes may only appear in history before 19 August 2024.
    assert "Imported 3 mark(s)." in _import(school, path)
    assert set(Mark.objects.values_list("code_id", flat=True)) == {"H", "J", "Y"}


def test_withdrawn_codes_are_refused_from_19_august_2024(school, upn, tmp_path):
    path = _csv(
        tmp_path, f"{upn},{MONDAY},AM,/,", f"{upn},{MONDAY},PM,H,", f"{upn},2025-09-09,AM,J,"
    )

    err = _rejected(school, path)

    # 2024 regulations: withdrawn codes may only appear in history before 19 August 2024.
    assert "line 3: 'H' was withdrawn on 19 August 2024" in err
    assert "line 4: 'J' was withdrawn on 19 August 2024" in err
    assert not Mark.objects.exists()


def test_a_planned_closure_takes_only_the_closure_mark(school, upn, tmp_path):
    Closure.objects.create(school=school, date=date(2025, 11, 7), session="AM", reason="INSET")
    Closure.objects.create(school=school, date=date(2025, 11, 10), session="AM", reason="INSET")
    Closure.objects.create(school=school, date=date(2025, 11, 10), session="PM", reason="INSET")
    school_calendar_rebuild(school=school)

    _import(school, _csv(tmp_path, f"{upn},2025-11-07,AM,#,", f"{upn},2025-11-10,PM,#,"))
    assert Mark.objects.filter(code_id="#").count() == 2

    err = _rejected(school, _csv(tmp_path, f"{upn},2025-11-07,PM,\\,", f"{upn},2025-11-10,AM,/,"))
    assert "line 3: 2025-11-10 AM is a planned closure; only '#' can be recorded" in err


def test_checking_a_file_takes_the_same_number_of_queries_whatever_its_length(
    school, tmp_path, django_assert_max_num_queries
):
    upns = [EnrolmentFactory(school=school, pupil__upn=make_upn(n)).pupil.upn for n in range(20)]
    days = ["2025-09-08", "2025-09-09", "2025-09-10"]
    short = _csv(tmp_path, f"{upns[0]},{days[0]},AM,/,", name="short.csv")
    long = _csv(
        tmp_path,
        *(f"{upn},{day},AM,/," for upn in upns for day in days),
        name="long.csv",
    )
    code_catalogue()  # read once per process; warm it so both runs count alike
    with CaptureQueriesContext(connection) as short_run:
        _import(school, short)

    # 60 rows stay inside one bulk_create batch, so only validation could make the count grow.
    with django_assert_max_num_queries(len(short_run.captured_queries)):
        out = _import(school, long)
    assert "Imported 59 mark(s). Skipped 1" in out

    bad = _csv(tmp_path, *(f"{upn},2025-09-13,AM,/," for upn in upns), name="bad.csv")
    with django_assert_max_num_queries(len(short_run.captured_queries)):
        assert _rejected(school, bad).count("is not a school session") == len(upns)


def test_an_unknown_urn_is_refused(school, upn, tmp_path):
    with pytest.raises(CommandError, match="No school has URN 000000"):
        call_command("import_marks", "--school", "000000", str(_csv(tmp_path)))


def test_a_file_without_the_code_column_is_refused(school, tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text("upn,date,session\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"missing required column\(s\): code"):
        call_command("import_marks", "--school", school.urn, str(path))


@pytest.mark.parametrize("minutes", ["²", "٣", "9" * 5000])
def test_minutes_late_in_digits_int_refuses_is_reported_by_line(school, upn, tmp_path, minutes):
    # Issue #21 finding 12: "The importers crash with a traceback (not a problem by line) on ²
    # in a number column".
    err = _rejected(school, _csv(tmp_path, f"{upn},{MONDAY},AM,L,{minutes}"))
    assert "line 2: minutes_late must be a whole number from 0 to" in err
    assert not Mark.objects.exists()
