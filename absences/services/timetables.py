"""Part-time timetables: agreed for a time, reviewed with the family, coded C2.

The Herefordshire policy ("Part-time timetables"): only in very exceptional circumstances, in the
pupil's best interests; "only in place for the shortest time necessary", with "a time limit by
which point the pupil is expected to attend full-time" and "formal arrangements ... for regularly
reviewing it with the pupil and their parents". The sessions off are authorised absence, C2,
which the register fills in when it is taken (`absences.selectors.expected_codes`).
"""

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from absences.models import PartTimeTimetable, TimetableReview
from core.errors import DomainError
from registers.lib.calendar import day_label, weekly_sessions_problem
from registers.lib.school_age import compulsory_school_age_problem
from registers.models import Enrolment, Pupil, School


@transaction.atomic
def part_time_timetable_agree(
    *,
    school: School,
    pupil: Pupil,
    start: date,
    end: date | None,
    sessions_off: list[str],
    reason: str,
    review_dates: list[date],
    by: User,
) -> PartTimeTimetable:
    """Record a part-time timetable agreed with the family, with its review dates.

    Every problem is reported at once and nothing is saved.
    """
    problems = []
    if end is None:
        problems.append(
            "Give the day the timetable ends: a part-time timetable is time-limited, with a "
            "date by which the pupil is expected to attend full-time."
        )
    elif end < start:
        problems.append("The timetable ends before it starts.")
    problems += [
        f"{day_label(day)} is not in any of {school.name}'s terms: a timetable starts and ends "
        "in term time."
        for day in ([start] if end is None else sorted({start, end}))
        if not school.terms.filter(start__lte=day, end__gte=day).exists()
    ]
    sessions_problem = weekly_sessions_problem(sessions_off)
    if sessions_problem:
        problems.append(sessions_problem)
    elif not sessions_off:
        problems.append("Choose the sessions each week the pupil is not in school.")
    if not reason.strip():
        problems.append("Write down why the timetable is in the pupil's best interests.")
    if end is not None and end >= start:
        if not any(start <= day <= end for day in review_dates):
            problems.append(
                "Give at least one review date with the pupil and parents within the "
                "timetable's dates."
            )
        problems += [
            f"The review on {day_label(day)} is before the timetable starts."
            for day in sorted(set(review_dates))
            if day < start
        ]
        # C2 is for pupils of compulsory school age (2024 regulations): a nursery pupil not
        # of that age is not required to attend at all, and is coded X.
        for day in sorted({start, end}):
            if age_problem := compulsory_school_age_problem(pupil.date_of_birth, day):
                problems.append(
                    f"A part-time timetable (C2) is for a pupil of compulsory school age; on "
                    f"{day_label(day)} {pupil.name} is {age_problem}."
                )
                break
        on_roll = Enrolment.objects.filter(school=school, pupil=pupil, start_date__lte=start)
        if not on_roll.filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=end)).exists():
            problems.append(
                f"{pupil.name} is not on roll at {school.name} for the whole of the timetable."
            )
        overlapping = PartTimeTimetable.objects.filter(
            school=school, pupil=pupil, start__lte=end, end__gte=start
        ).first()
        if overlapping:
            problems.append(
                f"{pupil.name} already has a part-time timetable from "
                f"{day_label(overlapping.start)} to {day_label(overlapping.end)}: change that "
                "one rather than adding another."
            )
    if problems:
        raise DomainError(" ".join(problems))
    assert end is not None  # a timetable without an end is among the problems above
    timetable = PartTimeTimetable(
        school=school,
        pupil=pupil,
        start=start,
        end=end,
        sessions_off=list(sessions_off),
        reason=reason.strip(),
        agreed_by=by,
        agreed_at=timezone.now(),
    )
    timetable.full_clean()
    timetable.save()
    TimetableReview.objects.bulk_create(
        TimetableReview(timetable=timetable, due_on=day) for day in sorted(set(review_dates))
    )
    return timetable


@transaction.atomic
def timetable_review_record(*, review: TimetableReview, notes: str, by: User) -> TimetableReview:
    """A review held today with the pupil and parents: what was agreed.

    `by` is the member of staff recording it (TimetableReview does not store it yet).
    """
    if not notes.strip():
        raise DomainError("Write down what was agreed at the review.")
    today = timezone.localdate()
    if today < review.timetable.start:
        raise DomainError("The timetable has not started yet: review it once it is under way.")
    held = TimetableReview.objects.filter(pk=review.pk, held_on__isnull=True).update(
        held_on=today, held_by=by, notes=notes.strip()
    )
    if not held:
        review.refresh_from_db()
        assert review.held_on is not None  # the update found it held already
        raise DomainError(f"This review was already recorded on {day_label(review.held_on)}.")
    review.refresh_from_db()
    return review
