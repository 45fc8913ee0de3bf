"""Writing a checked Common Transfer File: `registers.imports.ctf` decides, this writes.

Nothing here checks anything: every record reaching it was checked against the file and the
database (see ctf_import for the decisions it carries out).
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from registers.imports.ctf_parse import CtfPupil, Header, PupilError
from registers.models import (
    Contact,
    Enrolment,
    Mark,
    MarkSource,
    Pupil,
    PupilContact,
    School,
)


@dataclass(frozen=True)
class CtfImportResult:
    pupils_created: int
    pupils_updated: int
    enrolments_created: int
    contacts_created: int
    marks_created: int
    marks_already_recorded: int
    marks_recorded_differently: int
    pupils_with_contacts_kept: int
    # A partial file's pupils who are not on roll here, by position and UPN.
    skipped: tuple[PupilError, ...] = ()
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        text = (
            f"{self.pupils_created} pupil(s) created, {self.pupils_updated} updated, "
            f"{self.enrolments_created} new enrolment(s), {self.contacts_created} contact(s), "
            f"{self.marks_created} mark(s) imported."
        )
        if self.skipped:
            text += (
                f" {len(self.skipped)} pupil(s) not on roll here were skipped: a partial file "
                "adds no pupils."
            )
        if self.marks_already_recorded:
            text += f" {self.marks_already_recorded} mark(s) were already recorded."
        if self.marks_recorded_differently:
            text += (
                f" {self.marks_recorded_differently} session(s) recorded here with another code "
                "were left unchanged (amend them if the file is right)."
            )
        if self.pupils_with_contacts_kept:
            text += (
                f" The contacts already recorded for {self.pupils_with_contacts_kept} pupil(s) "
                "were kept and the file's were not added."
            )
        if self.enrolments_created:
            text += " A CTF does not say which class a pupil joins: add the new pupils to a class."
        return text


@transaction.atomic
def ctf_write(
    *,
    school: School,
    header: Header,
    records: list[CtfPupil],
    stored: dict[str, Pupil],
    marks: list[tuple[CtfPupil, date, str, str]],
    already: int,
    differently: int,
) -> CtfImportResult:
    """Write what `ctf_import` checked: new pupils, updates, enrolments, contacts and marks, in
    bulk, a fixed number of queries."""
    new_pupils = [record.pupil for record in records if record.pupil.upn not in stored]
    Pupil.objects.bulk_create(new_pupils)
    updated: list[Pupil] = []
    for record in records:
        pupil = stored.get(record.pupil.upn)
        if pupil is None:
            continue
        # A full file is the child's record from their school: names and year group follow it.
        # A partial one is another service's copy (the DfE's write names in capitals).
        if not header.partial:
            pupil.legal_forename = _renamed(pupil.legal_forename, record.pupil.legal_forename)
            if record.preferred_given[0]:
                pupil.preferred_surname = _renamed(
                    pupil.preferred_surname, record.pupil.preferred_surname
                )
            if record.preferred_given[1]:
                pupil.preferred_forename = _renamed(
                    pupil.preferred_forename, record.pupil.preferred_forename
                )
        if record.year_group_given:
            pupil.year_group = record.pupil.year_group
        if record.sex_given:
            pupil.sex = record.pupil.sex
        record.pupil = pupil
        updated.append(pupil)
    Pupil.objects.bulk_update(
        updated,
        ["legal_forename", "year_group", "preferred_surname", "preferred_forename", "sex"],
    )

    enrolments = []
    for record in records:
        if not record.enrol:
            continue
        # An enrolment without a starting day is a problem of the record (ctf_import).
        assert record.entry_date is not None
        enrolments.append(
            Enrolment(
                pupil=record.pupil,
                school=school,
                start_date=record.entry_date,
                leaving_date=record.leaving_date,
                leaving_reason=record.leaving_ground,
            )
        )
    Enrolment.objects.bulk_create(enrolments)

    # Brothers and sisters in one file share their parents: one contact per adult.
    contacts: dict[tuple[str, ...], Contact] = {}
    links: list[PupilContact] = []
    for record in records:
        if not record.add_contacts:
            continue
        for priority, item in enumerate(record.contacts, start=1):
            key: tuple[str, ...] = (item.name.casefold(), item.phone, item.email)
            if not (item.phone or item.email):
                key = (*key, f"{record.position}.{priority}")  # nothing to tell two apart
            contact = contacts.setdefault(
                key, Contact(name=item.name, phone=item.phone, email=item.email)
            )
            links.append(
                PupilContact(
                    pupil=record.pupil,
                    contact=contact,
                    relationship=item.relationship,
                    parental_responsibility=item.parental_responsibility,
                    priority=priority,
                )
            )
    Contact.objects.bulk_create(contacts.values())
    PupilContact.objects.bulk_create(links)

    now = timezone.now()
    Mark.objects.bulk_create(
        Mark(
            pupil=record.pupil,
            school=school,
            date=day,
            session=session,
            code_id=code,
            source=MarkSource.IMPORT,
            recorded_by=None,
            recorded_at=now,
        )
        for record, day, session, code in marks
    )
    return CtfImportResult(
        pupils_created=len(new_pupils),
        pupils_updated=len(updated),
        enrolments_created=len(enrolments),
        contacts_created=len(contacts),
        marks_created=len(marks),
        marks_already_recorded=already,
        marks_recorded_differently=differently,
        pupils_with_contacts_kept=sum(
            1 for record in records if not record.add_contacts and record.contacts
        ),
    )


def _renamed(stored: str, given: str) -> str:
    """The file's name, unless it is the recorded one in other capitals ("RHYS" for "Rhys")."""
    return stored if stored.casefold() == given.casefold() else given
