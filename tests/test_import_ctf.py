"""`import_ctf`: pupils, contacts and attendance from a DfE Common Transfer File, all or nothing."""

from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registers.imports import ctf_parse as ctf_parse
from registers.lib.upn import upn_check_letter
from registers.models import (
    Amendment,
    Contact,
    Enrolment,
    Mark,
    MarkSource,
    Pupil,
    PupilContact,
)
from tests.conftest import LONDON
from tests.factories import EnrolmentFactory, MarkFactory, PupilFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "ctf" / "sample.xml"
AVA, NOAH, RAFE = "C884299917001", "A884299920002", "V884299916003"


@pytest.fixture(autouse=True)
def _the_evening_the_file_was_made():
    """The sample was written on Friday 19 September 2025 at 16:30."""
    with time_machine.travel(datetime(2025, 9, 19, 17, 0, tzinfo=LONDON), tick=False):
        yield


def _variant(tmp_path: Path, *changes: tuple[str, str], occurrence: int = 0) -> Path:
    """The sample with each `old` text replaced by `new` (the `occurrence`-th match, from 0)."""
    text = SAMPLE.read_text(encoding="utf-8")
    for old, new in changes:
        at = -1
        for _ in range(occurrence + 1):
            at = text.index(old, at + 1)
        text = text[:at] + new + text[at + len(old) :]
    path = tmp_path / "variant.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _import(school, path: Path, *options: str) -> str:
    out = StringIO()
    call_command("import_ctf", "--school", school.urn, *options, str(path), stdout=out)
    return out.getvalue()


def _rejected(school, path: Path) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_ctf", "--school", school.urn, str(path), stderr=err)
    return err.getvalue()


def _refused(school, path: Path) -> str:
    with pytest.raises(CommandError) as raised:
        call_command("import_ctf", "--school", school.urn, str(path), stderr=StringIO())
    return str(raised.value)


def _nothing_saved() -> bool:
    return not any(
        model.objects.exists() for model in (Pupil, Enrolment, Contact, PupilContact, Mark)
    )


def _rafe_on_roll(school) -> Pupil:
    """Rafe, on roll at `school` since 2021 in year 4, with his mother as his only contact."""
    rafe = EnrolmentFactory(
        school=school,
        start_date=date(2021, 9, 1),
        pupil=PupilFactory(
            upn=RAFE,
            legal_surname="Quillfeather",
            legal_forename="Rafe",
            date_of_birth=date(2016, 6, 30),
            year_group="4",
        ),
    ).pupil
    mother = Contact.objects.create(name="Wren Quillfeather", phone="07700 900004")
    PupilContact.objects.create(pupil=rafe, contact=mother, relationship="Mother", priority=1)
    return rafe


def test_the_sample_file_imports_pupils_enrolments_contacts_and_marks(school):
    out = _import(school, SAMPLE)

    assert out == (
        "Test Primary: 3 pupil(s) created, 0 updated, 3 new enrolment(s), 3 contact(s), "
        "20 mark(s) imported. A CTF does not say which class a pupil joins: add the new "
        "pupils to a class.\n"
    )
    ava = Pupil.objects.get(upn=AVA)
    assert (ava.legal_surname, ava.legal_forename, ava.name) == (
        "Brightwater",
        "Ava",
        "Avie Brightwater",
    )
    assert (ava.date_of_birth, ava.year_group) == (date(2017, 3, 14), "4")
    assert Pupil.objects.get(upn=NOAH).year_group == "R"
    # The admission register starts on the day the file gives for this school (its DestSchool).
    assert {
        (e.pupil.upn, e.start_date, e.leaving_date) for e in Enrolment.objects.filter(school=school)
    } == {
        (AVA, date(2025, 9, 3), None),
        (NOAH, date(2025, 9, 3), None),
        (RAFE, date(2021, 9, 1), None),
    }

    # Contacts in priority order (<Order>), with parental responsibility only where stated.
    links = list(PupilContact.objects.filter(pupil=ava).select_related("contact"))
    assert [
        (
            link.priority,
            link.contact.name,
            link.relationship,
            link.parental_responsibility,
            link.contact.phone,
            link.contact.email,
        )
        for link in links
    ] == [
        (1, "Jenna Brightwater", "Mother", True, "07700 900001", "jenna.brightwater@example.org"),
        (2, "Maud Oakhurst", "Other relative", False, "01632 960002", ""),
    ]
    # Brother and sister share their mother: one contact, linked to both.
    assert PupilContact.objects.get(pupil__upn=NOAH).contact == links[0].contact
    assert Contact.objects.count() == 3

    # Only sessions of this school's calendar while on roll here: not July at the last school,
    # not 1-2 September before the term, not the weekend.
    assert list(Mark.objects.filter(pupil=ava).values_list("date", "session", "code_id")) == [
        (date(2025, 9, 3), "AM", "/"),
        (date(2025, 9, 3), "PM", "\\"),
        (date(2025, 9, 4), "AM", "/"),
        (date(2025, 9, 4), "PM", "\\"),
        (date(2025, 9, 5), "AM", "I"),
        (date(2025, 9, 5), "PM", "I"),
        (date(2025, 9, 8), "AM", "/"),
        (date(2025, 9, 8), "PM", "\\"),
        (date(2025, 9, 9), "AM", "/"),
        (date(2025, 9, 9), "PM", "\\"),
        (date(2025, 9, 10), "AM", "M"),
        (date(2025, 9, 10), "PM", "\\"),
        (date(2025, 9, 11), "AM", "/"),
        (date(2025, 9, 11), "PM", "\\"),
        (date(2025, 9, 12), "AM", "/"),
        (date(2025, 9, 12), "PM", "\\"),
    ]
    assert Mark.objects.filter(pupil__upn=RAFE).count() == 4
    marks = Mark.objects.all()
    assert all(m.source == MarkSource.IMPORT and m.recorded_by is None for m in marks)
    assert all(m.school == school for m in marks)


def test_a_pupil_already_on_roll_is_updated_not_duplicated_and_keeps_contacts_and_marks(school):
    rafe = _rafe_on_roll(school)
    MarkFactory(pupil=rafe, school=school, date=date(2025, 9, 8), session="AM", code_id="/")
    MarkFactory(pupil=rafe, school=school, date=date(2025, 9, 9), session="PM", code_id="G")

    out = _import(school, SAMPLE)

    assert "2 pupil(s) created, 1 updated, 2 new enrolment(s), 2 contact(s)" in out
    assert "18 mark(s) imported. 1 mark(s) were already recorded." in out
    assert "1 session(s) recorded here with another code were left unchanged" in out
    assert "The contacts already recorded for 1 pupil(s) were kept" in out
    rafe.refresh_from_db()
    assert rafe.year_group == "5" and Pupil.objects.filter(upn=RAFE).count() == 1
    assert Enrolment.objects.filter(pupil=rafe).count() == 1
    assert [c.name for c in rafe.contacts.all()] == ["Wren Quillfeather"]
    # A change to a saved mark is an amendment by a person with a reason; an import makes none.
    assert list(Mark.objects.filter(pupil=rafe).values_list("date", "session", "code_id")) == [
        (date(2025, 9, 8), "AM", "/"),
        (date(2025, 9, 8), "PM", "\\"),
        (date(2025, 9, 9), "AM", "/"),
        (date(2025, 9, 9), "PM", "G"),
    ]
    assert not Amendment.objects.exists()


def test_importing_the_same_file_twice_adds_nothing_the_second_time(school):
    _import(school, SAMPLE)
    counts = [m.objects.count() for m in (Pupil, Enrolment, Contact, PupilContact, Mark)]

    out = _import(school, SAMPLE)

    assert (
        "0 pupil(s) created, 3 updated, 0 new enrolment(s), 0 contact(s), 0 mark(s) imported. "
        "20 mark(s) were already recorded. The contacts already recorded for 3 pupil(s) were kept"
    ) in out
    assert [m.objects.count() for m in (Pupil, Enrolment, Contact, PupilContact, Mark)] == counts


# (change to the sample, which match to change, the one line expected on stderr)
BAD_RECORDS = [
    (
        ("<UPN>C884299917001</UPN>", "<UPN>D884299917001</UPN>"),
        0,
        "pupil 1 (UPN D884299917001): UPN D884299917001: the check letter does not match "
        "(expected C)",
    ),
    (
        ("<UPN>A884299920002</UPN>", "<UPN></UPN>"),
        0,
        "pupil 2 (no UPN): UPN is missing",
    ),
    (
        ("<NCyearActual>R</NCyearActual>", "<NCyearActual>Z</NCyearActual>"),
        0,
        "pupil 2 (UPN A884299920002): NCyearActual: Unknown year group 'Z': use one of N1, N2, "
        "R, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, M, X.",
    ),
    (
        ("<NCyearActual>R</NCyearActual>", ""),
        0,
        "pupil 2 (UPN A884299920002): NCyearActual is missing",
    ),
    (
        ("<DOB>2020-11-02</DOB>", "<DOB>02/11/2020</DOB>"),
        0,
        "pupil 2 (UPN A884299920002): DOB: '02/11/2020' is not a date; a CTF writes dates as "
        "YYYY-MM-DD",
    ),
    (
        ("<DOB>2020-11-02</DOB>", "<DOB>2020-02-30</DOB>"),
        0,
        "pupil 2 (UPN A884299920002): DOB: '2020-02-30' is not a real date",
    ),
    (
        ("<DOB>2020-11-02</DOB>", "<DOB>2026-01-01</DOB>"),
        0,
        "pupil 2 (UPN A884299920002): DOB is in the future",
    ),
    (
        ("<Surname>Quillfeather</Surname>", "<Surname></Surname>"),
        0,
        "pupil 3 (UPN V884299916003): Surname is missing",
    ),
    (
        ("<Forename>Noah</Forename>", "<Forename>" + "N" * 101 + "</Forename>"),
        0,
        "pupil 2 (UPN A884299920002): Forename is longer than 100 characters",
    ),
    (
        ("<UPN>A884299920002</UPN>", f"<UPN>{AVA}</UPN>"),
        0,
        f"pupil 2 (UPN {AVA}): UPN {AVA} is also pupil 1",
    ),
    (
        ("<EntryDate>2025-09-03</EntryDate>", "<EntryDate>2025-9-3</EntryDate>"),
        1,
        "pupil 2 (UPN A884299920002): SchoolHistory EntryDate: '2025-9-3' is not a date; a CTF "
        "writes dates as YYYY-MM-DD",
    ),
    (
        ("<EntryDate>2025-09-03</EntryDate>", "<EntryDate>2019-09-03</EntryDate>"),
        1,
        "pupil 2 (UPN A884299920002): the entry date 2019-09-03 is not after DOB",
    ),
    (
        ("<Email>Jenna.Brightwater@example.org</Email>", "<Email>jenna at example</Email>"),
        0,
        "pupil 2 (UPN A884299920002): contact 1: Email is not an e-mail address",
    ),
    (
        ("<Responsibility>true</Responsibility>", "<Responsibility>yes</Responsibility>"),
        2,
        "pupil 3 (UPN V884299916003): contact 1: Responsibility must be true or false",
    ),
    (
        ("<Relationship>PAF</Relationship>", ""),
        0,
        "pupil 3 (UPN V884299916003): contact 1: Relationship is missing",
    ),
    (
        ("<Order>2</Order>", "<Order>second</Order>"),
        0,
        "pupil 1 (UPN C884299917001): contact 1: Order must be a whole number from 1, not 'second'",
    ),
    (
        # Issue #21 finding 12: digits `int()` refuses were a traceback, not a problem.
        ("<Order>2</Order>", "<Order>²</Order>"),
        0,
        "pupil 1 (UPN C884299917001): contact 1: Order must be a whole number from 1, not '²'",
    ),
    (
        # Issue #21 finding 12: a right-to-left override would let a name display as another.
        ("<Forename>Noah</Forename>", "<Forename>\u202eNoah</Forename>"),
        0,
        "pupil 2 (UPN A884299920002): Forename contains an invisible character that changes the "
        "direction of the text",
    ),
    (
        ("<Surname>Oakhurst</Surname>", "<Surname>Oak\u2067hurst</Surname>"),
        0,
        "pupil 1 (UPN C884299917001): contact 1: the name contains an invisible character that "
        "changes the direction of the text",
    ),
    (
        ("/\\/\\M\\", "/\\/\\A\\"),
        0,
        "pupil 1 (UPN C884299917001): attendance 2025: 2025-09-10 AM: 'A' is not an attendance "
        "code",
    ),
    (
        ("<AttendanceMarks>/\\/\\</AttendanceMarks>", "<AttendanceMarks>//\\\\</AttendanceMarks>"),
        0,
        "pupil 3 (UPN V884299916003): attendance 2025: 2025-09-08 PM: '/' is the morning present "
        "mark; use '\\' in the afternoon (and 1 more session(s) with problems)",
    ),
    (
        ("<AttendanceStartDate>2025-09-08</AttendanceStartDate>", ""),
        0,
        "pupil 3 (UPN V884299916003): attendance 2025: AttendanceStartDate is missing",
    ),
]


@pytest.mark.parametrize(("change", "occurrence", "message"), BAD_RECORDS)
def test_each_kind_of_bad_record_is_reported_by_position_and_upn_and_nothing_is_saved(
    school, tmp_path, change, occurrence, message
):
    err = _rejected(school, _variant(tmp_path, change, occurrence=occurrence))
    assert err == message + "\n"
    assert _nothing_saved()


def test_every_bad_pupil_is_listed_in_file_order(school, tmp_path):
    path = _variant(
        tmp_path,
        ("<NCyearActual>5</NCyearActual>", "<NCyearActual>15</NCyearActual>"),
        ("<DOB>2017-03-14</DOB>", "<DOB>14 March 2017</DOB>"),
    )
    err = _rejected(school, path)
    assert err.splitlines() == [
        f"pupil 1 (UPN {AVA}): DOB: '14 March 2017' is not a date; a CTF writes dates as "
        "YYYY-MM-DD",
        f"pupil 3 (UPN {RAFE}): NCyearActual: Unknown year group '15': use one of N1, N2, R, 1, "
        "2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, M, X.",
    ]
    assert _nothing_saved()


def test_errors_name_pupils_by_position_and_upn_never_by_name(school, tmp_path):
    path = _variant(tmp_path, ("<UPN>A884299920002</UPN>", "<UPN>A88429992000</UPN>"))
    err = _rejected(school, path)
    # No pupil data in error messages beyond the identifier the file gave.
    assert err == (
        "pupil 2 (UPN A88429992000): UPN A88429992000: a UPN has 13 characters, this one has 12\n"
    )
    assert "Noah" not in err and "Brightwater" not in err


def test_a_upn_of_another_pupil_is_refused_without_naming_them(school, other_school):
    EnrolmentFactory(
        school=other_school,
        pupil=PupilFactory(upn=NOAH, legal_surname="Hiddenname", legal_forename="Zed"),
    )
    err = _rejected(school, SAMPLE)
    assert err == (
        f"pupil 2 (UPN {NOAH}): UPN {NOAH} belongs to another pupil (the surname or date of "
        "birth does not match); check the UPN\n"
    )
    assert "Hiddenname" not in err and "Zed" not in err
    assert Pupil.objects.count() == 1 and not Mark.objects.exists()


def test_a_pupil_known_at_another_school_is_enrolled_here_not_duplicated(school, other_school):
    noah = EnrolmentFactory(
        school=other_school,
        start_date=date(2024, 9, 2),
        pupil=PupilFactory(
            upn=NOAH,
            legal_surname="BRIGHTWATER",
            legal_forename="Noah",
            year_group="N2",
            date_of_birth=date(2020, 11, 2),
        ),
    ).pupil

    out = _import(school, SAMPLE)

    assert "2 pupil(s) created, 1 updated, 3 new enrolment(s)" in out
    noah.refresh_from_db()
    assert noah.year_group == "R"
    assert set(noah.enrolments.values_list("school__name", flat=True)) == {
        "Test Primary",
        "Elsewhere Primary",
    }
    # He had no contacts recorded, so the file's are added.
    assert noah.pupil_contacts.get().contact.name == "Jenna Brightwater"


@time_machine.travel(datetime(2025, 9, 9, 17, 0, tzinfo=LONDON), tick=False)
def test_marks_for_sessions_still_to_come_are_refused(school):
    # Imported marks are history: a register cannot be marked ahead of the session.
    err = _rejected(school, SAMPLE)
    assert err == (
        f"pupil 1 (UPN {AVA}): attendance 2025: 2025-09-10 AM is after today; only history can "
        "be imported (and 5 more session(s) with problems)\n"
    )
    assert _nothing_saved()


def test_a_file_without_this_schools_entry_date_needs_one_given(school, tmp_path):
    # A CTF from the previous school: its SchoolHistory has no line for this school.
    path = _variant(
        tmp_path,
        ("<Estab>2001</Estab>\n    </DestSchool>", "<Estab>2002</Estab>\n    </DestSchool>"),
    )
    err = _rejected(school, path)
    expected = (
        "no starting day here: the file's SchoolHistory has no entry for this school (the "
        "header's DestSchool); give it with --entry-date YYYY-MM-DD"
    )
    assert err.splitlines() == [
        f"pupil 1 (UPN {AVA}): {expected}",
        f"pupil 2 (UPN {NOAH}): {expected}",
        f"pupil 3 (UPN {RAFE}): {expected}",
    ]
    assert _nothing_saved()

    out = _import(school, path, "--entry-date", "2025-09-08")

    assert "3 pupil(s) created, 0 updated, 3 new enrolment(s)" in out
    assert set(Enrolment.objects.values_list("start_date", flat=True)) == {date(2025, 9, 8)}
    # On roll from 8 September only: Ava's marks of the week before are not this school's.
    assert not Mark.objects.filter(date__lt=date(2025, 9, 8)).exists()


def test_a_bad_entry_date_option_is_refused(school):
    with pytest.raises(CommandError, match="--entry-date: '8/9' is not a date"):
        call_command("import_ctf", "--school", school.urn, "--entry-date", "8/9", str(SAMPLE))


# --- files refused as a whole -----------------------------------------------------------------


def test_a_file_whose_root_is_not_ctfile_is_refused(school, tmp_path):
    path = _variant(tmp_path, ("<CTfile>", "<ATfile>"), ("</CTfile>", "</ATfile>"))
    assert _refused(school, path) == (
        "variant.xml: not a Common Transfer File (the root element is <ATfile>, not <CTfile>)"
    )
    assert _nothing_saved()


def test_a_file_that_is_not_xml_is_refused(school, tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_text("upn,surname\nC884299917001,Brightwater\n", encoding="utf-8")
    assert _refused(school, path) == (
        "pupils.csv: not a readable XML file (syntax error: line 1, column 0)"
    )
    assert _nothing_saved()


def test_a_file_cut_short_is_refused(school, tmp_path):
    path = tmp_path / "cut.xml"
    path.write_bytes(SAMPLE.read_bytes()[:2000])
    assert "cut.xml: not a readable XML file (" in _refused(school, path)
    assert _nothing_saved()


def test_an_oversized_file_is_refused_before_it_is_read(school, tmp_path, monkeypatch):
    monkeypatch.setattr(ctf_parse, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / "huge.xml"
    path.write_bytes(b"<CTfile>" + b" " * (1024 * 1024 + 1) + b"</CTfile>")
    assert _refused(school, path) == (
        "huge.xml: the file is 1.0 MB; a Common Transfer File larger than 1 MB is refused"
    )
    assert _nothing_saved()


def test_entity_expansion_billion_laughs_is_refused_unread(school, tmp_path):
    entities = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    path = tmp_path / "laughs.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY lol0 "lol">{entities}]>'
        "<CTfile><Header><DocumentName>&lol9;</DocumentName></Header></CTfile>",
        encoding="utf-8",
    )
    assert _refused(school, path) == (
        "laughs.xml: the file declares a DTD or entities, which a Common Transfer File never "
        "does; it was refused unread"
    )
    assert _nothing_saved()


def test_an_external_entity_cannot_read_files_from_the_server(school, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    text = (
        SAMPLE.read_text(encoding="utf-8")
        .replace(
            "<CTfile>", f'<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<CTfile>', 1
        )
        .replace("<Surname>Brightwater</Surname>", "<Surname>&xxe;</Surname>", 1)
    )
    path = tmp_path / "xxe.xml"
    path.write_text(text, encoding="utf-8")

    message = _refused(school, path)

    assert "declares a DTD or entities" in message and "TOP-SECRET" not in message
    assert _nothing_saved()


@pytest.mark.parametrize(
    "case",
    [
        (
            ("<CTFversion>25.0</CTFversion>", "<CTFversion>19.0</CTFversion>"),
            "variant.xml: CTF version '19.0' cannot be read; this import reads CTF 23 and later",
        ),
        (
            (
                "<DocumentName>Common Transfer File</DocumentName>",
                "<DocumentName>ATF</DocumentName>",
            ),
            "variant.xml: the header's DocumentName is not 'Common Transfer File'",
        ),
        (
            (
                "<LEA>884</LEA>\n      <Estab>2001</Estab>\n    </DestSchool>",
                "<LEA>330</LEA>\n      <Estab>2001</Estab>\n    </DestSchool>",
            ),
            "variant.xml: the file is addressed to a school in local authority 330, but Test "
            "Primary is in local authority 884; check the file and --school",
        ),
        (
            ("<CTFpupilData>", "<CTFpupilDatum>"),
            ("</CTFpupilData>", "</CTFpupilDatum>"),
            "variant.xml: the file holds no pupils (no <CTFpupilData><Pupil>)",
        ),
    ],
)
def test_a_file_that_is_not_a_ctf_for_this_school_is_refused(school, tmp_path, case):
    *changes, message = case
    assert _refused(school, _variant(tmp_path, *changes)) == message
    assert _nothing_saved()


def test_a_missing_file_and_an_unknown_urn_are_refused(school, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_ctf", "--school", school.urn, str(tmp_path / "nope.xml"))
    with pytest.raises(CommandError, match="No school has URN 000000"):
        call_command("import_ctf", "--school", "000000", str(SAMPLE))


def _ctf_of(pupils: int) -> str:
    """A CTF with this many made-up pupils, each with four sessions of history here."""
    records = []
    for serial in range(pupils):
        body = f"88429992{serial:04d}"
        records.append(
            f"""<Pupil><UPN>{upn_check_letter(body)}{body}</UPN><Surname>Madeup</Surname>
            <Forename>Pupil</Forename><DOB>2018-01-15</DOB><BasicDetails>
            <NCyearActual>2</NCyearActual></BasicDetails><Contacts><Contact><Order>1</Order>
            <Surname>Madeup</Surname><Forename>Carer{serial}</Forename>
            <Relationship>CAR</Relationship><Responsibility>true</Responsibility></Contact>
            </Contacts><Attendance><YearData><Year>2025</Year><AttendSessions>
            <AttendanceStartDate>2025-09-08</AttendanceStartDate>
            <AttendanceMarks>/\\/N</AttendanceMarks></AttendSessions></YearData></Attendance>
            <SchoolHistory><School><LEA>884</LEA><Estab>2001</Estab>
            <EntryDate>2025-09-03</EntryDate></School></SchoolHistory></Pupil>"""
        )
    return (
        "<CTfile><Header><DocumentName>Common Transfer File</DocumentName>"
        "<CTFversion>24.0</CTFversion><DestSchool><LEA>884</LEA><Estab>2001</Estab>"
        f"</DestSchool></Header><CTFpupilData>{''.join(records)}</CTFpupilData></CTfile>"
    )


def test_checking_and_writing_take_the_same_number_of_queries_whatever_the_size(
    school, tmp_path, django_assert_max_num_queries
):
    first, small, large = tmp_path / "first.xml", tmp_path / "small.xml", tmp_path / "large.xml"
    first.write_text(_ctf_of(1), encoding="utf-8")
    small.write_text(_ctf_of(2), encoding="utf-8")
    large.write_text(_ctf_of(25), encoding="utf-8")
    _import(school, first)  # so that both measured runs update a pupil and create others
    with CaptureQueriesContext(connection) as small_run:
        _import(school, small)

    # 25 pupils and 100 marks stay inside one bulk_create batch each.
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        out = _import(school, large)
    assert "23 pupil(s) created, 2 updated, 23 new enrolment(s), 23 contact(s), 92 mark(s)" in out
    assert Mark.objects.filter(code_id="N").count() == 25
