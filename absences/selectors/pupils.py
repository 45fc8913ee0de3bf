"""Reads about pupils that the absences pages and services share: the roll in name order, the
days a pupil is on roll, and their contacts in the order the office calls them."""

from datetime import date

from django.db.models import QuerySet

from registers.models import Enrolment, Pupil, PupilContact, School
from registers.selectors import pupils_on_roll_with_class


def pupils_on_roll_by_name(*, school: School, day: date) -> QuerySet[Pupil]:
    """The pupils to choose from on a form: on roll at the school on `day`, by legal name, each
    with `class_name` (see `registers.selectors.pupils_on_roll_with_class`)."""
    return pupils_on_roll_with_class(school=school, day=day)


def days_not_on_roll(*, school: School, pupil: Pupil, days: list[date] | set[date]) -> list[date]:
    """The days of `days` on which the pupil is not on the school's roll, in order (one query)."""
    spans = list(
        Enrolment.objects.filter(school=school, pupil=pupil).values_list(
            "start_date", "leaving_date"
        )
    )
    return [
        day
        for day in sorted(days)
        if not any(start <= day and (end is None or day <= end) for start, end in spans)
    ]


def contacts_in_priority_order() -> QuerySet[PupilContact]:
    """Pupils' contacts, with the contact, in the order the office calls them."""
    return PupilContact.objects.select_related("contact").order_by("priority")


def pupil_contacts(*, pupil: Pupil) -> list[PupilContact]:
    """The pupil's contacts, first to call first."""
    return list(contacts_in_priority_order().filter(pupil=pupil))


def parents_with_responsibility(*, pupil: Pupil) -> list[PupilContact]:
    """Whom a letter about the pupil is addressed to: contacts with parental responsibility,
    in the order the office calls them."""
    return list(contacts_in_priority_order().filter(pupil=pupil, parental_responsibility=True))
