"""`import_ctf` with files as the DfE's own services write them, and the codes the 2024 rules and
the CBDS code sets added: partial files, names in capitals, year-numbered versions, two-character
attendance codes.

The fixtures follow the DfE writers' layouts: the Multiplication Tables Check's
(DFEAGILEDEVOPS/MTC admin/services/ctf/ctf.service.js) and Get Information About Pupils'
(DFE-Digital/get-information-about-pupils, XmlCtfFormatter).
"""

from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from registers.models import Mark, Pupil, PupilContact
from tests.conftest import LONDON
from tests.factories import EnrolmentFactory, PupilFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "ctf"
SAMPLE, MTC, GIAP = DATA / "sample.xml", DATA / "mtc_partial.xml", DATA / "giap_partial.xml"
TWO_CHARACTER_CODES = DATA / "two_character_codes.xml"
RHYS, FLORENCE, TOBIAS = "R884200118001", "F884200118002", "V884200118003"
AVA, RAFE = "C884299917001", "V884299916003"
# The MTC's results are sent at the end of June; the sample at the start of the autumn term.
END_OF_JUNE_2027 = datetime(2027, 6, 25, 17, 0, tzinfo=LONDON)
SAMPLE_EVENING = datetime(2025, 9, 19, 17, 0, tzinfo=LONDON)


def _import(school, path: Path, *options: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_ctf", "--school", school.urn, *options, str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _rejected(school, path: Path) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_ctf", "--school", school.urn, str(path), stderr=err)
    return err.getvalue()


def _variant(tmp_path: Path, source: Path, *changes: tuple[str, str]) -> Path:
    """`source` with each `old` text replaced by `new` (every match)."""
    text = source.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "variant.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _year_5_on_roll(school, **leaving) -> tuple[Pupil, Pupil]:
    """Rhys and Florence, on roll at `school` since September 2022 as the office typed them."""
    rhys = PupilFactory(
        upn=RHYS,
        legal_surname="Abernethy",
        legal_forename="Rhys",
        date_of_birth=date(2018, 2, 11),
        year_group="5",
    )
    florence = PupilFactory(
        upn=FLORENCE,
        legal_surname="Marchbank",
        legal_forename="Florence",
        date_of_birth=date(2017, 11, 30),
        year_group="5",
    )
    EnrolmentFactory(pupil=rhys, school=school, start_date=date(2022, 9, 5))
    EnrolmentFactory(pupil=florence, school=school, start_date=date(2022, 9, 5), **leaving)
    return rhys, florence


# --- partial files: the DfE's services ---------------------------------------------------------


@time_machine.travel(END_OF_JUNE_2027, tick=False)
def test_a_partial_file_from_the_mtc_updates_pupils_on_roll_and_lists_the_rest_as_skipped(
    school,
):
    # Issue #20: "A partial CTF updates pupils already on roll and adds none (pupils not on roll
    # are listed as skipped, and the import succeeds)"; the MTC writes no BasicDetails and "26.0".
    rhys, florence = _year_5_on_roll(school)

    out, err = _import(school, MTC)

    assert out == (
        "Test Primary: 0 pupil(s) created, 2 updated, 0 new enrolment(s), 0 contact(s), "
        "0 mark(s) imported. 1 pupil(s) not on roll here were skipped: a partial file adds no "
        "pupils.\n"
        f"pupil 3 (UPN {TOBIAS}): not on roll here: skipped\n"
    )
    assert err == ""  # 26.0 is a version this import knows: no warning
    assert not Pupil.objects.filter(upn=TOBIAS).exists()
    rhys.refresh_from_db()
    florence.refresh_from_db()
    # Names in capitals do not replace the office's; no NCyearActual keeps the year group; the
    # sex the CTF carries is recorded.
    assert (rhys.legal_surname, rhys.legal_forename, rhys.year_group, rhys.sex) == (
        "Abernethy",
        "Rhys",
        "5",
        "M",
    )
    assert (florence.legal_forename, florence.year_group, florence.sex) == ("Florence", "5", "F")


@time_machine.travel(datetime(2027, 1, 12, 15, 0, tzinfo=LONDON), tick=False)
def test_a_partial_file_from_giap_never_changes_names(school):
    # Issue #20: "a partial file never changes names" ("Flo" is GIAP's copy, not the register's).
    _, florence = _year_5_on_roll(school)

    out, _ = _import(school, GIAP)

    assert out.startswith("Test Primary: 0 pupil(s) created, 2 updated")
    florence.refresh_from_db()
    assert (florence.legal_forename, florence.preferred_forename) == ("Florence", "")


@time_machine.travel(END_OF_JUNE_2027, tick=False)
def test_a_pupil_who_has_left_is_skipped_by_a_partial_file(school):
    # A partial file updates pupils "already on roll": Florence was deleted from the register.
    _, florence = _year_5_on_roll(school, leaving_date=date(2026, 12, 18), leaving_reason="other")

    out, _ = _import(school, MTC)

    assert out.splitlines()[1:] == [
        f"pupil 2 (UPN {FLORENCE}): not on roll here: skipped",
        f"pupil 3 (UPN {TOBIAS}): not on roll here: skipped",
    ]
    florence.refresh_from_db()
    assert florence.sex == ""


@time_machine.travel(END_OF_JUNE_2027, tick=False)
def test_a_pupil_not_on_roll_is_skipped_without_reading_the_rest_of_their_record(school, tmp_path):
    # A partial file adds no one, so a skipped pupil's record cannot refuse the file.
    _year_5_on_roll(school)
    path = _variant(tmp_path, MTC, ("<DOB>2018-05-06</DOB>", "<DOB>6 May 2018</DOB>"))

    out, _ = _import(school, path)

    assert f"pupil 3 (UPN {TOBIAS}): not on roll here: skipped" in out


@time_machine.travel(END_OF_JUNE_2027, tick=False)
def test_a_version_newer_than_the_newest_known_is_read_with_a_warning(school, tmp_path):
    # Issue #20: "Any CTF version from 23 on is read, a version newer than the newest known with
    # a warning."
    rhys, _ = _year_5_on_roll(school)
    path = _variant(
        tmp_path, MTC, ("<CTFversion>26.0</CTFversion>", "<CTFversion>27.0</CTFversion>")
    )

    out, err = _import(school, path)

    assert "2 updated" in out
    assert err == (
        "Warning: variant.xml is CTF 27, newer than the newest this import knows (CTF 26); it "
        "was read as CTF 26: check the pupils it changed.\n"
    )
    rhys.refresh_from_db()
    assert rhys.sex == "M"


@pytest.mark.parametrize("version", ["23", "24.0", "25"])
@time_machine.travel(END_OF_JUNE_2027, tick=False)
def test_every_version_from_23_is_read_without_a_warning(school, tmp_path, version):
    _year_5_on_roll(school)
    path = _variant(
        tmp_path, MTC, ("<CTFversion>26.0</CTFversion>", f"<CTFversion>{version}</CTFversion>")
    )
    out, err = _import(school, path)
    assert "2 updated" in out and err == ""


@time_machine.travel(END_OF_JUNE_2027, tick=False)
def test_a_file_neither_full_nor_partial_is_refused(school, tmp_path):
    path = _variant(
        tmp_path,
        MTC,
        (
            "<DocumentQualifier>partial</DocumentQualifier>",
            "<DocumentQualifier>some</DocumentQualifier>",
        ),
    )
    with pytest.raises(CommandError) as raised:
        _import(school, path)
    assert str(raised.value) == (
        "variant.xml: the header's DocumentQualifier is 'some'; a CTF is 'full' or 'partial'"
    )


@time_machine.travel(END_OF_JUNE_2027, tick=False)
def test_a_file_for_another_establishment_of_the_same_authority_is_refused(school, tmp_path):
    # With the school's DfE number recorded, a file for 884/2002 is not this school's.
    school.estab = "2001"
    school.save()
    path = _variant(
        tmp_path, MTC, ("<Estab>2001</Estab>\n      <URN>", "<Estab>2002</Estab>\n      <URN>")
    )
    with pytest.raises(CommandError) as raised:
        _import(school, path)
    assert str(raised.value) == (
        "variant.xml: the file is addressed to establishment 8842002, but Test Primary is "
        "8842001; check the file and --school"
    )


# --- full files: names, year groups, sex -------------------------------------------------------


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_full_files_names_in_capitals_never_replace_the_recorded_names(school, tmp_path):
    # Issue #20: "A file's names never replace stored names that differ only in case".
    ava = PupilFactory(
        upn=AVA,
        legal_surname="Brightwater",
        legal_forename="Ava",
        preferred_forename="Avie",
        date_of_birth=date(2017, 3, 14),
        year_group="3",
    )
    path = _variant(
        tmp_path,
        SAMPLE,
        ("<Forename>Ava</Forename>", "<Forename>AVA</Forename>"),
        (
            "<PreferredForename>Avie</PreferredForename>",
            "<PreferredForename>AVIE</PreferredForename>",
        ),
    )

    _import(school, path)

    ava.refresh_from_db()
    assert (ava.legal_forename, ava.preferred_forename, ava.year_group) == ("Ava", "Avie", "4")


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_full_file_still_corrects_a_name_that_differs_in_more_than_case(school, tmp_path):
    ava = PupilFactory(
        upn=AVA, legal_surname="Brightwater", legal_forename="Eva", date_of_birth=date(2017, 3, 14)
    )
    _import(school, SAMPLE)
    ava.refresh_from_db()
    assert ava.legal_forename == "Ava"


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_full_file_without_ncyearactual_keeps_the_stored_year_group(school, tmp_path):
    # Issue #20: "a missing NCyearActual keeps the stored year group".
    rafe = PupilFactory(
        upn=RAFE, legal_surname="Quillfeather", date_of_birth=date(2016, 6, 30), year_group="4"
    )
    EnrolmentFactory(pupil=rafe, school=school, start_date=date(2021, 9, 1))
    path = _variant(tmp_path, SAMPLE, ("<NCyearActual>5</NCyearActual>", ""))

    out, _ = _import(school, path)

    assert "2 pupil(s) created, 1 updated" in out
    rafe.refresh_from_db()
    assert rafe.year_group == "4"


@pytest.mark.parametrize("year_group", ["M", "X", "14"])
@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_every_cbds_year_group_is_read(school, tmp_path, year_group):
    # CBDS D00020: N1, N2, R, 1-14, M (mixed year class), X (NC not followed).
    path = _variant(
        tmp_path,
        SAMPLE,
        ("<NCyearActual>4</NCyearActual>", f"<NCyearActual>{year_group}</NCyearActual>"),
    )
    _import(school, path)
    assert Pupil.objects.get(upn=AVA).year_group == year_group


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("HTC", "Head teacher"),
        ("TCH", "Teacher"),
        ("RLG", "Religious or spiritual contact"),
        ("STP", "Step-parent"),
        ("FOS", "Foster parent"),
        ("fom", "Foster mother"),
    ],
)
@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_every_cbds_relationship_code_is_stored_in_words(school, tmp_path, code, label):
    # CBDS D00033 (HTC, TCH, RLG) and D00032 (STP, FOS): stored as staff say them, not the code.
    path = _variant(
        tmp_path,
        SAMPLE,
        ("<Relationship>PAF</Relationship>", f"<Relationship>{code}</Relationship>"),
    )
    _import(school, path)
    assert PupilContact.objects.get(pupil__upn=RAFE).relationship == label


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_relationship_code_of_neither_code_set_is_refused(school, tmp_path):
    path = _variant(
        tmp_path, SAMPLE, ("<Relationship>PAF</Relationship>", "<Relationship>Dad</Relationship>")
    )
    assert _rejected(school, path) == (
        f"pupil 3 (UPN {RAFE}): contact 1: Relationship 'Dad' is not a CBDS relationship code "
        "(D00032, D00033)\n"
    )
    assert not Pupil.objects.exists()


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_sex_is_read_from_sex_or_from_gender_before_ctf_25(school, tmp_path):
    path = _variant(
        tmp_path,
        SAMPLE,
        ("<CTFversion>25.0</CTFversion>", "<CTFversion>23.0</CTFversion>"),
        ("<Sex>M</Sex>", "<Gender>M</Gender>"),
    )
    _import(school, path)
    assert dict(Pupil.objects.values_list("upn", "sex")) == {
        AVA: "F",
        "A884299920002": "M",
        RAFE: "M",
    }


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_sex_that_is_not_m_or_f_is_refused(school, tmp_path):
    path = _variant(tmp_path, SAMPLE, ("<Sex>F</Sex>", "<Sex>Q</Sex>"))
    assert _rejected(school, path) == f"pupil 1 (UPN {AVA}): Sex must be M or F, not 'Q'\n"


# --- the session marks: two-character codes and 999 characters --------------------------------


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_the_2024_two_character_codes_are_read_from_a_comma_separated_string(school):
    # Issue #20: C2, J1, C1 and Y1-Y7 "cannot travel" one character per session; CTF 24 onwards
    # separates the sessions' codes with commas (registers/lib/ctf_format.py cites the source).
    out, _ = _import(school, TWO_CHARACTER_CODES)

    assert "1 pupil(s) created, 0 updated, 1 new enrolment(s), 1 contact(s), 20 mark(s)" in out
    isla = Pupil.objects.get(upn="V884299917004")
    assert (isla.sex, isla.year_group) == ("F", "6")
    assert isla.pupil_contacts.get().relationship == "Step-parent"
    assert list(Mark.objects.filter(pupil=isla).values_list("date", "session", "code_id")) == [
        (date(2025, 9, 8), "AM", "/"),
        (date(2025, 9, 8), "PM", "\\"),
        (date(2025, 9, 9), "AM", "C2"),
        (date(2025, 9, 9), "PM", "C2"),
        (date(2025, 9, 10), "AM", "J1"),
        (date(2025, 9, 10), "PM", "\\"),
        (date(2025, 9, 11), "AM", "C1"),
        (date(2025, 9, 11), "PM", "C1"),
        (date(2025, 9, 12), "AM", "Y1"),
        (date(2025, 9, 12), "PM", "Y2"),
        (date(2025, 9, 15), "AM", "Y3"),
        (date(2025, 9, 15), "PM", "Y4"),
        (date(2025, 9, 16), "AM", "Y5"),
        (date(2025, 9, 16), "PM", "Y6"),
        (date(2025, 9, 17), "AM", "Y7"),
        (date(2025, 9, 17), "PM", "Q"),
        (date(2025, 9, 18), "AM", "K"),
        (date(2025, 9, 18), "PM", "K"),
        (date(2025, 9, 19), "AM", "/"),
        (date(2025, 9, 19), "PM", "\\"),
    ]


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_two_character_code_without_commas_is_refused_naming_the_pupil_date_and_session(
    school, tmp_path
):
    # Issue #20: "whatever cannot be read is refused naming the pupil, the date and the session",
    # not "'2' is not an attendance code".
    path = _variant(tmp_path, SAMPLE, ("/\\/\\M\\/\\/\\####", "/\\/\\C2/\\/\\####"))
    assert _rejected(school, path) == (
        f"pupil 1 (UPN {AVA}): attendance 2025: 2025-09-10 AM: 'C2' is a two-character code in "
        "a string without commas; from CTF 24 the sessions' codes are separated by commas\n"
    )
    assert not Mark.objects.exists()


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_withdrawn_y_written_as_y1_without_commas_names_the_two_character_code(school, tmp_path):
    path = _variant(tmp_path, SAMPLE, ("/\\/\\M\\/\\/\\####", "/\\/\\\\Y1/\\/\\####"))
    err = _rejected(school, path)
    assert "2025-09-10 PM: 'Y1' is a two-character code in a string without commas" in err
    assert "withdrawn" not in err


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_an_unknown_code_in_a_comma_separated_string_is_named_with_its_date_and_session(
    school, tmp_path
):
    path = _variant(tmp_path, TWO_CHARACTER_CODES, ("C1,C1,", "C1,C9,"))
    assert _rejected(school, path) == (
        "pupil 1 (UPN V884299917004): attendance 2025: 2025-09-11 PM: 'C9' is not an "
        "attendance code\n"
    )


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_session_left_empty_between_commas_is_refused(school, tmp_path):
    path = _variant(tmp_path, TWO_CHARACTER_CODES, ("J1,\\,", "J1,,"))
    assert _rejected(school, path) == (
        "pupil 1 (UPN V884299917004): attendance 2025: 2025-09-10 PM: no code between two "
        "commas (write '-' for a session without a mark)\n"
    )


MARKS = "/,\\,C2,C2,J1,\\,C1,C1,Y1,Y2,#,#,#,#,Y3,Y4,Y5,Y6,Y7,Q,K,K,/,\\"
# The same sessions followed by sessions without a mark, to 999 characters.
LONGEST_MARKS = MARKS + ",-" * ((999 - len(MARKS)) // 2)


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_marks_string_of_999_characters_is_read(school, tmp_path):
    # CBDS item 100482: AttendanceMarks holds up to 999 characters (the import stopped at 744).
    assert len(LONGEST_MARKS) == 999
    out, _ = _import(school, _variant(tmp_path, TWO_CHARACTER_CODES, (MARKS, LONGEST_MARKS)))
    assert "20 mark(s) imported" in out


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_marks_string_of_1000_characters_is_refused(school, tmp_path):
    path = _variant(tmp_path, TWO_CHARACTER_CODES, (MARKS, LONGEST_MARKS + "-"))
    assert _rejected(school, path) == (
        "pupil 1 (UPN V884299917004): attendance 2025: AttendanceMarks is longer than 999 "
        "characters (CBDS item 100482)\n"
    )


@time_machine.travel(SAMPLE_EVENING, tick=False)
def test_a_year_in_several_strings_is_read_from_each_start_date(school, tmp_path):
    # A year longer than 999 characters comes as more than one AttendSessions (as
    # `export_ctf` writes it): each string starts on its own AttendanceStartDate's morning.
    path = _variant(
        tmp_path,
        TWO_CHARACTER_CODES,
        (
            "<AttendanceMarks>/,\\,C2,C2,J1,\\,C1,C1,Y1,Y2,#,#,#,#,Y3,Y4,Y5,Y6,Y7,Q,K,K,/,\\"
            "</AttendanceMarks>",
            "<AttendanceMarks>/,\\,C2,C2</AttendanceMarks>\n          </AttendSessions>\n"
            "          <AttendSessions>\n"
            "            <AttendanceStartDate>2025-09-18</AttendanceStartDate>\n"
            "            <AttendanceMarks>K,K,/,\\</AttendanceMarks>",
        ),
    )

    out, _ = _import(school, path)

    assert "8 mark(s) imported" in out
    assert list(
        Mark.objects.order_by("date", "session").values_list("date", "session", "code_id")
    ) == [
        (date(2025, 9, 8), "AM", "/"),
        (date(2025, 9, 8), "PM", "\\"),
        (date(2025, 9, 9), "AM", "C2"),
        (date(2025, 9, 9), "PM", "C2"),
        (date(2025, 9, 18), "AM", "K"),
        (date(2025, 9, 18), "PM", "K"),
        (date(2025, 9, 19), "AM", "/"),
        (date(2025, 9, 19), "PM", "\\"),
    ]
