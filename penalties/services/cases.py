"""Writes for penalty notices: opening threshold cases for the attendance lead."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from penalties.models import ThresholdCase
from penalties.selectors import pupils_meeting_threshold
from registers.models import School


@transaction.atomic
def threshold_cases_open(*, school: School, as_of: date) -> int:
    """Open a case for every pupil of the school meeting the threshold as of `as_of`.

    Idempotent through the one-open-case-per-pupil constraint: a pupil with an open case is
    skipped by the insert, so a second run, a retried task or a second worker opens nothing.
    Sessions already dealt with in a closed case are not counted again. Returns the number of
    cases newly opened.
    """
    results = pupils_meeting_threshold(schools=[school], as_of=as_of, after_closed_cases=True)
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
