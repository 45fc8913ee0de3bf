"""Pupils, their contacts and attendance history from a DfE Common Transfer File (CTF).

The CTF is the XML file schools exchange when a pupil moves, and the DfE's own services send
back (the Multiplication Tables Check's results; Get Information About Pupils). CTF 23 and later
are read. The layout followed, from the DfE specification, the MIS that implement it and the
DfE's own writers (DFEAGILEDEVOPS/MTC admin/services/ctf/ctf.service.js; GIAP's
XmlCtfFormatter, DFE-Digital/get-information-about-pupils):

    <CTfile>
      <Header> DocumentName "Common Transfer File", CTFversion, DateTime, DocumentQualifier
               (full or partial), SupplierID, SourceSchool (LEA, Estab, URN, SchoolName,
               AcademicYear), DestSchool (LEA, Estab, URN) </Header>
      <CTFpupilData>
        <Pupil> UPN, Surname, Forename, DOB, Sex (Gender before CTF 25),
          <BasicDetails> PreferredSurname, PreferredForename, NCyearActual, ... </BasicDetails>
          <Contacts><Contact> Order, Title, Surname, Forename, Relationship, Responsibility,
                    <Phones><Phone> TelephoneType, PhoneNo </Phone></Phones>, Email </Contact>
          <Attendance><YearData> Year, LEA, Estab, SchoolName, Sessions*,
                    <AttendSessions> AttendanceStartDate, AttendanceMarks </AttendSessions>
          <SchoolHistory><School> LEA, Estab, SchoolName, EntryDate, LeavingDate </School>

All or nothing, like the CSV importers: the whole file is checked, against itself and the
database, before anything is written; one bad record refuses the file, and every problem is
listed by the pupil's position in the file and UPN (never by name). Everything is written in one
transaction with a fixed number of queries, whatever the number of pupils.

Decisions where the specification leaves the receiving school to choose:

- A partial file (the DfE's services write nothing else: UPN, names in capitals, DOB, sex and
  their own data, no BasicDetails) updates pupils on roll here and adds no one: a pupil who is
  not is listed as skipped and the rest are imported. It never changes names.
- The starting day here is the EntryDate of the SchoolHistory school that the header's DestSchool
  names (LEA and Estab). A CTF from the previous school has none; `entry_date` (the command's
  `--entry-date`) then gives it. A pupil already on roll here needs none.
- A UPN already stored is the same child only if the legal surname and date of birth match (as in
  the CSV import), updated rather than duplicated: forename and preferred names from a full file
  only, sex and year group from any file that gives them. A name that differs only in case is
  kept as recorded (the DfE's services write names in capitals), and a missing NCyearActual
  keeps the stored year group.
- Contacts are added only for pupils with none recorded: the school's own records are newer than
  a transfer file. Within one file, the same adult (name and phone or e-mail) is one contact.
- AttendanceMarks holds the codes of every session from AttendanceStartDate, AM then PM
  (`registers.lib.ctf_format`: one character each, or separated by commas from CTF 24 so that
  the 2024 two-character codes travel). A mark is imported only for a session that is a school
  session in this school's calendar while the pupil is on roll here; the rest (the previous
  school's days, weekends, holidays) is history kept by the other school. A session already
  recorded here is left alone, whatever the file says: the register taken here is the record,
  and changing it is an amendment by a person with a reason.
"""

from dataclasses import replace
from datetime import date, timedelta

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from core.errors import DomainError, FileRejected
from registers.codes import code_problem
from registers.imports.ctf_parse import (
    CtfPupil,
    Header,
    PupilError,
    check_header,
    parse_pupil,
    parse_xml,
    pupil_elements,
    text_of,
)
from registers.lib.calendar import AM, PM
from registers.lib.ctf_format import NO_MARK, NOT_A_SESSION
from registers.lib.upn import upn_problem
from registers.models import (
    Enrolment,
    Mark,
    Pupil,
    PupilContact,
    School,
    SchoolDay,
)
from registers.services.ctf_write import CtfImportResult, ctf_write


def ctf_import(
    *, school: School, data: bytes, name: str = "the file", entry_date: date | None = None
) -> CtfImportResult:
    """Check the whole file, then write pupils, enrolments, contacts and marks in one transaction.

    Steps: parse the XML with entity and DTD declarations refused; check the header (a CTF of
    version 23 or later, not addressed to another school); for a partial file, set aside the
    pupils not on roll here, unread; check each other <Pupil> on its own and note a UPN seen
    earlier; read the stored pupils, enrolments, contacts, school days and marks the file
    touches in a fixed number of queries and check each pupil against them; refuse the file
    with every problem, or write.
    """
    root = parse_xml(data, name)
    header = check_header(root, name, school)
    today = timezone.localdate()
    elements = pupil_elements(root, name)
    records: list[CtfPupil] = []
    errors: list[PupilError] = []
    skipped: list[PupilError] = []
    on_roll = _on_roll(school, elements, today) if header.partial else set()
    first_position_of: dict[str, int] = {}
    for position, element in enumerate(elements, start=1):
        upn = text_of(element, "UPN").upper()
        if header.partial and upn not in on_roll:
            skipped.append(PupilError(position, upn, "not on roll here: skipped"))
            continue
        record = parse_pupil(position, element, header, entry_date, today)
        if upn and not upn_problem(upn):
            if upn in first_position_of:
                record.problems.append(f"UPN {upn} is also pupil {first_position_of[upn]}")
            else:
                first_position_of[upn] = position
        errors.extend(PupilError(position, upn, problem) for problem in record.problems)
        if not record.problems:
            records.append(record)
    stored, spans = _check_against_database(school, header, records, today)
    marks, already, differently = _marks_to_import(school, records, stored, spans, today)
    for record in records:
        errors.extend(
            PupilError(record.position, record.pupil.upn, problem) for problem in record.problems
        )
    if errors:
        raise FileRejected(sorted(errors, key=lambda error: error.position))
    try:
        result = ctf_write(
            school=school,
            header=header,
            records=records,
            stored=stored,
            marks=marks,
            already=already,
            differently=differently,
        )
    except IntegrityError:
        raise DomainError(
            "Nothing was imported: these pupils or marks were changed by someone else at the "
            "same time. Run the import again."
        ) from None
    return replace(result, skipped=tuple(skipped), warnings=header.warnings)


# --- the pupils against the database ----------------------------------------------------------


def _on_roll(school: School, elements: list, today: date) -> set[str]:
    """The UPNs of the file's pupils on this school's admission register today (or from a
    starting day to come): those a partial file may update."""
    upns = [text_of(element, "UPN").upper() for element in elements]
    return set(
        Enrolment.objects.filter(school=school, pupil__upn__in=upns)
        .filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=today))
        .values_list("pupil__upn", flat=True)
    )


def _check_against_database(
    school: School, header: Header, records: list[CtfPupil], today: date
) -> tuple[dict[str, Pupil], dict[int, list[tuple[date, date | None]]]]:
    """Known UPNs are the same children or refused; decides each pupil's enrolment and contacts."""
    stored = {p.upn: p for p in Pupil.objects.filter(upn__in=[r.pupil.upn for r in records])}
    spans: dict[int, list[tuple[date, date | None]]] = {}
    for pupil_id, start, leaving in Enrolment.objects.filter(
        school=school, pupil__in=list(stored.values())
    ).values_list("pupil_id", "start_date", "leaving_date"):
        spans.setdefault(pupil_id, []).append((start, leaving))
    with_contacts = set(
        PupilContact.objects.filter(pupil__in=list(stored.values())).values_list(
            "pupil_id", flat=True
        )
    )
    for record in records:
        pupil = stored.get(record.pupil.upn)
        if pupil is not None:
            same_child = (
                pupil.legal_surname.strip().casefold() == record.pupil.legal_surname.casefold()
                and pupil.date_of_birth == record.pupil.date_of_birth
            )
            if not same_child:
                # Whose UPN it is stays unsaid: the file's sender may not be entitled to know.
                record.problems.append(
                    f"UPN {pupil.upn} belongs to another pupil (the surname or date of birth "
                    "does not match); check the UPN"
                )
                continue
        if pupil is None and not record.year_group_given:
            record.problems.append("NCyearActual is missing")
        start = record.entry_date or today
        on_roll = pupil is not None and any(
            _overlap(begin, end, start, record.leaving_date)
            for begin, end in spans.get(pupil.pk, [])
        )
        # A partial file's pupils are on roll here today (the others were set aside).
        record.enrol = not (on_roll or header.partial)
        if record.enrol and record.entry_date is None:
            record.problems.append(
                "no starting day here: the file's SchoolHistory has no entry for this school "
                "(the header's DestSchool); give it with --entry-date YYYY-MM-DD"
            )
        record.add_contacts = pupil is None or pupil.pk not in with_contacts
    return stored, spans


def _overlap(start_a: date, end_a: date | None, start_b: date, end_b: date | None) -> bool:
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def _marks_to_import(
    school: School,
    records: list[CtfPupil],
    stored: dict[str, Pupil],
    spans: dict[int, list[tuple[date, date | None]]],
    today: date,
) -> tuple[list[tuple[CtfPupil, date, str, str]], int, int]:
    """(marks to create, sessions already recorded alike, sessions recorded differently).

    Steps: read the school days and the stored pupils' marks over the dates the file covers
    (two queries); walk each AttendanceMarks string, two sessions a day; keep a session that is
    a school session while the pupil is on roll here; check its code for that day.
    """
    ranges = [
        (year.start, year.start + timedelta(days=max(len(year.codes) - 1, 0) // 2))
        for record in records
        for year in record.attendance
    ]
    if not ranges:
        return [], 0, 0
    first, last = min(r[0] for r in ranges), max(r[1] for r in ranges)
    days = {
        day: (am, pm)
        for day, am, pm in SchoolDay.objects.filter(
            school=school, date__range=(first, last)
        ).values_list("date", "am", "pm")
    }
    known_ids = [pupil.pk for pupil in stored.values()]
    recorded = {
        (pupil_id, day, session): code
        for pupil_id, day, session, code in Mark.objects.filter(
            school=school, pupil_id__in=known_ids, date__range=(first, last)
        ).values_list("pupil_id", "date", "session", "code_id")
    }
    marks: list[tuple[CtfPupil, date, str, str]] = []
    already = differently = 0
    for record in records:
        if record.problems:
            continue
        pupil = stored.get(record.pupil.upn)
        on_roll = list(spans.get(pupil.pk, [])) if pupil else []
        if record.enrol and record.entry_date:
            on_roll.append((record.entry_date, record.leaving_date))
        seen: dict[tuple[date, str], str] = {}
        for year in record.attendance:
            year_problems: list[str] = []
            if year.unreadable is not None:
                at = year.unreadable.index
                year_problems.append(
                    f"{year.start + timedelta(days=at // 2):%Y-%m-%d} {AM if at % 2 == 0 else PM}"
                    f": {year.unreadable.message}"
                )
            for index, code in enumerate(year.codes):
                day = year.start + timedelta(days=index // 2)
                session = AM if index % 2 == 0 else PM
                if code in (NOT_A_SESSION, NO_MARK):
                    continue
                open_am, open_pm = days.get(day, (False, False))
                if not (open_am if session == AM else open_pm):
                    continue
                if not any(s <= day and (e is None or day <= e) for s, e in on_roll):
                    continue
                when = f"{day:%Y-%m-%d} {session}"
                if day > today:
                    year_problems.append(f"{when} is after today; only history can be imported")
                    continue
                if problem := code_problem(code, on=day, session=session, born=None):
                    year_problems.append(f"{when}: {problem}")
                    continue
                if (day, session) in seen:
                    if seen[day, session] != code:
                        year_problems.append(
                            f"{when} is given twice, as '{seen[day, session]}' and '{code}'"
                        )
                    continue
                seen[day, session] = code
                current = recorded.get((pupil.pk, day, session)) if pupil else None
                if current is None:
                    marks.append((record, day, session, code))
                elif current == code:
                    already += 1
                else:
                    differently += 1
            if year_problems:
                # One bad string can hold hundreds of sessions: name the first, count the rest.
                more = len(year_problems) - 1
                record.problems.append(
                    f"{year.label}: {year_problems[0]}"
                    + (f" (and {more} more session(s) with problems)" if more else "")
                )
    return marks, already, differently
