"""Reads of threshold cases and penalty notices: cases, notices, the evidence they rest on and
a notice to improve's progress. The threshold itself is `penalties.selectors.threshold`."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from penalties.models import (
    NoticeToImprove,
    PenaltyNotice,
    PenaltyNoticeEvidence,
    PenaltyNoticeKind,
    ThresholdCase,
)
from penalties.selectors.evidence import EvidenceRow
from registers.codes import code_catalogue
from registers.models import Pupil, School
from registers.selectors.statistics import Figures, figures_for


def threshold_cases_open_for_school(*, school: School) -> QuerySet[ThresholdCase]:
    """The school's open cases, oldest first, with their pupils."""
    return (
        ThresholdCase.objects.filter(school=school, closed_at__isnull=True)
        .select_related("pupil")
        .order_by("opened_on", "pupil__legal_surname", "pupil__legal_forename")
    )


def pupil_attendance(*, school: School, pupil: Pupil, first: date, last: date) -> Figures:
    """The pupil's figures at the school between two days (inclusive), from the statistics
    module (one query): e.g. attendance during a notice to improve's improvement period."""
    return figures_for(school_ids=[school.pk], start=first, end=last, pupil_ids=[pupil.pk])


@dataclass(frozen=True)
class PeriodAttendance:
    label: str  # what the period is, in a letter's words: "this school year to date"
    first: date
    last: date
    figures: Figures


def letter_attendance_periods(
    *, school: School, pupil: Pupil, periods: list[tuple[str, date, date]]
) -> list[PeriodAttendance]:
    """The pupil's attendance over each named period that had possible sessions (one query a
    period): a letter states the period each figure is over, and never gives a figure over a
    period with no sessions."""
    found = [
        PeriodAttendance(
            label, first, last, pupil_attendance(school=school, pupil=pupil, first=first, last=last)
        )
        for label, first, last in periods
    ]
    return [period for period in found if period.figures.possible]


@dataclass(frozen=True)
class NoticeEvidence:
    notice: PenaltyNotice
    marks: list[EvidenceRow]


def penalty_notice_evidence_for_case(*, case: ThresholdCase) -> list[NoticeEvidence]:
    """The marks each of the case's penalty notices rests on, in date order (one query): once
    used, they count towards no other notice for the pupil."""
    catalogue = code_catalogue()
    by_notice: dict[int, NoticeEvidence] = {}
    for row in (
        PenaltyNoticeEvidence.objects.filter(notice__case=case)
        .select_related("notice__parent", "mark")
        .order_by("notice__issued_on", "notice_id", "mark__date", "mark__session")
    ):
        entry = by_notice.setdefault(row.notice_id, NoticeEvidence(notice=row.notice, marks=[]))
        code = row.mark.code_id
        entry.marks.append(
            EvidenceRow(
                mark_id=row.mark_id,
                date=row.mark.date,
                session=row.mark.session,
                code=code,
                meaning=catalogue[code].meaning if code in catalogue else "",
            )
        )
    return list(by_notice.values())


def national_notices_to_parent(*, pupil: Pupil, parent_id: int) -> QuerySet[PenaltyNotice]:
    """National-framework notices to one parent for one pupil, oldest first (the suspension
    kind is outside the framework and not counted)."""
    return PenaltyNotice.objects.filter(
        pupil=pupil, parent_id=parent_id, kind=PenaltyNoticeKind.NATIONAL
    ).order_by("issued_on", "pk")


def penalty_notices_for_pupil(*, school: School, pupil: Pupil) -> QuerySet[PenaltyNotice]:
    return (
        PenaltyNotice.objects.filter(school=school, pupil=pupil)
        .select_related("parent", "case")
        .order_by("issued_on", "pk")
    )


def suspension_notices_at_school(*, school: School) -> QuerySet[PenaltyNotice]:
    """The school's notices for suspended or excluded pupils in a public place, newest first."""
    return (
        PenaltyNotice.objects.filter(school=school, kind=PenaltyNoticeKind.SUSPENSION_PUBLIC_PLACE)
        .select_related("pupil", "parent")
        .order_by("-issued_on", "-pk")
    )


@dataclass(frozen=True)
class ImprovementProgress:
    """Attendance in a notice to improve's improvement period so far (until it ends), against
    its target: `met` once the figure reaches the target, `ended` after the period's last day."""

    figures: Figures
    ended: bool
    met: bool


def notice_to_improve_progress(
    *, notice: NoticeToImprove, today: date
) -> ImprovementProgress | None:
    """How the pupil is doing against the notice's target; None before the period starts."""
    if today < notice.improvement_start:
        return None
    case = notice.case
    figures = pupil_attendance(
        school=case.school,
        pupil=case.pupil,
        first=notice.improvement_start,
        last=min(today, notice.improvement_end),
    )
    return ImprovementProgress(
        figures=figures,
        ended=today > notice.improvement_end,
        met=figures.attendance_pct is not None and figures.attendance_pct >= notice.target_percent,
    )
