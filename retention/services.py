"""The retention job: register entries older than the federation's retention period are deleted.

"Every entry is kept for at least six years from the date it was entered" (2024 regulations);
a federation may keep them longer (`Federation.retention_years`, never below six). Whole
academic years go together, so a year's figures are never left partial: the cut-off is the
1 August that starts the academic year containing the day `retention_years` ago. Everything
before it is at least that old.

What goes, for the federation's schools:
- marks for sessions before the cut-off that were also entered before it (a mark imported years
  after its session is kept for the period from its import), unless amended on or after it (an
  amendment is an entry of its own, kept for the period from the day it was made, and it needs
  its mark);
- their amendments, the late-book lines, overdue-N flags and penalty-notice evidence rows that
  point at them (nothing else refers to a mark: `test_retention` checks every model that does
  is listed here); a penalty notice itself stays;
- registers (who took a class's register, when) before the cut-off with no mark left on that
  session at that school, and the missing-register reminders before the cut-off.

Deletes are set-based, a batch of marks per transaction, so a federation's first run over
years of history neither holds one long lock nor loads the rows. A dry run deletes nothing and
records what would go. Every run is a RetentionRun row and a log line, with counts only.
"""

import logging
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.utils import timezone

from absences.models import OverdueNFlag, UnauthorisedLetterSession
from penalties.models import PenaltyNoticeEvidence
from registers.lib.calendar import school_year_start
from registers.models import (
    Amendment,
    Federation,
    LateArrival,
    Mark,
    Register,
    RegisterReminder,
    RetentionRun,
)
from registers.models.schools import MINIMUM_RETENTION_YEARS

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000

# Every model with a foreign key to Mark, and how its rows are found: they go with the mark.
MARK_DEPENDANTS: dict[str, type[Model]] = {
    "amendments": Amendment,
    "late_arrivals": LateArrival,
    "overdue_n_flags": OverdueNFlag,
    # The notice stays (it was issued); the marks it rested on go when their time is up.
    "penalty_notice_evidence": PenaltyNoticeEvidence,
    # The letter stays (it was sent); its list of sessions loses the marks that go.
    "unauthorised_letter_sessions": UnauthorisedLetterSession,
}
COUNT_KEYS = ["marks", *MARK_DEPENDANTS, "registers", "register_reminders"]


def retention_cutoff(*, retention_years: int, today: date) -> date:
    """The first day kept: 1 August of the academic year containing `retention_years` ago."""
    years = max(retention_years, MINIMUM_RETENTION_YEARS)
    then = date(today.year - years, today.month, 1)  # the 1st: no 29 February to trip on
    return school_year_start(then)


def _expired_marks(*, federation: Federation, cutoff: date) -> QuerySet[Mark]:
    kept_since = timezone.make_aware(datetime.combine(cutoff, time.min))
    amended_since_cutoff = Amendment.objects.filter(mark=OuterRef("pk"), amended_at__gte=kept_since)
    return Mark.objects.filter(
        school__federation=federation, date__lt=cutoff, recorded_at__lt=kept_since
    ).exclude(Exists(amended_since_cutoff))


def _expired_registers(*, federation: Federation, cutoff: date) -> QuerySet[Register]:
    """Registers before the cut-off with no mark kept on their session at their school.

    Before the cut-off the only marks kept are those entered or amended since; the test is by
    school, day and session (not by class), which can only keep a register, never lose one
    early.
    """
    kept_since = timezone.make_aware(datetime.combine(cutoff, time.min))
    same_session = Mark.objects.filter(
        school=OuterRef("school"), date=OuterRef("date"), session=OuterRef("session")
    )
    return (
        Register.objects.filter(school__federation=federation, date__lt=cutoff)
        .exclude(Exists(same_session.filter(recorded_at__gte=kept_since)))
        .exclude(Exists(same_session.filter(amendments__amended_at__gte=kept_since)))
    )


def _expired_reminders(*, federation: Federation, cutoff: date) -> QuerySet[RegisterReminder]:
    return RegisterReminder.objects.filter(school__federation=federation, date__lt=cutoff)


def _count(*, federation: Federation, cutoff: date) -> dict[str, int]:
    marks = _expired_marks(federation=federation, cutoff=cutoff)
    counts = {"marks": marks.count()}
    for key, model in MARK_DEPENDANTS.items():
        counts[key] = model._default_manager.filter(mark__in=marks.values("pk")).count()
    counts["registers"] = _expired_registers(federation=federation, cutoff=cutoff).count()
    counts["register_reminders"] = _expired_reminders(federation=federation, cutoff=cutoff).count()
    return counts


def _delete_in_batches(queryset: QuerySet, delete_batch) -> None:
    """Take the next BATCH_SIZE ids of `queryset` and delete them, one transaction each."""
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
            if not ids:
                return
            delete_batch(ids)


def _delete(*, federation: Federation, cutoff: date) -> dict[str, int]:
    counts = dict.fromkeys(COUNT_KEYS, 0)

    def delete_marks(ids: list[int]) -> None:
        for key, model in MARK_DEPENDANTS.items():
            counts[key] += model._default_manager.filter(mark_id__in=ids).delete()[0]
        counts["marks"] += Mark.objects.filter(pk__in=ids).delete()[0]

    def delete_registers(ids: list[int]) -> None:
        counts["registers"] += Register.objects.filter(pk__in=ids).delete()[0]

    def delete_reminders(ids: list[int]) -> None:
        counts["register_reminders"] += RegisterReminder.objects.filter(pk__in=ids).delete()[0]

    _delete_in_batches(_expired_marks(federation=federation, cutoff=cutoff), delete_marks)
    _delete_in_batches(_expired_registers(federation=federation, cutoff=cutoff), delete_registers)
    _delete_in_batches(_expired_reminders(federation=federation, cutoff=cutoff), delete_reminders)
    return counts


def retention_run(*, federation: Federation, today: date, dry_run: bool) -> RetentionRun:
    """Delete (or, dry, count) the federation's entries past its retention period; log the run."""
    cutoff = retention_cutoff(retention_years=federation.retention_years, today=today)
    if dry_run:
        counts = _count(federation=federation, cutoff=cutoff)
    else:
        counts = _delete(federation=federation, cutoff=cutoff)
    run = RetentionRun.objects.create(
        federation=federation,
        ran_at=timezone.now(),
        dry_run=dry_run,
        cutoff=cutoff,
        counts=counts,
    )
    logger.info(
        "Retention %s for federation %s: entries before %s, %s",
        "dry run" if dry_run else "run",
        federation.pk,
        cutoff.isoformat(),
        ", ".join(f"{key} {value}" for key, value in counts.items()),
    )
    return run
