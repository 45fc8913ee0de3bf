"""N codes still open after five school days: flagged once each, for the office to resolve.

"Identify the correct attendance code to use and input it as soon as the reason for absence is
ascertained - this will be no later than 5 working days after the session(s) for which the pupil
was absent" (Luston and Shobdon 4.5).
"""

from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef

from absences.models import OverdueNFlag
from absences.selectors.followup import overdue_n_marks
from registers.models import School


@transaction.atomic
def overdue_n_flag(*, school_id: int, today: date) -> int:
    """Flag the school's N marks overdue on `today` that are not flagged yet; how many were new.

    Idempotent: the flag's mark is unique and conflicting rows are skipped, so running twice,
    or on two workers at once, flags nothing twice (the count may then include a mark the other
    worker flagged at the same moment).
    """
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        return 0
    mark_ids = list(
        overdue_n_marks(school=school, today=today)
        .filter(~Exists(OverdueNFlag.objects.filter(mark=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    OverdueNFlag.objects.bulk_create(
        [OverdueNFlag(school=school, mark_id=mark_id, flagged_on=today) for mark_id in mark_ids],
        ignore_conflicts=True,
    )
    return len(mark_ids)
