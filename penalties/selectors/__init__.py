"""Reads for penalty notices: the national threshold, computed in the database."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.expressions import ValueRange
from django.http import Http404

from penalties.models import (
    PenaltyNotice,
    PenaltyNoticeEvidence,
    PenaltyNoticeKind,
    ThresholdCase,
)
from penalties.selectors.ladder import school_year_first_day
from registers.codes import CountsAs, code_catalogue
from registers.models import Mark, Pupil, School, SchoolDay
from reports.selectors.figures import Figures, figures_for

# The national framework (from 19 August 2024): 10 sessions of unauthorised absence within a
# rolling period of 10 school weeks.
THRESHOLD_SESSIONS = 10
THRESHOLD_SCHOOL_WEEKS = 10


@dataclass(frozen=True)
class EvidenceMark:
    mark_id: int
    date: date
    session: str
    code: str


@dataclass(frozen=True)
class ThresholdResult:
    school_id: int
    pupil_id: int
    upn: str
    window_start: date
    window_end: date
    sessions: int
    marks: tuple[EvidenceMark, ...]


class SchoolWeekRange(ValueRange):
    """RANGE BETWEEN n PRECEDING AND CURRENT ROW over the school-week number.

    PostgreSQL (11+) and SQLite (3.28+) both take a numeric offset in a RANGE frame, but
    Django's PostgreSQL backend still refuses one (a check from before PostgreSQL 11), so the
    frame's bounds are written as for ROWS, which is the same SQL after the frame type.
    """

    def window_frame_start_end(
        self, connection: BaseDatabaseWrapper, start: int, end: int
    ) -> tuple[str, str]:
        return connection.ops.window_frame_rows_start_end(start, end)


def _school_week_of_mark() -> Subquery:
    return Subquery(
        SchoolDay.objects.filter(school=OuterRef("school_id"), date=OuterRef("date"))
        .order_by()
        .values("week_number")[:1]
    )


def _unauthorised_marks(
    *, schools: list[School], as_of: date, after_closed_cases: bool
) -> QuerySet[Mark]:
    """Unauthorised marks up to `as_of` on a school day, each with its school week."""
    marks = Mark.objects.filter(
        school__in=schools, date__lte=as_of, code__counts_as=CountsAs.UNAUTHORISED
    ).exclude(
        # Evidence is used once: a mark that supported an issued penalty notice cannot count
        # towards another notice for the same pupil (an anti-join, NOT EXISTS).
        Exists(PenaltyNoticeEvidence.objects.filter(mark=OuterRef("pk")))
    )
    if after_closed_cases:
        # A closed case has been dealt with: its sessions (and any before them) are not
        # counted again, or closing a case would reopen it the next night.
        marks = marks.exclude(
            Exists(
                ThresholdCase.objects.filter(
                    school=OuterRef("school_id"),
                    pupil=OuterRef("pupil_id"),
                    closed_at__isnull=False,
                    window_end__gte=OuterRef("date"),
                )
            )
        )
    return (
        marks.annotate(week_number=_school_week_of_mark())
        .filter(week_number__isnull=False)
        .order_by()
    )


def pupils_meeting_threshold(
    *, schools: Iterable[School], as_of: date, after_closed_cases: bool = False
) -> list[ThresholdResult]:
    """Every pupil with 10 or more unauthorised sessions within any 10 of their school's school
    weeks ending on or before `as_of`, with the earliest such window and its sessions.

    Steps (three queries, however many pupils):
    1. Each unauthorised mark gets its school week; a window function counts, per school and
       pupil, the marks whose week lies in w-9 .. w (RANGE over the week number, so holidays,
       which have no number, neither count nor break the period, which may span terms and
       years). The earliest week per pupil where that count reaches 10 ends the window.
    2. The first and last school days (up to `as_of`) of the weeks bounding those windows.
    3. The evidence: the pupils' unauthorised marks, fetched together, each kept if it falls
       inside its own pupil's window.

    Marks that supported an issued penalty notice are never counted (evidence is used once).
    `after_closed_cases` also leaves out marks up to the end of a pupil's closed case's window
    (for opening cases); the check itself (`check_thresholds`) counts every other mark.
    """
    schools = list(schools)
    marks = _unauthorised_marks(schools=schools, as_of=as_of, after_closed_cases=after_closed_cases)
    # The marks at which a rolling count over 10 school weeks reaches the threshold. Filtering
    # on the window makes Django wrap the windowed query in a subquery.
    reaching = marks.annotate(
        rolling=Window(
            Count("pk"),
            partition_by=[F("school_id"), F("pupil_id")],
            order_by=F("week_number").asc(),
            frame=SchoolWeekRange(start=-(THRESHOLD_SCHOOL_WEEKS - 1), end=0),
        )
    ).filter(rolling__gte=THRESHOLD_SESSIONS)
    reached = list(
        Mark.objects.filter(pk__in=reaching.values("pk"))
        .annotate(week_number=_school_week_of_mark())
        .values("school_id", "pupil_id", "pupil__upn")
        .annotate(last_week=Min("week_number"))
        .order_by("school_id", "pupil__upn")
    )
    if not reached:
        return []

    def first_week(row: dict) -> int:
        return max(1, row["last_week"] - (THRESHOLD_SCHOOL_WEEKS - 1))

    weeks = {
        (week["school_id"], week["week_number"]): (week["first_day"], week["last_day"])
        for week in SchoolDay.objects.filter(
            school__in=schools,
            date__lte=as_of,
            week_number__in={first_week(row) for row in reached}
            | {row["last_week"] for row in reached},
        )
        .order_by()
        .values("school_id", "week_number")
        .annotate(first_day=Min("date"), last_day=Max("date"))
    }
    windows = {
        (row["school_id"], row["pupil_id"]): (
            weeks[(row["school_id"], first_week(row))][0],
            weeks[(row["school_id"], row["last_week"])][1],
        )
        for row in reached
    }
    evidence: dict[tuple[int, int], list[EvidenceMark]] = {key: [] for key in windows}
    earliest = min(start for start, _ in windows.values())
    for mark in (
        marks.filter(pupil_id__in={row["pupil_id"] for row in reached}, date__gte=earliest)
        .values("pk", "school_id", "pupil_id", "date", "session", "code_id")
        .order_by("date", "session")
    ):
        key = (mark["school_id"], mark["pupil_id"])
        if key in windows and windows[key][0] <= mark["date"] <= windows[key][1]:
            evidence[key].append(
                EvidenceMark(mark["pk"], mark["date"], mark["session"], mark["code_id"])
            )
    return [
        ThresholdResult(
            school_id=row["school_id"],
            pupil_id=row["pupil_id"],
            upn=row["pupil__upn"],
            window_start=windows[(row["school_id"], row["pupil_id"])][0],
            window_end=windows[(row["school_id"], row["pupil_id"])][1],
            sessions=len(evidence[(row["school_id"], row["pupil_id"])]),
            marks=tuple(evidence[(row["school_id"], row["pupil_id"])]),
        )
        for row in reached
    ]


def threshold_cases_open_for_school(*, school: School) -> QuerySet[ThresholdCase]:
    """The school's open cases, oldest first, with their pupils."""
    return (
        ThresholdCase.objects.filter(school=school, closed_at__isnull=True)
        .select_related("pupil")
        .order_by("opened_on", "pupil__legal_surname", "pupil__legal_forename")
    )


def threshold_case_at_school(*, school: School, case_id: int) -> ThresholdCase:
    """A case of the school (the caller has checked the school); any other id is not found."""
    case = ThresholdCase.objects.select_related("pupil", "school").filter(school=school, pk=case_id)
    found = case.first()
    if found is None:
        raise Http404("No such case at this school.")
    return found


def penalty_notice_at_school(*, school: School, notice_id: int) -> PenaltyNotice:
    notice = (
        PenaltyNotice.objects.select_related("parent", "pupil", "case")
        .filter(school=school, pk=notice_id)
        .first()
    )
    if notice is None:
        raise Http404("No such penalty notice at this school.")
    return notice


def pupil_attendance(*, school: School, pupil: Pupil, first: date, last: date) -> Figures:
    """The pupil's figures at the school between two days (inclusive), from the statistics
    module (one query): e.g. attendance during a notice to improve's improvement period."""
    return figures_for(school_ids=[school.pk], start=first, end=last, pupil_ids=[pupil.pk])


def pupil_attendance_this_school_year(*, school: School, pupil: Pupil, today: date) -> Figures:
    """The pupil's figures at the school from the start of this school year to `today`."""
    return pupil_attendance(
        school=school, pupil=pupil, first=school_year_first_day(today), last=today
    )


@dataclass(frozen=True)
class EvidenceRow:
    date: date
    session: str
    code: str
    meaning: str


def case_evidence_with_meanings(*, case: ThresholdCase) -> list[EvidenceRow]:
    """The case's evidence sessions as opened, each with its code's meaning."""
    catalogue = code_catalogue()
    return [
        EvidenceRow(
            date=date.fromisoformat(mark["date"]),
            session=mark["session"],
            code=mark["code"],
            meaning=catalogue[mark["code"]].meaning if mark["code"] in catalogue else "",
        )
        for mark in case.evidence
    ]


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
