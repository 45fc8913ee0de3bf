"""`import_pupils`: pupils, enrolments and classes from CSV, all checked before any is saved."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from registers.models import (
    Enrolment,
    GroupMembership,
    LeavingReason,
    Pupil,
    RegistrationGroup,
)
from tests.factories import EnrolmentFactory, PupilFactory, RegistrationGroupFactory, make_upn

pytestmark = pytest.mark.django_db

HEADER = "upn,surname,forename,date_of_birth,year_group,group,start_date"
GOOD_ROW = f"{make_upn(1)},Testpupil,Alex,2017-05-01,4,4A,2025-09-03"


def _csv(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "pupils.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _import(school, path: Path) -> str:
    out = StringIO()
    call_command("import_pupils", "--school", school.urn, str(path), stdout=out)
    return out.getvalue()


def _rejected(school, path: Path) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_pupils", "--school", school.urn, str(path), stderr=err)
    return err.getvalue()


def _nothing_saved() -> bool:
    return not any(
        model.objects.exists() for model in (Pupil, Enrolment, RegistrationGroup, GroupMembership)
    )


def test_a_good_file_imports_pupils_enrolments_groups_and_memberships(school, tmp_path):
    path = _csv(
        tmp_path,
        f"{make_upn(1)},Testpupil,Alex,2017-05-01,Y4,4A,2025-09-03,,,,Y,,no,yes",
        f"{make_upn(2)},Samplechild,Bea,14/02/2018,3,4A,03/09/2025,19/12/2025,9(1)(a),"
        "Luston Primary,,true,N,",
        f"{make_upn(3)},Madeup,Cal,2020-11-30,r,Reception,2025-09-03,,,,,,,",
        header=HEADER + ",leaving_date,leaving_ground,destination,sen,ehcp,fsm,social_worker",
    )
    out = _import(school, path)

    assert "Imported 3 pupil(s) (3 new, 0 already known)" in out
    alex = Pupil.objects.get(upn=make_upn(1))
    assert (alex.legal_surname, alex.legal_forename, alex.year_group) == ("Testpupil", "Alex", "4")
    assert alex.sen_support and alex.social_worker and not alex.ehc_plan and not alex.fsm
    bea = Pupil.objects.get(upn=make_upn(2))
    assert bea.date_of_birth == date(2018, 2, 14) and bea.ehc_plan and not bea.sen_support
    assert Pupil.objects.get(upn=make_upn(3)).year_group == "R"

    enrolment = Enrolment.objects.get(pupil=bea, school=school)
    assert (enrolment.start_date, enrolment.leaving_date) == (date(2025, 9, 3), date(2025, 12, 19))
    # Regulation 9: a deletion on one of its grounds, with the destination where known.
    assert enrolment.leaving_reason == LeavingReason.OTHER_SCHOOL
    assert enrolment.destination == "Luston Primary"
    assert Enrolment.objects.get(pupil=alex).leaving_reason == ""

    assert sorted(school.groups.values_list("name", flat=True)) == ["4A", "Reception"]
    membership = GroupMembership.objects.get(pupil=bea)
    assert membership.group.name == "4A"
    assert (membership.start_date, membership.end_date) == (date(2025, 9, 3), date(2025, 12, 19))


def test_an_excel_file_with_a_byte_order_mark_and_optional_names_imports(school, tmp_path):
    path = tmp_path / "pupils.csv"
    header = HEADER + ",preferred_forename,medical_condition"
    path.write_bytes(
        ("\ufeff" + header + "\r\n" + GOOD_ROW + ",Lexi,Yes\r\n,,,,,,,,\r\n").encode("utf-8")
    )
    _import(school, path)
    pupil = Pupil.objects.get()
    assert pupil.name == "Lexi Testpupil" and pupil.medical_condition


def test_an_existing_group_is_joined_whatever_the_case_of_its_name(school, tmp_path):
    group = RegistrationGroupFactory(school=school, name="4A")
    _import(school, _csv(tmp_path, GOOD_ROW.replace(",4A,", ",4a,")))
    assert RegistrationGroup.objects.get() == group
    assert GroupMembership.objects.get().group == group


def test_a_bad_check_letter_rejects_the_whole_file(school, tmp_path):
    upn = make_upn(2)
    wrong = ("A" if upn[0] != "A" else "B") + upn[1:]
    err = _rejected(
        school, _csv(tmp_path, GOOD_ROW, f"{wrong},Samplechild,Bea,2018-02-14,3,3B,2025-09-03")
    )
    assert f"line 3: UPN {wrong}: the check letter does not match" in err
    assert _nothing_saved()


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("{upn},Samplechild,Bea,2018-02-14,15,3B,2025-09-03", "Unknown year group '15'"),
        ("{upn},Samplechild,Bea,2018-02-14,,3B,2025-09-03", "year_group is blank"),
        ("{upn},Samplechild,Bea,2018-13-14,3,3B,2025-09-03", "'2018-13-14' is not a real date"),
        ("{upn},Samplechild,Bea,31/02/2018,3,3B,2025-09-03", "'31/02/2018' is not a real date"),
        ("{upn},Samplechild,Bea,14 Feb 2018,3,3B,2025-09-03", "write it as YYYY-MM-DD"),
        ("{upn},Samplechild,Bea,2099-02-14,3,3B,2025-09-03", "date_of_birth is in the future"),
        ("{upn},Samplechild,Bea,2018-02-14,3,3B,2017-09-03", "start_date is not after date_of"),
        ("{upn},Samplechild,Bea,2018-02-14,3,3B,", "start_date is blank"),
        (",Samplechild,Bea,2018-02-14,3,3B,2025-09-03", "upn is blank"),
        ("{upn},,Bea,2018-02-14,3,3B,2025-09-03", "surname is blank"),
        ("{upn},Samplechild,,2018-02-14,3,3B,2025-09-03", "forename is blank"),
        ("{upn},Samplechild,Bea,2018-02-14,3,,2025-09-03", "group is blank"),
        ("{upn}," + "X" * 101 + ",Bea,2018-02-14,3,3B,2025-09-03", "longer than 100 characters"),
        # Leaving day on or after the starting day (admission register).
        ("{upn},Samplechild,Bea,2018-02-14,3,3B,2025-09-03,2025-09-02", "leaving_date is before"),
        # The census records SEN provision as SEN support or an EHC plan, not both.
        ("{upn},Samplechild,Bea,2018-02-14,3,3B,2025-09-03,,Y,Y", "sen and ehcp are both set"),
        ("{upn},Samplechild,Bea,2018-02-14,3,3B,2025-09-03,,maybe", "sen: 'maybe' is not yes"),
        ("{upn},Samplechild,Bea,2018-02-14,3,3B,2025-09-03,,,,2", "fsm: '2' is not yes or no"),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_its_line_and_nothing_is_saved(
    school, tmp_path, row, problem
):
    path = _csv(
        tmp_path,
        GOOD_ROW + ",,,,",
        row.format(upn=make_upn(2)),
        header=HEADER + ",leaving_date,sen,ehcp,fsm",
    )
    err = _rejected(school, path)
    assert "line 3: " in err and problem in err
    assert "line 2" not in err
    assert _nothing_saved()


def test_every_bad_row_is_listed_not_just_the_first(school, tmp_path):
    path = _csv(
        tmp_path,
        GOOD_ROW,
        f"{make_upn(2)},Samplechild,Bea,2018-02-14,15,3B,2025-09-03",
        "",
        f"{make_upn(3)},Madeup,Cal,2019-02-14,2,2C,someday",
    )
    err = _rejected(school, path)
    # A blank line still counts, so the numbers match what a spreadsheet shows.
    assert err.splitlines()[0].startswith("line 3: Unknown year group")
    assert err.splitlines()[1].startswith("line 5: start_date: 'someday' is not a date")
    assert _nothing_saved()


def test_a_upn_twice_in_the_file_is_reported_on_the_later_line(school, tmp_path):
    err = _rejected(school, _csv(tmp_path, GOOD_ROW, GOOD_ROW.replace("Alex", "Alexa")))
    assert f"line 3: UPN {make_upn(1)} is also on line 2" in err
    assert _nothing_saved()


def test_a_upn_of_another_pupil_is_refused_without_naming_them(school, tmp_path):
    PupilFactory(upn=make_upn(1), legal_surname="Hiddenname", legal_forename="Zed")
    err = _rejected(school, _csv(tmp_path, GOOD_ROW))
    # No pupil data in error messages beyond what the user sent.
    assert f"line 2: UPN {make_upn(1)} belongs to another pupil" in err
    assert "Hiddenname" not in err and "Zed" not in err
    assert Enrolment.objects.count() == 0


def test_a_known_pupil_is_reused_for_a_dual_registration(school, other_school, tmp_path):
    pupil = PupilFactory(upn=make_upn(1), legal_surname="TESTPUPIL", date_of_birth=date(2017, 5, 1))
    EnrolmentFactory(pupil=pupil, school=other_school, start_date=date(2021, 9, 1))

    out = _import(school, _csv(tmp_path, GOOD_ROW))

    assert "(0 new, 1 already known)" in out and "left unchanged" in out
    assert Pupil.objects.get() == pupil
    assert Enrolment.objects.get(school=school).pupil == pupil
    assert Enrolment.objects.filter(pupil=pupil).count() == 2


def test_a_returning_pupil_gets_a_new_enrolment_after_the_old_one_ended(school, tmp_path):
    pupil = PupilFactory(upn=make_upn(1), legal_surname="Testpupil", date_of_birth=date(2017, 5, 1))
    EnrolmentFactory(
        pupil=pupil,
        school=school,
        start_date=date(2021, 9, 1),
        leaving_date=date(2023, 7, 21),
        leaving_reason=LeavingReason.MOVED_AWAY,
    )
    _import(school, _csv(tmp_path, GOOD_ROW))
    assert Enrolment.objects.filter(pupil=pupil, school=school).count() == 2


def test_a_known_pupil_already_on_roll_here_for_those_dates_is_refused(school, tmp_path):
    pupil = PupilFactory(upn=make_upn(1), legal_surname="Testpupil", date_of_birth=date(2017, 5, 1))
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2021, 9, 1))
    path = _csv(tmp_path, f"{make_upn(2)},Samplechild,Bea,2018-02-14,3,3B,2025-09-03", GOOD_ROW)

    err = _rejected(school, path)

    assert "line 3: the pupil with UPN" in err and "already on this school's admission" in err
    assert Pupil.objects.count() == 1 and Enrolment.objects.count() == 1


def test_a_row_with_more_values_than_columns_is_refused(school, tmp_path):
    err = _rejected(school, _csv(tmp_path, GOOD_ROW, GOOD_ROW + ",extra"))
    assert "line 3: this row has 8 values but the header names 7 columns" in err
    assert _nothing_saved()


def test_an_unknown_urn_is_refused(school, tmp_path):
    with pytest.raises(CommandError, match="No school has URN 000000"):
        call_command("import_pupils", "--school", "000000", str(_csv(tmp_path, GOOD_ROW)))


def test_a_missing_file_is_refused(school, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_pupils", "--school", school.urn, str(tmp_path / "nope.csv"))


def test_a_file_that_is_not_utf8_is_refused(school, tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_bytes((HEADER + "\n" + GOOD_ROW.replace("Alex", "Zoë") + "\n").encode("cp1252"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_pupils", "--school", school.urn, str(path))
    assert _nothing_saved()


def test_missing_and_unknown_columns_are_named(school, tmp_path):
    path = _csv(tmp_path, "x,y", header="upn,surname,leaving date")
    with pytest.raises(CommandError) as raised:
        call_command("import_pupils", "--school", school.urn, str(path))
    message = str(raised.value)
    assert "missing required column(s): forename, date_of_birth, year_group, group" in message
    assert "unknown column(s): leaving date" in message


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            f"{make_upn(2)},Testpupil,Alex,2017-05-01,²,4A,2025-09-03",
            "line 2: Unknown year group '²'",
        ),
        (
            "A80120000²001,Testpupil,Alex,2017-05-01,4,4A,2025-09-03",
            "line 2: UPN A80120000²001: characters 2 to 12 of a UPN must be digits",
        ),
        (
            f"{make_upn(2)},Test\0pupil,Alex,2017-05-01,4,4A,2025-09-03",
            "line 2: surname contains a control character",
        ),
        (
            f"{make_upn(2)},Testpupil,\u202excelA,2017-05-01,4,4A,2025-09-03",
            "line 2: forename contains an invisible character that changes the direction",
        ),
    ],
    ids=["superscript year group", "superscript in a UPN", "NUL in a name", "RTL override"],
)
def test_odd_characters_are_reported_by_line_not_as_a_traceback(school, tmp_path, row, problem):
    # Issue #21 finding 12: "The importers crash with a traceback (not a problem by line) on ²
    # in a number column; a NUL byte in a name is stored on SQLite and fails on PostgreSQL;
    # right-to-left override characters are accepted in names".
    err = _rejected(school, _csv(tmp_path, row))
    assert problem in err
    assert _nothing_saved()


def test_the_model_refuses_the_same_characters_for_the_admins_forms(school):
    # Issue #21: "names refused with control or bidirectional-override characters" wherever
    # they are entered (the admin validates through the model's fields).
    from django.core.exceptions import ValidationError

    from tests.factories import ContactFactory

    pupil = PupilFactory.build(upn=make_upn(4), legal_forename="\u202eAlex")
    with pytest.raises(ValidationError, match="changes the direction of the text"):
        pupil.full_clean()
    contact = ContactFactory.build(name="Pat\x00Parent")
    with pytest.raises(ValidationError, match="control character"):
        contact.full_clean()
