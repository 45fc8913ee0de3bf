"""What the register should expect before it is taken: the codes already decided or reported."""

from dataclasses import dataclass
from datetime import date

from absences.models import LeaveDecision, LeaveRequest, PartTimeTimetable, ReportedAbsence
from registers.lib.calendar import session_order, weekly_session
from registers.models import School


@dataclass(frozen=True)
class ExpectedCode:
    code: str
    why: str


def expected_codes(
    *, school: School, pupil_ids: list[int], day: date, session: str
) -> dict[int, ExpectedCode]:
    """Codes known for these pupils before the register is taken (three queries).

    Approved leave comes before an absence a parent reported, which comes before a part-time
    timetable's C2: the most specific decision wins.
    """
    expected: dict[int, ExpectedCode] = {}
    this_week = weekly_session(day, session)
    for timetable in PartTimeTimetable.objects.filter(
        school=school, pupil_id__in=pupil_ids, start__lte=day, end__gte=day
    ):
        if this_week in timetable.sessions_off:
            expected[timetable.pupil_id] = ExpectedCode("C2", "part-time timetable")
    # The latest call wins where two reports cover the same session.
    for report in ReportedAbsence.objects.filter(
        school=school, pupil_id__in=pupil_ids, first_day__lte=day, last_day__gte=day
    ).order_by("logged_at"):
        if report.covers(day, session):
            expected[report.pupil_id] = ExpectedCode(report.code_id, f"reported: {report.reason}")
    for leave in LeaveRequest.objects.filter(
        school=school,
        pupil_id__in=pupil_ids,
        decision=LeaveDecision.APPROVED,
        approved_first_day__lte=day,
        approved_last_day__gte=day,
    ):
        first = session_order(leave.approved_first_day, leave.approved_first_session)
        last = session_order(leave.approved_last_day, leave.approved_last_session)
        if first <= session_order(day, session) <= last:
            expected[leave.pupil_id] = ExpectedCode(leave.category, "approved leave of absence")
    return expected
