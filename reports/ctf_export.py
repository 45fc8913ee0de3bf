"""A leaver's Common Transfer File for the school they went to (the page and `export_ctf`).

When a pupil leaves for another school, the school they leave sends their common transfer
information to the new school (the Education (Pupil Information) (England) Regulations 2005;
the CTF specification, "Purpose of a CTF"). The file is written in the layout the DfE's own
writers use for the header and the pupil's identity (DFEAGILEDEVOPS/MTC
admin/services/ctf/ctf.service.js; DFE-Digital/get-information-about-pupils XmlCtfFormatter),
and the CTF specification's for the rest, the same layout `registers.imports.ctf_parse` reads:

    <CTfile>
      <Header> DocumentName, CTFversion (the school year, "26.0" for 2026/27), DateTime,
               DocumentQualifier "full", SupplierID, SourceSchool (LEA, Estab, URN,
               SchoolName, AcademicYear), DestSchool (LEA, Estab) </Header>
      <CTFpupilData><Pupil>
        UPN, Surname, Forename, DOB, Sex,
        <BasicDetails> PreferredSurname, PreferredForename, NCyearActual </BasicDetails>
        <Contacts><Contact> Order, Surname, Forename, Relationship (CBDS code),
                  Responsibility, Phones, Email </Contact></Contacts>
        <Attendance><YearData> Year, LEA, Estab, SchoolName, SessionsPossible,
                  SessionsAuthorised, SessionsAttended, SessionsUnauthorised,
                  <AttendSessions> AttendanceStartDate, AttendanceMarks </AttendSessions>
        <SchoolHistory><School> LEA, Estab, SchoolName, EntryDate, LeavingDate </School>
      </Pupil></CTFpupilData>
    </CTfile>

Every school year of the pupil's marks here is a YearData: its counts from the statistics
module, its marks from the first marked session to the last, every session in between ('#' no
session of this school that day, '-' no mark), written as CTF 24 onwards writes them
(`registers.lib.ctf_format.write_marks`; a year longer than 999 characters is more than one
AttendSessions). Every export is recorded in the disclosure log.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import BytesIO
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from django.contrib.auth.models import User
from django.utils import timezone

from core.errors import DomainError
from registers.imports.ctf_parse import DOCUMENT_NAME
from registers.lib.calendar import AM, PM, academic_year_start
from registers.lib.ctf_format import (
    NO_MARK,
    NOT_A_SESSION,
    relationship_code,
    version_for,
    write_marks,
)
from registers.models import Enrolment, Mark, Pupil, PupilContact, School, SchoolDay
from registers.selectors import latest_enrolment, left_for_another_school
from registers.selectors.statistics import Figures, figures_by, figures_sum
from registers.services.access_log import access_log_record

SUPPLIER_ID = "School attendance"
_MOBILE_PREFIXES = ("07", "+447")


@dataclass(frozen=True)
class CtfFile:
    name: str  # as the CTF specification names a school-to-school file
    data: bytes


def ctf_export(
    *,
    school: School,
    pupil: Pupil,
    dest_lea: str,
    dest_estab: str,
    by: User | None,
) -> CtfFile:
    """The pupil's CTF from `school` to the school `dest_lea`/`dest_estab`, recorded in the
    disclosure log (`by`: who downloaded it; None for a command run on the server).

    Refused (DomainError, nothing recorded): the school has no establishment number, the
    destination is not an LA number and an establishment number, or the pupil has not been
    deleted from this school's admission register with a destination.
    """
    dest_lea, dest_estab = dest_lea.strip(), dest_estab.strip()
    if not school.estab:
        raise DomainError(
            f"{school.name} has no establishment number recorded: a CTF names the school it "
            "comes from by its DfE number. Record it with the school's details first."
        )
    if not (len(dest_lea) == 3 and dest_lea.isdigit()):
        raise DomainError("The destination's local authority number is 3 digits (e.g. 884).")
    if not (len(dest_estab) == 4 and dest_estab.isdigit()):
        raise DomainError("The destination's establishment number is 4 digits (e.g. 2001).")
    enrolment = latest_enrolment(school=school, pupil=pupil)
    if enrolment is None or not left_for_another_school(enrolment):
        raise DomainError(
            f"UPN {pupil.upn} has not left {school.name} for another school: a CTF is sent "
            "once the pupil is deleted from the admission register with a destination."
        )
    now = timezone.localtime()
    root = Element("CTfile")
    _header(root, school=school, dest=(dest_lea, dest_estab), now=now)
    _pupil(SubElement(root, "CTFpupilData"), school=school, pupil=pupil, enrolment=enrolment)
    indent(root)
    data = _bytes(root)
    access_log_record(
        user=by, school=school, what=f"CTF, pupil {pupil.pk}, to {dest_lea}{dest_estab}", rows=1
    )
    return CtfFile(f"{school.la_code}{school.estab}_CTF_{dest_lea}{dest_estab}_001.xml", data)


def _text(parent: Element, tag: str, text: object) -> Element:
    element = SubElement(parent, tag)
    element.text = str(text)
    return element


def _bytes(root: Element) -> bytes:
    buffer = BytesIO()
    ElementTree(root).write(buffer, encoding="UTF-8", xml_declaration=True)
    return buffer.getvalue() + b"\n"


def _header(root: Element, *, school: School, dest: tuple[str, str], now: datetime) -> None:
    header = SubElement(root, "Header")
    year = academic_year_start(now.date())
    _text(header, "DocumentName", DOCUMENT_NAME)
    _text(header, "CTFversion", version_for(year))
    _text(header, "DateTime", now.strftime("%Y-%m-%dT%H:%M:%S"))
    _text(header, "DocumentQualifier", "full")
    _text(header, "SupplierID", SUPPLIER_ID)
    source = SubElement(header, "SourceSchool")
    _text(source, "LEA", school.la_code)
    _text(source, "Estab", school.estab)
    _text(source, "URN", school.urn)
    _text(source, "SchoolName", school.name)
    _text(source, "AcademicYear", year)
    destination = SubElement(header, "DestSchool")
    _text(destination, "LEA", dest[0])
    _text(destination, "Estab", dest[1])


def _pupil(data: Element, *, school: School, pupil: Pupil, enrolment: Enrolment) -> None:
    element = SubElement(data, "Pupil")
    _text(element, "UPN", pupil.upn)
    _text(element, "Surname", pupil.legal_surname)
    _text(element, "Forename", pupil.legal_forename)
    _text(element, "DOB", pupil.date_of_birth.isoformat())
    if pupil.sex:
        _text(element, "Sex", pupil.sex)
    basic = SubElement(element, "BasicDetails")
    if pupil.preferred_surname:
        _text(basic, "PreferredSurname", pupil.preferred_surname)
    if pupil.preferred_forename:
        _text(basic, "PreferredForename", pupil.preferred_forename)
    _text(basic, "NCyearActual", pupil.year_group)
    _contacts(element, pupil=pupil)
    _attendance(element, school=school, pupil=pupil)
    history = SubElement(SubElement(element, "SchoolHistory"), "School")
    _text(history, "LEA", school.la_code)
    _text(history, "Estab", school.estab)
    _text(history, "SchoolName", school.name)
    _text(history, "EntryDate", enrolment.start_date.isoformat())
    # Only a leaver's file is written (`left_for_another_school`).
    assert enrolment.leaving_date is not None
    _text(history, "LeavingDate", enrolment.leaving_date.isoformat())


def _contacts(element: Element, *, pupil: Pupil) -> None:
    """Every contact in priority order, with whether they have parental responsibility. The
    register keeps a contact's name whole: the last word is the surname, as the import joins
    them back."""
    links = list(
        PupilContact.objects.filter(pupil=pupil).select_related("contact").order_by("priority")
    )
    if not links:
        return
    contacts = SubElement(element, "Contacts")
    for order, link in enumerate(links, start=1):
        contact = SubElement(contacts, "Contact")
        forename, _, surname = link.contact.name.strip().rpartition(" ")
        _text(contact, "Order", order)
        _text(contact, "Surname", surname)
        if forename:
            _text(contact, "Forename", forename)
        _text(contact, "Relationship", relationship_code(link.relationship))
        _text(contact, "Responsibility", "true" if link.parental_responsibility else "false")
        if link.contact.phone:
            phone = SubElement(SubElement(contact, "Phones"), "Phone")
            number = link.contact.phone
            mobile = number.replace(" ", "").startswith(_MOBILE_PREFIXES)
            _text(phone, "TelephoneType", "M" if mobile else "H")
            _text(phone, "PhoneNo", number)
        if link.contact.email:
            _text(contact, "Email", link.contact.email)


def _attendance(element: Element, *, school: School, pupil: Pupil) -> None:
    """One YearData for each school year of the pupil's marks here (three queries: the marks,
    the school's days over them, the figures by week)."""
    marks = {
        (day, session): code
        for day, session, code in Mark.objects.filter(school=school, pupil=pupil).values_list(
            "date", "session", "code_id"
        )
    }
    if not marks:
        return
    first, last = min(day for day, _ in marks), max(day for day, _ in marks)
    open_sessions = {
        day: (am, pm)
        for day, am, pm in SchoolDay.objects.filter(
            school=school, date__range=(first, last)
        ).values_list("date", "am", "pm")
    }
    # By week rather than by year: one query however many years. No school has sessions on
    # both sides of 1 August in one week, so every week falls in one school year.
    by_week = figures_by(
        school_ids=[school.pk],
        start=first,
        end=last,
        by="week",
        pupil_ids=[pupil.pk],
        codes=False,
    )
    weeks_of_year: dict[int, list[Figures]] = defaultdict(list)
    for monday, figures in by_week.items():
        weeks_of_year[academic_year_start(monday)].append(figures)
    days_of_year: dict[int, list[date]] = defaultdict(list)
    for day, _ in marks:
        days_of_year[academic_year_start(day)].append(day)

    attendance = SubElement(element, "Attendance")
    for year in sorted(days_of_year):
        start, end = min(days_of_year[year]), max(days_of_year[year])
        codes = []
        day = start
        while day <= end:
            for session, is_open in zip(
                (AM, PM), open_sessions.get(day, (False, False)), strict=True
            ):
                code = marks.get((day, session))
                codes.append(code or (NO_MARK if is_open else NOT_A_SESSION))
            day += timedelta(days=1)
        totals = figures_sum(weeks_of_year[year])
        data = SubElement(attendance, "YearData")
        _text(data, "Year", year)
        _text(data, "LEA", school.la_code)
        _text(data, "Estab", school.estab)
        _text(data, "SchoolName", school.name)
        _text(data, "SessionsPossible", totals.possible)
        _text(data, "SessionsAuthorised", totals.authorised)
        _text(data, "SessionsAttended", totals.attended)
        _text(data, "SessionsUnauthorised", totals.unauthorised)
        for offset, text in write_marks(codes):
            sessions = SubElement(data, "AttendSessions")
            _text(sessions, "AttendanceStartDate", (start + timedelta(days=offset)).isoformat())
            _text(sessions, "AttendanceMarks", text)
