"""Reading a DfE Common Transfer File: the XML, safely, and each <Pupil> on its own.

No database is read here: `registers.imports.ctf` checks the result against the school's
records and `ctf_write` writes it. The layout and the decisions are described in ctf_import;
the file's own spellings (versions, the marks string, CBDS codes) in `registers.lib.ctf_format`.
"""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.errors import DomainError
from core.limits import max_length
from core.parsing import whole_number
from registers.imports.field_checks import FieldChecks
from registers.lib.ctf_format import (
    MAX_MARKS_LENGTH,
    NEWEST_KNOWN_VERSION,
    OLDEST_VERSION,
    SEXES,
    UnreadableMarks,
    ctf_version,
    read_marks,
    relationship_label,
)
from registers.lib.text import one_line_text_problem
from registers.models import Contact, Pupil, School, deletion_problem

# A year group's transfer with full histories is a few megabytes; anything far larger is not a CTF.
MAX_FILE_BYTES = 20 * 1024 * 1024
DOCUMENT_NAME = "Common Transfer File"
FULL, PARTIAL = "full", "partial"
_TRUE, _FALSE = {"true", "1"}, {"false", "0"}
_MOBILE = "M"


class CtfUnreadable(DomainError):
    """The file cannot be read as a Common Transfer File; no pupil in it was looked at."""


@dataclass(frozen=True)
class PupilError:
    """A problem with one <Pupil>, named by its position in the file and its UPN."""

    position: int
    upn: str
    message: str

    def __str__(self) -> str:
        who = f"UPN {self.upn}" if self.upn else "no UPN"
        return f"pupil {self.position} ({who}): {self.message}"


@dataclass(frozen=True)
class CtfContact:
    name: str
    phone: str
    email: str
    relationship: str
    parental_responsibility: bool


@dataclass(frozen=True)
class YearMarks:
    label: str
    start: date
    codes: list[str]  # one per session from `start`'s morning (ctf_format.read_marks)
    # Where the string could not be split into sessions: the session's index, and why.
    unreadable: UnreadableMarks | None = None


@dataclass
class CtfPupil:
    position: int
    pupil: Pupil  # unsaved; replaced by the stored pupil when the UPN is already known
    preferred_given: tuple[bool, bool]  # PreferredSurname, PreferredForename present in the file
    year_group_given: bool  # NCyearActual present: a missing one keeps the stored year group
    sex_given: bool
    entry_date: date | None
    leaving_date: date | None
    leaving_ground: str  # regulation 9's, with this school's LeavingDate
    contacts: list[CtfContact]
    attendance: list[YearMarks]
    # Decided against the database by ctf_import: a new enrolment here; the file's contacts added.
    enrol: bool = False
    add_contacts: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Header:
    dest: tuple[str, str]  # DestSchool (LEA, Estab)
    version: int
    # A partial file (DocumentQualifier "partial", as the DfE's own services write) brings
    # some of the record of pupils the school already has: it updates them and adds no one.
    partial: bool
    warnings: tuple[str, ...] = ()


def read_ctf_file(path: Path) -> bytes:
    """The file's bytes, refusing a missing file or one too large to be a CTF before reading."""
    if not path.is_file():
        raise CtfUnreadable(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CtfUnreadable(_too_large(path.name, size))
    return path.read_bytes()


# --- the file ---------------------------------------------------------------------------------


def _too_large(name: str, size: int) -> str:
    return (
        f"{name}: the file is {size / 1024 / 1024:.1f} MB; a Common Transfer File larger than "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB is refused"
    )


def parse_xml(data: bytes, name: str) -> Element:
    if len(data) > MAX_FILE_BYTES:
        raise CtfUnreadable(_too_large(name, len(data)))
    try:
        # A CTF never declares a DTD or entities: refusing them stops entity expansion
        # ("billion laughs") and external entities (reading files or URLs) before they start.
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise CtfUnreadable(
            f"{name}: the file declares a DTD or entities, which a Common Transfer File never "
            "does; it was refused unread"
        ) from None
    except ParseError as error:
        raise CtfUnreadable(f"{name}: not a readable XML file ({error})") from None
    for element in root.iter():
        # Some suppliers write a default namespace; the element names are what matter.
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root


def check_header(root: Element, name: str, school: School) -> Header:
    if root.tag != "CTfile":
        raise CtfUnreadable(
            f"{name}: not a Common Transfer File (the root element is <{root.tag[:40]}>, "
            "not <CTfile>)"
        )
    header = root.find("Header")
    if header is None:
        raise CtfUnreadable(f"{name}: not a Common Transfer File (there is no <Header>)")
    if text_of(header, "DocumentName") != DOCUMENT_NAME:
        raise CtfUnreadable(f"{name}: the header's DocumentName is not '{DOCUMENT_NAME}'")
    version_text = text_of(header, "CTFversion")
    try:
        version = ctf_version(version_text)
    except ValueError:
        version = 0
    if version < OLDEST_VERSION:
        raise CtfUnreadable(
            f"{name}: CTF version '{version_text[:10]}' cannot be read; this import reads CTF "
            f"{OLDEST_VERSION} and later"
        )
    warnings = []
    if version > NEWEST_KNOWN_VERSION:
        warnings.append(
            f"{name} is CTF {version}, newer than the newest this import knows "
            f"(CTF {NEWEST_KNOWN_VERSION}); it was read as CTF {NEWEST_KNOWN_VERSION}: check "
            "the pupils it changed."
        )
    qualifier = text_of(header, "DocumentQualifier").lower() or FULL
    if qualifier not in (FULL, PARTIAL):
        raise CtfUnreadable(
            f"{name}: the header's DocumentQualifier is '{qualifier[:20]}'; a CTF is "
            f"'{FULL}' or '{PARTIAL}'"
        )
    dest = (text_of(header, "DestSchool/LEA"), text_of(header, "DestSchool/Estab"))
    # A file for a school in another local authority was sent to the wrong place; unknown
    # destinations ('MMM', the lost pupils database) carry no number and are not refused.
    if dest[0].isdigit() and dest[0] != school.la_code:
        raise CtfUnreadable(
            f"{name}: the file is addressed to a school in local authority {dest[0]}, but "
            f"{school.name} is in local authority {school.la_code}; check the file and --school"
        )
    if dest[0] == school.la_code and dest[1].isdigit() and school.estab not in ("", dest[1]):
        raise CtfUnreadable(
            f"{name}: the file is addressed to establishment {dest[0]}{dest[1]}, but "
            f"{school.name} is {school.la_code}{school.estab}; check the file and --school"
        )
    return Header(
        dest=dest, version=version, partial=qualifier == PARTIAL, warnings=tuple(warnings)
    )


def pupil_elements(root: Element, name: str) -> list[Element]:
    pupils = root.findall("CTFpupilData/Pupil")
    if not pupils:
        raise CtfUnreadable(f"{name}: the file holds no pupils (no <CTFpupilData><Pupil>)")
    return pupils


def text_of(element: Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _has(element: Element, path: str) -> bool:
    return element.find(path) is not None


def _parse_date(value: str) -> date:
    """A CTF date (xs:date, YYYY-MM-DD); ValueError in words for the office otherwise."""
    try:
        year, month, day = (int(part) for part in value.split("-"))
    except ValueError:
        raise ValueError(
            f"'{value[:20]}' is not a date; a CTF writes dates as YYYY-MM-DD"
        ) from None
    if len(value) != 10:
        raise ValueError(f"'{value[:20]}' is not a date; a CTF writes dates as YYYY-MM-DD")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{value}' is not a real date") from None


# --- one pupil on its own ---------------------------------------------------------------------


def parse_pupil(
    position: int, element: Element, header: Header, entry_date: date | None, today: date
) -> CtfPupil:
    checks = FieldChecks(missing="is missing", parse_date=_parse_date)
    problems = checks.problems

    def text(path: str, label: str, *, required: bool = True) -> str:
        return checks.text(text_of(element, path), label, limit=100, required=required)

    upn = checks.upn(text_of(element, "UPN"), "UPN")
    surname = text("Surname", "Surname")
    forename = text("Forename", "Forename")
    preferred_surname = text("BasicDetails/PreferredSurname", "PreferredSurname", required=False)
    preferred_forename = text("BasicDetails/PreferredForename", "PreferredForename", required=False)
    date_of_birth = checks.date(text_of(element, "DOB"), "DOB")
    if date_of_birth and date_of_birth > today:
        problems.append("DOB is in the future")
        date_of_birth = None
    # `Sex` from CTF 25, `Gender` before it: the same codes.
    sex_path = "Sex" if _has(element, "Sex") else "Gender"
    sex = text_of(element, sex_path).upper()
    if sex and sex not in SEXES:
        problems.append(f"{sex_path} must be {' or '.join(SEXES)}, not '{sex[:10]}'")

    # Required only of a pupil new here (ctf_import decides): the DfE's own partial files have
    # no BasicDetails, and a missing year group keeps the one recorded.
    year_group = checks.year_group(
        text_of(element, "BasicDetails/NCyearActual"),
        "NCyearActual",
        prefix="NCyearActual: ",
        required=False,
    )

    # This school's line of the pupil's history, if the file has one.
    start = leaving = None
    ground = ""
    for line in element.findall("SchoolHistory/School") if all(header.dest) else []:
        if (text_of(line, "LEA"), text_of(line, "Estab")) == header.dest:
            start = checks.date(text_of(line, "EntryDate"), "SchoolHistory EntryDate")
            leaving = checks.date(
                text_of(line, "LeavingDate"), "SchoolHistory LeavingDate", required=False
            )
            # Deleting the pupil from this school's admission register needs regulation 9's
            # ground ("9(1)(a)" ... "9(3)"), carried beside the LeavingDate.
            ground = text_of(line, "LeavingReason")
            break
    start = start or entry_date
    if date_of_birth and start and start <= date_of_birth:
        problems.append(f"the entry date {start:%Y-%m-%d} is not after DOB")
    if start and leaving and leaving < start:
        problems.append("SchoolHistory LeavingDate is before EntryDate")

    contacts = _parse_contacts(element, problems)
    attendance = _parse_attendance(element, problems)
    pupil = Pupil(
        upn=upn,
        legal_surname=surname,
        legal_forename=forename,
        preferred_surname=preferred_surname,
        preferred_forename=preferred_forename,
        date_of_birth=date_of_birth or today,
        sex=sex if sex in SEXES else "",
        year_group=year_group,
    )
    if date_of_birth and (
        ground_problem := deletion_problem(pupil=pupil, leaving_date=leaving, ground=ground)
    ):
        problems.append(f"SchoolHistory LeavingReason: {ground_problem}")
    return CtfPupil(
        position=position,
        pupil=pupil,
        preferred_given=(
            _has(element, "BasicDetails/PreferredSurname"),
            _has(element, "BasicDetails/PreferredForename"),
        ),
        year_group_given=bool(year_group),
        sex_given=bool(sex),
        entry_date=start,
        leaving_date=leaving,
        leaving_ground=ground,
        contacts=contacts,
        attendance=attendance,
        problems=problems,
    )


def _parse_contacts(element: Element, problems: list[str]) -> list[CtfContact]:
    """The pupil's contacts in priority order: by <Order>, then as listed."""
    ordered: list[tuple[int, int, CtfContact]] = []
    for number, contact in enumerate(element.findall("Contacts/Contact"), start=1):
        label = f"contact {number}"
        local: list[str] = []
        order_text = text_of(contact, "Order")
        order = 10**6
        if order_text:
            found = whole_number(order_text, minimum=1)
            if found is None:
                local.append(
                    f"{label}: Order must be a whole number from 1, not '{order_text[:10]}'"
                )
            else:
                order = found
        surname, forename = text_of(contact, "Surname"), text_of(contact, "Forename")
        if not surname:
            local.append(f"{label}: Surname is missing")
        name = f"{forename or text_of(contact, 'Title')} {surname}".strip()
        if len(name) > max_length(Contact, "name"):
            local.append(f"{label}: the name is longer than 200 characters")
        if problem := one_line_text_problem(name):
            local.append(f"{label}: the name {problem}")
        code = text_of(contact, "Relationship")
        relationship = relationship_label(code) or ""
        if not code:
            local.append(f"{label}: Relationship is missing")
        elif not relationship:
            local.append(
                f"{label}: Relationship '{code[:10]}' is not a CBDS relationship code "
                "(D00032, D00033)"
            )
        responsibility = text_of(contact, "Responsibility").lower()
        if responsibility not in _TRUE | _FALSE | {""}:
            local.append(f"{label}: Responsibility must be true or false")
        phones = [
            (text_of(phone, "TelephoneType").upper(), text_of(phone, "PhoneNo"))
            for phone in contact.findall("Phones/Phone")
        ]
        phones = [(kind, number) for kind, number in phones if number]
        # The office rings one number first: a mobile if there is one.
        phone = next((n for kind, n in phones if kind == _MOBILE), phones[0][1] if phones else "")
        if len(phone) > max_length(Contact, "phone"):
            local.append(f"{label}: PhoneNo is longer than 40 characters")
        email = text_of(contact, "Email")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                local.append(f"{label}: Email is not an e-mail address")
        problems.extend(local)
        if not local:
            ordered.append(
                (
                    order,
                    number,
                    CtfContact(
                        name=name,
                        phone=phone,
                        email=email.lower(),
                        relationship=relationship,
                        # Parental responsibility is never assumed: letters go to those who have it.
                        parental_responsibility=responsibility in _TRUE,
                    ),
                )
            )
    return [contact for _, _, contact in sorted(ordered, key=lambda item: item[:2])]


def _parse_attendance(element: Element, problems: list[str]) -> list[YearMarks]:
    """Each AttendSessions of each YearData: a long year may come as several strings, each from
    its own AttendanceStartDate."""
    years: list[YearMarks] = []
    for number, year in enumerate(element.findall("Attendance/YearData"), start=1):
        label = f"attendance {text_of(year, 'Year')[:10] or number}"
        for sessions in year.findall("AttendSessions"):
            marks = text_of(sessions, "AttendanceMarks")
            if not marks:
                continue  # session counts only: nothing to import
            start_text = text_of(sessions, "AttendanceStartDate")
            if not start_text:
                problems.append(f"{label}: AttendanceStartDate is missing")
                continue
            try:
                start = _parse_date(start_text)
            except ValueError as error:
                problems.append(f"{label}: AttendanceStartDate: {error}")
                continue
            if len(marks) > MAX_MARKS_LENGTH:
                problems.append(
                    f"{label}: AttendanceMarks is longer than {MAX_MARKS_LENGTH} characters "
                    "(CBDS item 100482)"
                )
            elif any(character.isspace() for character in marks):
                problems.append(f"{label}: AttendanceMarks contains spaces or line breaks")
            else:
                try:
                    years.append(YearMarks(label, start, read_marks(marks)))
                except UnreadableMarks as unreadable:
                    # Named by its date and session, which ctf_import words with the rest.
                    years.append(YearMarks(label, start, [], unreadable))
    return years
