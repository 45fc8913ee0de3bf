"""What the register should expect before it is taken: the codes the office already decided or
was told (`registers.selectors.expected` asks this source, added in `AbsencesConfig.ready`)."""

from datetime import date

from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    F,
    Field,
    IntegerField,
    JSONField,
    QuerySet,
    Value,
)

from absences.models import LeaveDecision, LeaveRequest, PartTimeTimetable, ReportedAbsence
from registers.codes import PART_TIME_TIMETABLE
from registers.lib import statements
from registers.lib.calendar import AM, PM, weekly_session
from registers.models import School
from registers.selectors.expected import ExpectedCode

# The kinds of decision, in the order they are applied: a later one wins.
TIMETABLE, REPORTED, LEAVE = 1, 2, 3


def _columns(**values) -> dict:
    """One row shape for the three kinds, so they can be read with one UNION ALL."""
    typed: dict[str, Field] = {
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
    this_week = weekly_session(day, session)
    if statements.prepared_statements():
        rows = statements.fetch(
            _EXPECTED,
            {"school": school.pk, "pupils": list(pupil_ids), "day": day, "weekly": this_week},
        )
    else:
        rows = _expected_rows_orm(school=school, pupil_ids=pupil_ids, day=day, week=this_week)
    expected: dict[int, ExpectedCode] = {}
    for (
        pupil_id,
        kind,
        code,
        reason,
        first_day,
        first_session,
        last_day,
        last_session,
        off_this_week,
        _,
    ) in rows:
        span = ReportedAbsence(
            first_day=first_day,
            first_session=first_session,
            last_day=last_day,
            last_session=last_session,
        )
        covered = span.covers(day, session)
        if kind == TIMETABLE and off_this_week:
            expected[pupil_id] = ExpectedCode(code, "part-time timetable")
        elif kind == REPORTED and covered:
            expected[pupil_id] = ExpectedCode(code, f"reported: {reason}")
        elif kind == LEAVE and covered:
            expected[pupil_id] = ExpectedCode(code, "approved leave of absence")
    return expected


# The three kinds as rows of one shape, in the order they are applied (a later row wins):
# timetables, then reports (the latest call last), then approved leave. A timetable's row says
# whether this weekly session ('Mon AM') is one of its sessions off.
_EXPECTED = f"""
SELECT * FROM (
    SELECT t.pupil_id, {TIMETABLE} AS kind, '{PART_TIME_TIMETABLE}' AS code, NULL AS reason,
        t.start AS first_day, '{AM}' AS first_session, t."end" AS last_day,
        '{PM}' AS last_session, COALESCE(t.sessions_off ? %(weekly)s, false) AS off_this_week,
        NULL::timestamptz AS logged
    FROM absences_parttimetimetable t
    WHERE t.school_id = %(school)s AND t.pupil_id = ANY(%(pupils)s)
        AND t.start <= %(day)s AND t."end" >= %(day)s
    UNION ALL
    SELECT a.pupil_id, {REPORTED}, a.code, a.reason, a.first_day, a.first_session, a.last_day,
        a.last_session, false, a.logged_at
    FROM absences_reportedabsence a
    WHERE a.school_id = %(school)s AND a.pupil_id = ANY(%(pupils)s)
        AND a.first_day <= %(day)s AND a.last_day >= %(day)s
    UNION ALL
    SELECT l.pupil_id, {LEAVE}, l.category, NULL, l.approved_first_day,
        l.approved_first_session, l.approved_last_day, l.approved_last_session, false, NULL
    FROM absences_leaverequest l
    WHERE l.school_id = %(school)s AND l.pupil_id = ANY(%(pupils)s)
        AND l.decision = '{LeaveDecision.APPROVED.value}'
        AND l.approved_first_day <= %(day)s AND l.approved_last_day >= %(day)s
) AS known
ORDER BY kind, logged NULLS FIRST
"""


def _expected_rows_orm(*, school: School, pupil_ids: list[int], day: date, week: str) -> list:
    """The rows of `_EXPECTED`, through the ORM (SQLite)."""
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
    rows = [
        (*row[:8], week in (row[8] or []), row[9])
        for row in timetables.union(reports, leave, all=True)
    ]
    rows.sort(key=lambda row: (row[1], row[9].timestamp() if row[9] else 0.0))
    return rows
