"""A case's evidence as it stands now, not as it stood when the case was opened.

A notice to improve and a penalty notice lead to fines a parent can challenge in court, so each
decision reads the pupil's marks as they are at that moment (national framework: the threshold
is 10 sessions of unauthorised absence in 10 school weeks). A session of the case's window
counts if it is unauthorised now, on a school day, on which the pupil was of compulsory school
age, and not already used for a penalty notice on another case (evidence is used once). The
sessions the case was opened on that no longer count are listed with why: the amendment (to
what, when, by whom and the reason), or the rule that leaves them out.

The evidence also goes stale: the federation's `penalty_evidence_max_age_school_weeks` (local
codes of conduct set it) says within how many school weeks of today the window must end.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, Max, OuterRef

from penalties.models import PenaltyNoticeEvidence, ThresholdCase
from penalties.selectors.threshold import THRESHOLD_SESSIONS
from registers.codes import CountsAs, code_catalogue
from registers.lib.calendar import day_label
from registers.lib.school_age import compulsory_school_age_problem
from registers.models import Amendment, Mark, SchoolDay


@dataclass(frozen=True)
class EvidenceRow:
    mark_id: int
    date: date
    session: str
    code: str
    meaning: str


@dataclass(frozen=True)
class NoLongerCounted:
    """A session the case was opened on that does not count now, and why."""

    date: date
    session: str
    code_then: str
    code_now: str | None  # None: the mark no longer exists
    why: str


@dataclass(frozen=True)
class StandingEvidence:
    counted: list[EvidenceRow]  # the window's sessions that count now, in date order
    no_longer: list[NoLongerCounted]  # of the sessions the case was opened on
    added: list[EvidenceRow]  # counted now, not among the sessions it was opened on
    school_weeks_old: int  # school weeks from the window's last to today's (0: this week)
    max_age_school_weeks: int

    @property
    def meets_threshold(self) -> bool:
        return len(self.counted) >= THRESHOLD_SESSIONS

    @property
    def stale(self) -> bool:
        return self.school_weeks_old >= self.max_age_school_weeks

    def refusal(self) -> str | None:
        """Why no notice can rest on this evidence now, or None."""
        if self.meets_threshold:
            return None
        changes = "; ".join(
            f"{day_label(row.date)} {row.session} ({row.code_then}): {row.why}"
            for row in self.no_longer
        )
        return (
            f"The threshold is no longer met: {len(self.counted)} of the window's sessions "
            f"are unauthorised absence now, and {THRESHOLD_SESSIONS} are needed."
            + (f" Since the case was opened: {changes}." if changes else "")
        )


def _amendment_text(amendment: Amendment) -> str:
    by = amendment.amended_by_name + (
        f" ({amendment.amended_by_position})" if amendment.amended_by_position else ""
    )
    return (
        f"amended to {amendment.new_code_id} on {day_label(amendment.amended_at.date())} "
        f"by {by}: \u201c{amendment.reason}\u201d"
    )


def case_evidence_as_it_stands(*, case: ThresholdCase, today: date) -> StandingEvidence:
    """The case's window read now (four queries)."""
    pupil, school = case.pupil, case.school
    catalogue = code_catalogue()
    used_elsewhere = PenaltyNoticeEvidence.objects.filter(mark=OuterRef("pk")).exclude(
        notice__case=case
    )
    on_school_day = SchoolDay.objects.filter(school=school, date=OuterRef("date"))
    marks = {
        mark.pk: mark
        for mark in Mark.objects.filter(
            school=school, pupil=pupil, date__range=(case.window_start, case.window_end)
        )
        .annotate(used_elsewhere=Exists(used_elsewhere), on_school_day=Exists(on_school_day))
        .order_by("date", "session")
    }
    opened_on = {entry["mark_id"] for entry in case.evidence}
    counted: list[EvidenceRow] = []
    # Why each mark of the case's no longer counts; None: told by its amendment.
    reasons: dict[int, str | None] = {}
    for mark in marks.values():
        age_problem = compulsory_school_age_problem(pupil.date_of_birth, mark.date)
        if catalogue[mark.code_id].counts_as != CountsAs.UNAUTHORISED:
            reasons[mark.pk] = None  # explained by its amendment below
        elif mark.used_elsewhere:
            reasons[mark.pk] = "used as evidence for a penalty notice on another case"
        elif age_problem:
            reasons[mark.pk] = f"the pupil was {age_problem}"
        elif not mark.on_school_day:
            reasons[mark.pk] = "no longer a school day"
        else:
            counted.append(
                EvidenceRow(
                    mark.pk, mark.date, mark.session, mark.code_id, catalogue[mark.code_id].meaning
                )
            )
    latest_amendment = {
        amendment.mark_id: amendment
        for amendment in Amendment.objects.filter(
            mark_id__in=opened_on, amended_at__gte=case.opened_at
        ).order_by("amended_at", "pk")
    }
    no_longer = []
    for entry in case.evidence:
        current = marks.get(entry["mark_id"])
        if current is not None and current.pk not in reasons:
            continue
        if current is None:
            why = "the mark was deleted"
        elif (reason := reasons[current.pk]) is not None:
            why = reason
        else:
            amendment = latest_amendment.get(current.pk)
            why = (
                _amendment_text(amendment)
                if amendment
                else f"now {current.code_id}, {catalogue[current.code_id].meaning}"
            )
        no_longer.append(
            NoLongerCounted(
                date=date.fromisoformat(entry["date"]),
                session=entry["session"],
                code_then=entry["code"],
                code_now=current.code_id if current is not None else None,
                why=why,
            )
        )
    weeks = SchoolDay.objects.filter(school=school)
    window_week = weeks.filter(date__lte=case.window_end).aggregate(week=Max("week_number"))
    today_week = weeks.filter(date__lte=today).aggregate(week=Max("week_number"))
    return StandingEvidence(
        counted=counted,
        no_longer=no_longer,
        added=[row for row in counted if row.mark_id not in opened_on],
        school_weeks_old=(today_week["week"] or 0) - (window_week["week"] or 0),
        max_age_school_weeks=school.federation.penalty_evidence_max_age_school_weeks,
    )
