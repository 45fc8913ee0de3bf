"""A leaver's Common Transfer File for the next school: the office's download, `export_ctf`, and
the round trip into another school through `import_ctf` (issue #20, "CTF out")."""

from datetime import date, datetime
from io import StringIO
from xml.etree.ElementTree import fromstring

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from registers.models import (
    AccessLog,
    Contact,
    Enrolment,
    Mark,
    Pupil,
    PupilContact,
)
from registers.services.calendar import school_calendar_rebuild
from tests.conftest import LONDON
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    MarkFactory,
    PupilContactFactory,
    PupilFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

# The school days of her last four weeks at Test Primary, AM and PM (weekends have none).
CODES = {
    date(2025, 9, 3): ("/", "\\"),
    date(2025, 9, 4): ("/", "\\"),
    date(2025, 9, 5): ("I", "I"),
    date(2025, 9, 8): ("L", "\\"),
    date(2025, 9, 9): ("C2", "C2"),
    date(2025, 9, 10): ("/", "\\"),
    date(2025, 9, 11): ("N", "N"),
    date(2025, 9, 12): ("Y1", "Y1"),
    date(2025, 9, 15): ("/", "\\"),
    date(2025, 9, 16): ("M", "\\"),
    date(2025, 9, 17): ("J1", "\\"),
    date(2025, 9, 18): ("/", "\\"),
    date(2025, 9, 19): ("G", "G"),
    **{date(2025, 9, day): ("/", "\\") for day in range(22, 27)},
}
# From her first session to her last, every day: '#' on the weekends, no session there.
MARKS_STRING = (
    "/,\\,/,\\,I,I,#,#,#,#,L,\\,C2,C2,/,\\,N,N,Y1,Y1,#,#,#,#,/,\\,M,\\,J1,\\,/,\\,G,G,"
    "#,#,#,#,/,\\,/,\\,/,\\,/,\\,/,\\"
)


@pytest.fixture(autouse=True)
def _a_week_after_she_left():
    with time_machine.travel(datetime(2025, 10, 3, 17, 0, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def schools(school, other_school):
    """Test Primary (884/2001) and Elsewhere Primary (884/2002), with the same calendar."""
    school.estab, other_school.estab = "2001", "2002"
    school.save()
    other_school.save()
    return school, other_school


@pytest.fixture
def leaver(schools) -> Pupil:
    """Ava, at Test Primary from 3 to 26 September 2025, gone to Elsewhere Primary, with her
    mother (parental responsibility) and grandmother (none) and four weeks of marks."""
    school, _ = schools
    ava = PupilFactory(
        upn="C884299917001",
        legal_surname="Brightwater",
        legal_forename="Ava",
        preferred_forename="Avie",
        date_of_birth=date(2017, 3, 14),
        sex="F",
        year_group="4",
    )
    EnrolmentFactory(
        pupil=ava,
        school=school,
        start_date=date(2025, 9, 3),
        leaving_date=date(2025, 9, 26),
        leaving_reason="other_school",
        destination="Elsewhere Primary (884/2002)",
    )
    mother = ContactFactory(
        name="Jenna Brightwater", phone="07700 900001", email="jenna@example.org"
    )
    gran = ContactFactory(name="Maud Oakhurst", phone="01632 960002", email="")
    PupilContactFactory(pupil=ava, contact=mother, relationship="Mother", priority=1)
    PupilContactFactory(
        pupil=ava,
        contact=gran,
        relationship="Other relative",
        parental_responsibility=False,
        priority=2,
    )
    for day, (am, pm) in CODES.items():
        MarkFactory(pupil=ava, school=school, date=day, session="AM", code_id=am)
        MarkFactory(pupil=ava, school=school, date=day, session="PM", code_id=pm)
    return ava


def _download(client, user, school, pupil, **form):
    client.force_login(user)
    url = reverse("pupil_ctf", args=[school.pk, pupil.pk])
    return client.post(url, {"dest_lea": "884", "dest_estab": "2002", **form})


def _texts(element, *paths: str) -> list[str]:
    return [element.findtext(path) for path in paths]


def test_the_office_downloads_a_leavers_ctf_for_the_new_school(client, office, schools, leaver):
    # Issue #20: "the office can download the pupil's CTF for that school ... the header, the
    # pupil's identity (add sex ...), year group, contacts with parental responsibility, and
    # attendance (session marks and yearly counts). Every export is in the disclosure log."
    school, _ = schools
    client.force_login(office)
    page = client.get(reverse("pupil_ctf", args=[school.pk, leaver.pk]))
    assert page.status_code == 200
    # The destination recorded as a DfE number fills the form.
    assert page.context["form"].initial == {"dest_lea": "884", "dest_estab": "2002"}

    response = _download(client, office, school, leaver)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="8842001_CTF_8842002_001.xml"'
    assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<CTfile>")
    root = fromstring(response.content)
    header = root.find("Header")
    # As the DfE's writers order it (DFEAGILEDEVOPS/MTC ctf.service.js; GIAP XmlCtfFormatter).
    assert [child.tag for child in header] == [
        "DocumentName",
        "CTFversion",
        "DateTime",
        "DocumentQualifier",
        "SupplierID",
        "SourceSchool",
        "DestSchool",
    ]
    assert _texts(header, "DocumentName", "CTFversion", "DateTime", "DocumentQualifier") == [
        "Common Transfer File",
        "25.0",
        "2025-10-03T17:00:00",
        "full",
    ]
    assert [child.text for child in header.find("SourceSchool")] == [
        "884",
        "2001",
        school.urn,
        "Test Primary",
        "2025",
    ]
    assert [child.text for child in header.find("DestSchool")] == ["884", "2002"]

    [pupil] = root.findall("CTFpupilData/Pupil")
    assert _texts(pupil, "UPN", "Surname", "Forename", "DOB", "Sex") == [
        "C884299917001",
        "Brightwater",
        "Ava",
        "2017-03-14",
        "F",
    ]
    assert [(c.tag, c.text) for c in pupil.find("BasicDetails")] == [
        ("PreferredForename", "Avie"),
        ("NCyearActual", "4"),
    ]
    assert [
        _texts(c, "Order", "Surname", "Forename", "Relationship", "Responsibility", "Email")
        + _texts(c, "Phones/Phone/TelephoneType", "Phones/Phone/PhoneNo")
        for c in pupil.findall("Contacts/Contact")
    ] == [
        ["1", "Brightwater", "Jenna", "PAM", "true", "jenna@example.org", "M", "07700 900001"],
        ["2", "Oakhurst", "Maud", "REL", "false", None, "H", "01632 960002"],
    ]
    [year] = pupil.findall("Attendance/YearData")
    # Counted by the statistics module: Y1 is not a possible session; L, / and \\ attend; I,
    # C2, M and J1 are authorised; N and G unauthorised.
    assert _texts(
        year,
        "Year",
        "LEA",
        "Estab",
        "SessionsPossible",
        "SessionsAuthorised",
        "SessionsAttended",
        "SessionsUnauthorised",
        "AttendSessions/AttendanceStartDate",
        "AttendSessions/AttendanceMarks",
    ) == ["2025", "884", "2001", "34", "6", "24", "4", "2025-09-03", MARKS_STRING]
    assert [child.text for child in pupil.find("SchoolHistory/School")] == [
        "884",
        "2001",
        "Test Primary",
        "2025-09-03",
        "2025-09-26",
    ]
    [logged] = AccessLog.objects.all()
    assert (logged.user, logged.school, logged.what) == (
        office,
        school,
        f"CTF, pupil {leaver.pk}, to 8842002",
    )
    assert "Brightwater" not in logged.what


def test_a_round_trip_into_another_school_gives_back_the_same_pupil_contacts_and_marks(
    schools, leaver, tmp_path
):
    # Issue #20: "A round trip, exporting and importing into another school, gives back the
    # same pupil, contacts and marks." The receiving school's system does not know her yet.
    school, elsewhere = schools
    path = tmp_path / "ava.xml"
    call_command(
        "export_ctf",
        "--school",
        school.urn,
        "--upn",
        leaver.upn,
        "--dest-lea",
        "884",
        "--dest-estab",
        "2002",
        str(path),
        stdout=StringIO(),
    )

    def pupil_now():
        ava = Pupil.objects.get(upn=leaver.upn)
        fields = (
            "legal_surname",
            "legal_forename",
            "preferred_surname",
            "preferred_forename",
            "date_of_birth",
            "sex",
            "year_group",
        )
        contacts = [
            (
                link.priority,
                link.contact.name,
                link.relationship,
                link.parental_responsibility,
                link.contact.phone,
                link.contact.email,
            )
            for link in ava.pupil_contacts.select_related("contact").order_by("priority")
        ]
        marks = list(
            Mark.objects.filter(pupil=ava)
            .order_by("date", "session")
            .values_list("date", "session", "code_id")
        )
        return [getattr(ava, name) for name in fields], contacts, marks

    sent = pupil_now()
    Mark.objects.all().delete()
    PupilContact.objects.all().delete()
    Contact.objects.all().delete()
    Enrolment.objects.all().delete()
    Pupil.objects.all().delete()

    out = StringIO()
    call_command(
        "import_ctf", "--school", elsewhere.urn, "--entry-date", "2025-09-03", str(path), stdout=out
    )

    assert "1 pupil(s) created, 0 updated, 1 new enrolment(s), 2 contact(s), 36 mark(s)" in (
        out.getvalue()
    )
    assert pupil_now() == sent
    assert len(sent[2]) == 36 and ("C2" in {code for _, _, code in sent[2]})
    assert set(Mark.objects.values_list("school", flat=True)) == {elsewhere.pk}


def test_export_ctf_writes_the_file_and_records_it_as_the_servers(schools, leaver, tmp_path):
    # "Every export is in the disclosure log": a command has no signed-in user.
    school, _ = schools
    path = tmp_path / "out.xml"
    out = StringIO()

    call_command(
        "export_ctf",
        "--school",
        school.urn,
        "--upn",
        leaver.upn.lower(),
        "--dest-lea",
        "884",
        "--dest-estab",
        "2002",
        str(path),
        stdout=out,
    )

    assert out.getvalue() == (
        f"{path}: the CTF of UPN C884299917001 for 8842002 (a school would name it "
        "8842001_CTF_8842002_001.xml).\n"
    )
    assert fromstring(path.read_bytes()).findtext("CTFpupilData/Pupil/UPN") == leaver.upn
    [logged] = AccessLog.objects.all()
    assert (logged.user, logged.what) == (None, f"CTF, pupil {leaver.pk}, to 8842002")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--school", "000000"], "No school has URN 000000; check the --school value."),
        (["--upn", "A884299920002"], "No pupil with UPN A884299920002 was ever on roll at"),
        (["--dest-lea", "88"], "The destination's local authority number is 3 digits"),
        (["--dest-estab", "202"], "The destination's establishment number is 4 digits"),
    ],
)
def test_export_ctf_refuses_what_it_cannot_send(schools, leaver, tmp_path, options, message):
    school, _ = schools
    given = {"--school": school.urn, "--upn": leaver.upn, "--dest-lea": "884"}
    given |= {"--dest-estab": "2002"}
    given |= dict(zip(options[::2], options[1::2], strict=True))
    with pytest.raises(CommandError, match=message):
        call_command(
            "export_ctf", *(part for pair in given.items() for part in pair), str(tmp_path / "x")
        )
    assert not AccessLog.objects.exists()
    assert not (tmp_path / "x").exists()


def test_a_pupil_still_on_roll_has_no_ctf_to_send(client, office, schools, pupils_4a):
    # A CTF goes "when a pupil is deleted from the admission register with a destination".
    school, _ = schools
    pupil = pupils_4a[0]
    client.force_login(office)

    page = client.get(reverse("pupil_ctf", args=[school.pk, pupil.pk]))
    refused = _download(client, office, school, pupil)

    assert page.status_code == 200 and not page.context["can_send"]
    assert b"Download the CTF" not in page.content
    assert refused.status_code == 400
    assert refused.context["form"].non_field_errors() == [
        f"UPN {pupil.upn} has not left Test Primary for another school: a CTF is sent once the "
        "pupil is deleted from the admission register with a destination."
    ]
    assert not AccessLog.objects.exists()


def test_a_leaver_with_no_destination_has_no_ctf_to_send(client, office, schools, leaver):
    school, _ = schools
    Enrolment.objects.filter(pupil=leaver).update(destination="")
    response = _download(client, office, school, leaver)
    assert response.status_code == 400
    assert not AccessLog.objects.exists()


def test_a_school_without_its_establishment_number_cannot_send_one(client, office, schools, leaver):
    school, _ = schools
    school.estab = ""
    school.save()
    response = _download(client, office, school, leaver)
    assert response.status_code == 400
    assert (
        "Test Primary has no establishment number recorded"
        in (response.context["form"].non_field_errors()[0])
    )


def test_the_register_history_links_a_leaver_to_their_ctf(client, office, schools, leaver):
    school, _ = schools
    client.force_login(office)
    page = client.get(reverse("pupil_history", args=[school.pk, leaver.pk]))
    assert reverse("pupil_ctf", args=[school.pk, leaver.pk]).encode() in page.content


def test_a_teacher_and_another_schools_head_cannot_download_it(
    client, schools, leaver, teacher_4a, head_elsewhere
):
    # The office sends the file; another school's staff see nothing of the pupil.
    school, _ = schools
    assert _download(client, teacher_4a, school, leaver).status_code == 403
    # Issue 21: another school's objects are not found, as in the API.
    assert _download(client, head_elsewhere, school, leaver).status_code == 404
    assert not AccessLog.objects.exists()


def test_a_year_longer_than_999_characters_goes_in_several_strings_and_comes_back_whole(
    schools, leaver, tmp_path
):
    # CBDS item 100482 allows 999 characters: a year's sessions, with commas, take more.
    school, elsewhere = schools
    for each in (school, elsewhere):
        TermFactory(
            school=each,
            name="Rest of 2025/26",
            start=date(2026, 1, 5),
            end=date(2026, 7, 17),
            half_term_start=None,
            half_term_end=None,
        )
        school_calendar_rebuild(school=each)
    Enrolment.objects.filter(pupil=leaver).update(leaving_date=date(2026, 7, 17))
    MarkFactory(pupil=leaver, school=school, date=date(2026, 7, 17), session="PM", code_id="C2")
    sent = list(Mark.objects.order_by("date", "session").values_list("date", "session", "code_id"))
    path = tmp_path / "ava.xml"

    with time_machine.travel(datetime(2026, 7, 24, 12, 0, tzinfo=LONDON), tick=False):
        call_command(
            "export_ctf",
            *("--school", school.urn, "--upn", leaver.upn),
            *("--dest-lea", "884", "--dest-estab", "2002", str(path)),
            stdout=StringIO(),
        )
        strings = fromstring(path.read_bytes()).findall(
            "CTFpupilData/Pupil/Attendance/YearData/AttendSessions"
        )
        Mark.objects.all().delete()
        PupilContact.objects.all().delete()
        Enrolment.objects.all().delete()
        Pupil.objects.all().delete()
        call_command(
            "import_ctf",
            *("--school", elsewhere.urn, "--entry-date", "2025-09-03", str(path)),
            stdout=StringIO(),
        )

    assert len(strings) == 2
    assert [len(s.findtext("AttendanceMarks")) <= 999 for s in strings] == [True, True]
    # The second string starts on a morning, the day after the first one's last.
    assert strings[1].findtext("AttendanceStartDate") > "2025-12-01"
    assert (
        list(Mark.objects.order_by("date", "session").values_list("date", "session", "code_id"))
        == sent
    )
