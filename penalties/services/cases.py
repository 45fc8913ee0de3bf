"""Writes for threshold cases: opening them, recording support and deciding the route."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError
from penalties.models import (
    CaseDecision,
    CaseRoute,
    SupportOffered,
    ThresholdCase,
    ThresholdCheck,
)
from penalties.selectors import pupils_meeting_threshold
from registers.models import School


@transaction.atomic
def threshold_cases_open(*, school: School, as_of: date) -> int:
    """Open a case for every pupil of the school meeting the threshold as of `as_of`.

    Idempotent through the one-open-case-per-pupil constraint: a pupil with an open case is
    skipped by the insert, so a second run, a retried task or a second worker opens nothing.
    Sessions already dealt with in a closed case are not counted again, and no case is opened
    on a window older than the federation's `penalty_evidence_max_age_school_weeks` (local
    codes of conduct set how recent the evidence must be). Returns the number of cases newly
    opened.
    """
    results = pupils_meeting_threshold(
        schools=[school],
        as_of=as_of,
        after_closed_cases=True,
        recent_school_weeks=school.federation.penalty_evidence_max_age_school_weeks,
    )
    if not results:
        return 0
    opened_at = timezone.now()
    ThresholdCase.objects.bulk_create(
        [
            ThresholdCase(
                school=school,
                pupil_id=result.pupil_id,
                window_start=result.window_start,
                window_end=result.window_end,
                sessions=result.sessions,
                evidence=[
                    {
                        "mark_id": mark.mark_id,
                        "date": mark.date.isoformat(),
                        "session": mark.session,
                        "code": mark.code,
                    }
                    for mark in result.marks
                ],
                opened_on=as_of,
                opened_at=opened_at,
            )
            for result in results
        ],
        ignore_conflicts=True,
    )
    # bulk_create with ignore_conflicts does not say which rows went in: count this run's.
    return ThresholdCase.objects.filter(
        school=school, opened_at=opened_at, closed_at__isnull=True
    ).count()


def _lock_open_case(case: ThresholdCase) -> ThresholdCase:
    locked = ThresholdCase.objects.select_for_update().get(pk=case.pk)
    if locked.closed_at is not None:
        raise DomainError("This case is closed: nothing more can be recorded on it.")
    return locked


@transaction.atomic
def case_support_record(
    *, case: ThresholdCase, what: str, offered_on: date, engaged: bool, by: AbstractBaseUser
) -> SupportOffered:
    """Record support offered to the family and whether they engaged with it."""
    what = what.strip()
    if not what:
        raise DomainError("Say what support was offered.")
    if offered_on > timezone.localdate():
        raise DomainError("Support cannot be recorded as offered on a day still to come.")
    case = _lock_open_case(case)
    support = SupportOffered(
        case=case,
        what=what,
        offered_on=offered_on,
        engaged=engaged,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    support.full_clean()
    support.save()
    return support


@transaction.atomic
def case_route_decide(
    *, case: ThresholdCase, route: str, reason: str, by: AbstractBaseUser
) -> CaseDecision:
    """Decide the case's route with a written reason; closing it sets `closed_at`, so its
    sessions are not counted again by the nightly check."""
    reason = reason.strip()
    if route not in CaseRoute.values:
        raise DomainError("Choose one of the routes.")
    if not reason:
        raise DomainError("Write the reason for the decision.")
    case = _lock_open_case(case)
    now = timezone.now()
    decision = CaseDecision(case=case, route=route, reason=reason, decided_by=by, decided_at=now)
    decision.full_clean()
    decision.save()
    case.route = route
    if route == CaseRoute.CLOSE:
        case.closed_at = now
    case.save(update_fields=["route", "closed_at"])
    return decision


def threshold_checks_run(*, as_of: date) -> int:
    """The nightly check of every school, each in its own transaction with its record
    (`ThresholdCheck`): a school already checked as of `as_of` is skipped, so a run killed
    part-way is resumed by the next (the beat runs it hourly through the night, and a task
    lost with its worker is delivered again). Returns the number of cases opened by this run.
    """
    done = set(ThresholdCheck.objects.filter(as_of=as_of).values_list("school_id", flat=True))
    opened = 0
    for school in School.objects.select_related("federation").order_by("pk"):
        if school.pk in done:
            continue
        try:
            with transaction.atomic():
                count = threshold_cases_open(school=school, as_of=as_of)
                ThresholdCheck.objects.create(
                    school=school, as_of=as_of, cases_opened=count, finished_at=timezone.now()
                )
        except IntegrityError:
            continue  # another run checked this school meanwhile; its cases stand
        opened += count
    return opened
