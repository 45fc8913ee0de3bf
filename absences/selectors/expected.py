"""What the register should expect before it is taken: the codes the office already decided or
was told (`registers.selectors.expected` asks this source, added in `AbsencesConfig.ready`)."""

from datetime import date

from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    F,
    IntegerField,
    JSONField,
    QuerySet,
    Value,
)

from absences.models import LeaveDecision, LeaveRequest, PartTimeTimetable, ReportedAbsence
from registers.codes import PART_TIME_TIMETABLE
from registers.lib.calendar import AM, PM, weekly_session
from registers.models import School
from registers.selectors.expected import ExpectedCode

# The kinds of decision, in the order they are applied: a later one wins.
TIMETABLE, REPORTED, LEAVE = 1, 2, 3


def _columns(**values) -> dict:
    """One row shape for the three kinds, so they can be read with one UNION ALL."""
    typed = {
        "kind": IntegerField(),
        "code_or_category": CharField(),
        "reason_given": CharField(),
        "span_first_day": DateField(),
        "span_first_session": CharField(),
        "span_last_day": DateField(),
        "span_last_session": CharField(),
        "off_each_week": JSONField(),
        "logged": DateTimeField(),
    }
    return {
        name: values[name] if name in values else Value(None, output_field=field)
        for name, field in typed.items()
    }


def _span(prefix: str) -> dict:
    """The span columns read from a model's `{prefix}first_day` ... `{prefix}last_session`."""
    parts = ("first_day", "first_session", "last_day", "last_session")
    return {f"span_{part}": F(f"{prefix}{part}") for part in parts}


def _rows(decisions: QuerySet, **values) -> QuerySet:
    """One kind of decision as rows of the shared shape, ready for the UNION ALL."""
    columns = _columns(**values)
    return decisions.order_by().annotate(**columns).values_list("pupil_id", *columns)


def expected_codes(
    *, school: School, pupil_ids: list[int], day: date, session: str
) -> dict[int, ExpectedCode]:
    """Codes known for these pupils before the register is taken (one query).

    Approved leave comes before an absence a parent reported, which comes before a part-time
    timetable's C2: the most specific decision wins.
    """
    timetables = _rows(
        PartTimeTimetable.objects.filter(
            school=school, pupil_id__in=pupil_ids, start__lte=day, end__gte=day
        ),
        kind=Value(TIMETABLE),
        code_or_category=Value(PART_TIME_TIMETABLE),
        span_first_day=F("start"),
        span_first_session=Value(AM),
        span_last_day=F("end"),
        span_last_session=Value(PM),
        off_each_week=F("sessions_off"),
    )
    reports = _rows(
        ReportedAbsence.objects.filter(
            school=school, pupil_id__in=pupil_ids, first_day__lte=day, last_day__gte=day
        ),
        kind=Value(REPORTED),
        code_or_category=F("code_id"),
        reason_given=F("reason"),
        **_span(""),
        logged=F("logged_at"),
    )
    leave = _rows(
        LeaveRequest.objects.filter(
            school=school,
            pupil_id__in=pupil_ids,
            decision=LeaveDecision.APPROVED,
            approved_first_day__lte=day,
            approved_last_day__gte=day,
        ),
        kind=Value(LEAVE),
        code_or_category=F("category"),
        **_span("approved_"),
    )
    rows = list(timetables.union(reports, leave, all=True))
    # Timetables, then reports (the latest call wins where two cover the same session), then
    # approved leave.
    rows.sort(key=lambda row: (row[1], row[9].timestamp() if row[9] else 0.0))
    expected: dict[int, ExpectedCode] = {}
    this_week = weekly_session(day, session)
    for (
        pupil_id,
        kind,
        code,
        reason,
        first_day,
        first_session,
        last_day,
        last_session,
        off,
        _,
    ) in rows:
        span = ReportedAbsence(
            first_day=first_day,
            first_session=first_session,
            last_day=last_day,
            last_session=last_session,
        )
        covered = span.covers(day, session)
        if kind == TIMETABLE and this_week in (off or []):
            expected[pupil_id] = ExpectedCode(code, "part-time timetable")
        elif kind == REPORTED and covered:
            expected[pupil_id] = ExpectedCode(code, f"reported: {reason}")
        elif kind == LEAVE and covered:
            expected[pupil_id] = ExpectedCode(code, "approved leave of absence")
    return expected
