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

On PostgreSQL the marks, the pupil weeks and the registers are partitioned by school year
(registers/lib/partitions.py): a school year before the cut-off goes as a whole, its partition
replaced by one holding only what is kept (marks entered or amended since, and other
federations' rows), in one transaction, in about the time of those rows (`make bench`:
`benchmarks/school_year_retention.py`). Its pupil weeks and term totals are counted again from
what is left.
The rest (SQLite; rows in a default partition) is deleted set-based, a batch of marks per
transaction, so a first run over years of history neither holds one long lock nor loads the
rows. A dry run deletes nothing and records what would go. Every run is a RetentionRun row and
a log line, with counts only.
"""

import logging
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.utils import timezone

from absences.models import OverdueNFlag, UnauthorisedLetterSession
from penalties.models import PenaltyNoticeEvidence
from registers.lib import partitions
from registers.lib.calendar import school_year_start
from registers.lib.pupil_weeks import (
    marks_counted_between,
    pupil_terms_recount_between,
    pupil_weeks_recount_between,
)
from registers.models import (
    Amendment,
    Federation,
    LateArrival,
    Mark,
    Register,
    RegisterReminder,
    RetentionRun,
    School,
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


def _expired_years(cutoff: date) -> list[int]:
    """The school years before the cut-off that have partitions (none on SQLite)."""
    if not partitions.is_partitioned(connection):
        return []
    return sorted(
        year
        for year in partitions.partitions(connection, partitions.MARK_TABLE)
        if partitions.MARK_TABLE.bounds(year)[1] <= cutoff
    )


def _delete_school_year(
    *, federation: Federation, cutoff: date, year: int, counts: dict[str, int]
) -> None:
    """The federation's expired entries of a school year before the cut-off, partition by
    partition, in one transaction: what points at the expired marks deleted first (a foreign
    key to a mark makes the detach of its partition fail), then each partition replaced by
    what it keeps, then the year's pupil weeks and term totals counted again from the marks
    left (rows that go with a partition fire no trigger)."""
    first, end = partitions.MARK_TABLE.bounds(year)
    expired = _expired_marks(federation=federation, cutoff=cutoff).filter(
        date__gte=first, date__lt=end
    )
    kept_since = timezone.make_aware(datetime.combine(cutoff, time.min))
    ours = list(School.objects.filter(federation=federation).values_list("pk", flat=True))
    others = list(School.objects.exclude(federation=federation).values_list("pk", flat=True))
    marks = partitions.MARK_TABLE.partition(year)
    # What stays of the year: other federations' marks, and ours entered or amended since the
    # cut-off (so entered after the year's end: a partial index of those, migration 0019);
    # three index scans.
    kept_marks = (
        f"SELECT * FROM {marks} WHERE school_id = ANY(%(others)s) "
        f"UNION SELECT * FROM {marks} WHERE school_id = ANY(%(ours)s) "
        f"AND {partitions.ENTERED_AFTER_ITS_YEAR} AND recorded_at >= %(kept_since)s "
        f"UNION SELECT * FROM {marks} WHERE school_id = ANY(%(ours)s) AND id = ANY(ARRAY("
        "SELECT mark_id FROM registers_amendment WHERE amended_at >= %(kept_since)s))"
    )
    # A register stays with another federation's school, or with a mark left on its session.
    registers = partitions.REGISTER_TABLE.partition(year)
    kept_registers = (
        f"SELECT * FROM {registers} WHERE school_id = ANY(%(others)s) "
        f"UNION SELECT r.* FROM {registers} r JOIN (SELECT DISTINCT school_id, date, session "
        f"FROM {marks}) m USING (school_id, date, session)"
    )
    params = {"ours": ours, "others": others, "kept_since": kept_since}
    every_school = ours + others
    with transaction.atomic():
        for key, model in MARK_DEPENDANTS.items():
            counts[key] += model._default_manager.filter(mark__in=expired.values("pk")).delete()[0]
        year_marks = marks_counted_between(
            connection, school_ids=every_school, first=first, end=end
        )
        removed, _kept = partitions.partition_replace(
            connection,
            partitions.MARK_TABLE,
            year,
            kept=kept_marks,
            params=params,
            rows=year_marks,
        )
        counts["marks"] += removed
        removed, _kept = partitions.partition_replace(
            connection, partitions.REGISTER_TABLE, year, kept=kept_registers, params=params
        )
        counts["registers"] += removed
        if year in partitions.partitions(connection, partitions.WEEK_TABLE):
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {partitions.WEEK_TABLE.partition(year)}")
        # The year's weeks, and the next year's first, which holds its last days before 1 August.
        weeks_first, weeks_end = partitions.WEEK_TABLE.bounds(year)
        pupil_weeks_recount_between(
            connection, school_ids=every_school, first=weeks_first, end=weeks_end + timedelta(7)
        )
        pupil_terms_recount_between(connection, school_ids=every_school, first=first, end=end)


def _delete(*, federation: Federation, cutoff: date) -> dict[str, int]:
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for year in _expired_years(cutoff):
        _delete_school_year(federation=federation, cutoff=cutoff, year=year, counts=counts)

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
