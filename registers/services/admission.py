"""The admission register: deleting a pupil's name, on one of regulation 9's grounds.

The School Attendance (Pupil Registration) (England) Regulations 2024, regulation 9: a name is
deleted only on one of its grounds (9(1)(a)-(o) for a pupil of compulsory school age, 9(3) for
another), recorded with the day and, where known, the school the pupil goes to; one with no
known destination is a possible child missing education, which the deletion return reports.
"""

from datetime import date

from django.db import transaction
from django.db.models import Q

from core.errors import DomainError
from registers.lib.calendar import day_label
from registers.models import Enrolment, GroupMembership, Mark, Pupil, School, deletion_problem


@transaction.atomic
def pupil_leaving_record(
    *,
    school: School,
    pupil: Pupil,
    leaving_date: date,
    ground: str,
    destination: str,
) -> Enrolment:
    """Delete the pupil from the school's admission register from `leaving_date` (their last
    day on roll), on `ground`; their class membership ends the same day.

    Every problem is reported at once and nothing is saved: a ground the pupil's age that day
    does not allow, a pupil not on roll that day, marks already recorded after it.
    """
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(school=school, pupil=pupil, start_date__lte=leaving_date)
        .filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=leaving_date))
        .order_by("-start_date")
        .first()
    )
    problems = []
    if problem := deletion_problem(pupil=pupil, leaving_date=leaving_date, ground=ground):
        problems.append(problem)
    if enrolment is None:
        problems.append(
            f"{pupil.name} is not on roll at {school.name} on {day_label(leaving_date)}."
        )
    later = Mark.objects.filter(school=school, pupil=pupil, date__gt=leaving_date).count()
    if later:
        problems.append(
            f"{later} mark(s) are already recorded after {day_label(leaving_date)}: the leaving "
            "day is the last day on roll."
        )
    if problems or enrolment is None:
        raise DomainError(" ".join(problems))
    enrolment.leaving_date = leaving_date
    enrolment.leaving_reason = ground
    enrolment.destination = destination.strip()
    enrolment.full_clean()
    enrolment.save(update_fields=["leaving_date", "leaving_reason", "destination"])
    GroupMembership.objects.filter(group__school=school, pupil=pupil).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=leaving_date)
    ).filter(start_date__lte=leaving_date).update(end_date=leaving_date)
    return enrolment
