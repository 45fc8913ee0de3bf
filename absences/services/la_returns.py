"""Writes for the returns to the local authority: a return recorded as sent, and an illness the
school expects to last 15 days (regulation 13 of the 2024 regulations; "Working together")."""

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from absences.models import ExpectedIllness, ReturnKind, ReturnSent
from absences.selectors.la_returns import la_returns
from core.errors import DomainError
from registers.models import Enrolment, Pupil, School


def la_return_record_sent(
    *, school: School, pupil: Pupil, kind: str, period_start: date, by: User
) -> ReturnSent:
    """Record that a return on the school's list was sent; recording it again changes nothing.

    Only a return the lists hold today can be recorded, so a typed date cannot mark as sent a
    return that was never owed.
    """
    if kind not in ReturnKind.values:
        raise DomainError("Choose which return was sent.")
    today = timezone.localdate()
    returns = la_returns(school=school, as_of=today)
    owed: set[tuple[int, date]] = {
        ReturnKind.CONTINUOUS_ABSENCE: {
            (row.pupil.pk, row.first_day) for row in returns.continuous_absence
        },
        ReturnKind.ILLNESS: {(row.pupil.pk, row.first_day) for row in returns.illness},
        ReturnKind.NEW_PUPIL: {
            (row.enrolment.pupil_id, row.enrolment.start_date) for row in returns.new_pupils
        },
        ReturnKind.DELETION: {
            (row.enrolment.pupil_id, row.leaving_date) for row in returns.deletions
        },
    }[ReturnKind(kind)]
    existing = ReturnSent.objects.filter(
        school=school, pupil=pupil, kind=kind, period_start=period_start
    ).first()
    if existing is not None:
        return existing
    if (pupil.pk, period_start) not in owed:
        raise DomainError(
            f"There is no {ReturnKind(kind).label.lower()} return for {pupil.name} from "
            f"{period_start:%-d %B %Y} on today's list."
        )
    with transaction.atomic():
        sent, _ = ReturnSent.objects.get_or_create(
            school=school,
            pupil=pupil,
            kind=kind,
            period_start=period_start,
            defaults={"sent_at": timezone.now(), "sent_by": by},
        )
    return sent


def expected_illness_record(
    *,
    school: School,
    pupil: Pupil,
    first_day: date,
    expected_until: date,
    reason: str,
    by: User,
) -> ExpectedIllness:
    """Record that the school expects the pupil to miss 15 days or more through sickness, so the
    illness return is made before the days are missed (a planned operation, a long illness)."""
    reason = reason.strip()
    problems = []
    if not reason:
        problems.append("Write down why the school expects 15 days or more of illness.")
    if expected_until < first_day:
        problems.append("The illness is expected to end before it begins.")
    if not (
        Enrolment.objects.filter(school=school, pupil=pupil, start_date__lte=expected_until)
        .exclude(leaving_date__lt=first_day)
        .exists()
    ):
        problems.append(f"{pupil.name} is not on roll at {school.name} on those days.")
    if problems:
        raise DomainError(" ".join(problems))
    record, created = ExpectedIllness.objects.get_or_create(
        school=school,
        pupil=pupil,
        first_day=first_day,
        defaults={
            "expected_until": expected_until,
            "reason": reason,
            "recorded_by": by,
            "recorded_at": timezone.now(),
        },
    )
    if not created:
        raise DomainError(
            f"An illness from {first_day:%-d %B %Y} is already recorded for {pupil.name}."
        )
    return record
