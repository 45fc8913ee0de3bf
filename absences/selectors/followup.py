"""Reads of the office's follow-up: continuing absence, medical evidence, N codes still open
and the reports the school owes the local authority.

Absence is counted in school days: a day counts when every session the school held that day
(both, or its only one) is an absence. Days are the `SchoolDay` rows, so weekends, the half
term and planned closures neither count nor break a run.

Runs of absence are found in the database with "gaps and islands": number the school days
1, 2, 3 ...; for each pupil number their absent days 1, 2, 3 ... too; on consecutive school days
the difference of the two numbers stays the same, so grouping by it gives each run with its first
day, last day and length. The SQL is a few portable CTEs around querysets Django compiles
(SQLite 3.25+ and PostgreSQL both have window functions).
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from absences.models import (
    EvidenceOutcome,
    MedicalEvidenceRequest,
    OverdueNFlag,
    ParentCall,
    UnauthorisedAbsenceLetter,
)
from registers.codes import ILLNESS, NOT_YET_ESTABLISHED, CountsAs
from registers.lib.calendar import school_year_start
from registers.models import Mark, Pupil, School, SchoolDay

ABSENCE = (CountsAs.AUTHORISED, CountsAs.UNAUTHORISED)
# "Where the absence is longer than five days ... the school will ask for medical evidence" (4.2).
MEDICAL_EVIDENCE_AFTER_DAYS = 5
# "No later than 5 working days after the session(s) for which the pupil was absent" (4.5).
N_RESOLVED_WITHIN_SCHOOL_DAYS = 5
# How far back a run still going today may have started (beyond any one summer holiday).
CONTINUING_LOOKBACK = timedelta(days=366)


@dataclass(frozen=True)
class AbsenceRun:
    """Absence on `school_days` school days from `first_day` to `last_day`.

    For the illness report the days are the year's illness days, not necessarily consecutive.
    """

    pupil: Pupil
    first_day: date
    last_day: date
    school_days: int
    # For continuing absence: the latest line of the contact log since the run began.
    last_contact: ParentCall | None = None


@dataclass(frozen=True)
class EvidenceCandidate:
    run: AbsenceRun
    request: MedicalEvidenceRequest | None  # asked for already, covering part of the run


@dataclass(frozen=True)
class FollowUpSummary:
    continuing_absence: int
    evidence_candidates: int  # not yet asked for
    evidence_pending: int
    overdue_n: int


@dataclass(frozen=True)
class _Row:
    pupil_id: int
    first_day: date
    last_day: date
    school_days: int


def _as_date(value: date | str) -> date:
    # SQLite hands back an aggregate of dates as text; PostgreSQL as a date.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _absent_days_cte(
    *, school: School, since: date, until: date, illness_only: bool
) -> tuple[str, list]:
    """CTEs ending in absent_days(pupil_id, on_day, day_number): the pupil's whole days absent.

    Steps: number the school's days in the window; count each pupil's absence marks per day;
    keep the days where that count reaches the sessions the school held.
    """
    days = (
        SchoolDay.objects.filter(school=school, date__range=(since, until))
        .annotate(
            day_number=Window(RowNumber(), order_by=F("date").asc()),
            sessions=Case(
                When(am=True, pm=True, then=Value(2)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by()
        .values_list("date", "day_number", "sessions")
    )
    marks = Mark.objects.filter(school=school, date__range=(since, until))
    if illness_only:
        marks = marks.filter(code_id=ILLNESS)
    else:
        marks = marks.filter(code__counts_as__in=ABSENCE)
    sessions_absent = (
        marks.order_by()
        .values("pupil_id", "date")
        .annotate(sessions=Count("pk"))
        .values_list("pupil_id", "date", "sessions")
    )
    days_sql, days_params = days.query.sql_with_params()
    marks_sql, marks_params = sessions_absent.query.sql_with_params()
    sql = f"""
        WITH school_days(on_day, day_number, sessions) AS ({days_sql}),
        absent_sessions(pupil_id, on_day, sessions) AS ({marks_sql}),
        absent_days(pupil_id, on_day, day_number) AS (
            SELECT a.pupil_id, d.on_day, d.day_number
            FROM absent_sessions a JOIN school_days d ON d.on_day = a.on_day
            WHERE a.sessions >= d.sessions
        )"""
    return sql, [*days_params, *marks_params]


def _fetch(sql: str, params: list) -> list[_Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            _Row(
                pupil_id=pupil_id, first_day=_as_date(first), last_day=_as_date(last), school_days=n
            )
            for pupil_id, first, last, n in cursor.fetchall()
        ]


def _run_rows(
    *,
    school: School,
    since: date,
    until: date,
    illness_only: bool = False,
    at_least: int = 1,
    ending_from: date | None = None,
) -> list[_Row]:
    """Each run of whole days absent, `at_least` days long, ending on or after `ending_from`."""
    ctes, params = _absent_days_cte(
        school=school, since=since, until=until, illness_only=illness_only
    )
    sql = f"""{ctes},
        islands(pupil_id, on_day, island) AS (
            SELECT pupil_id, on_day,
                   day_number - ROW_NUMBER() OVER (PARTITION BY pupil_id ORDER BY day_number)
            FROM absent_days
        )
        SELECT pupil_id, MIN(on_day), MAX(on_day), COUNT(*)
        FROM islands
        GROUP BY pupil_id, island
        HAVING COUNT(*) >= %s AND MAX(on_day) >= %s"""
    ending_from = ending_from or since
    return _fetch(sql, [*params, at_least, connection.ops.adapt_datefield_value(ending_from)])


def _with_pupils(rows: list[_Row]) -> list[AbsenceRun]:
    """The rows with their pupils (one query), longest absence first, then by name."""
    pupils = Pupil.objects.in_bulk({row.pupil_id for row in rows})
    runs = [
        AbsenceRun(
            pupil=pupils[row.pupil_id],
            first_day=row.first_day,
            last_day=row.last_day,
            school_days=row.school_days,
        )
        for row in rows
    ]
    return sorted(
        runs,
        key=lambda run: (
            -run.school_days,
            run.pupil.legal_surname,
            run.pupil.legal_forename,
            run.first_day,
        ),
    )


# Continuing absence -------------------------------------------------------------------------


def _continuing_rows(*, school: School, today: date) -> list[_Row]:
    """Runs still going: ending today, or on the last school day before it if the pupil has
    not been marked present today (today's registers may not all be taken yet)."""
    previous = (
        SchoolDay.objects.filter(school=school, date__lt=today)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if previous is None:
        return []
    rows = _run_rows(
        school=school, since=today - CONTINUING_LOOKBACK, until=today, ending_from=previous
    )
    present_today = set(
        Mark.objects.filter(
            school=school, date=today, code__counts_as=CountsAs.ATTENDANCE
        ).values_list("pupil_id", flat=True)
    )
    return [row for row in rows if row.last_day == today or row.pupil_id not in present_today]


def continuing_absence(*, school: School, today: date) -> list[AbsenceRun]:
    """Pupils absent on consecutive school days up to today, with how many days so far and the
    latest contact about them since the run began (a call, or an automatic message)."""
    runs = _with_pupils(_continuing_rows(school=school, today=today))
    if not runs:
        return runs
    latest: dict[int, ParentCall] = {}
    for call in (
        ParentCall.objects.filter(
            school=school,
            pupil_id__in=[run.pupil.pk for run in runs],
            called_at__date__gte=min(run.first_day for run in runs),
        )
        .select_related("recorded_by")
        .order_by("called_at", "pk")
    ):
        latest[call.pupil_id] = call
    return [
        replace(run, last_contact=last)
        if (last := latest.get(run.pupil.pk))
        and timezone.localdate(last.called_at) >= run.first_day
        else run
        for run in runs
    ]


# Medical evidence ---------------------------------------------------------------------------


def _illness_run_rows(*, school: School, today: date) -> list[_Row]:
    return _run_rows(
        school=school,
        since=school_year_start(today),
        until=today,
        illness_only=True,
        at_least=MEDICAL_EVIDENCE_AFTER_DAYS + 1,
    )


def medical_evidence_candidates(*, school: School, today: date) -> list[EvidenceCandidate]:
    """This school year's illness longer than five school days in a run, with any request for
    evidence already made over those days."""
    runs = _with_pupils(_illness_run_rows(school=school, today=today))
    requests: dict[int, list[MedicalEvidenceRequest]] = {}
    for request in MedicalEvidenceRequest.objects.filter(
        school=school,
        pupil_id__in=[run.pupil.pk for run in runs],
        last_day__gte=school_year_start(today),
    ):
        requests.setdefault(request.pupil_id, []).append(request)
    return [
        EvidenceCandidate(
            run=run,
            request=next(
                (
                    r
                    for r in requests.get(run.pupil.pk, [])
                    if r.first_day <= run.last_day and run.first_day <= r.last_day
                ),
                None,
            ),
        )
        for run in runs
    ]


def medical_evidence_requests(*, school: School, today: date) -> QuerySet[MedicalEvidenceRequest]:
    """This school year's requests: those still waiting first, then the newest."""
    return (
        MedicalEvidenceRequest.objects.filter(school=school, last_day__gte=school_year_start(today))
        .select_related("pupil", "requested_by")
        .annotate(
            waiting=Case(
                When(outcome=EvidenceOutcome.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "-requested_on", "-pk")
    )


def evidence_request_marks(*, request: MedicalEvidenceRequest) -> QuerySet[Mark]:
    """The pupil's marks over the request's days, as the register has them now."""
    return Mark.objects.filter(
        school_id=request.school_id,
        pupil_id=request.pupil_id,
        date__range=(request.first_day, request.last_day),
    ).order_by("date", "session")


# N codes still open -------------------------------------------------------------------------


def overdue_n_marks(*, school: School, today: date) -> QuerySet[Mark]:
    """N marks still open more than five school days after their session.

    An N on day D may be resolved up to and including the fifth school day after D; it is
    overdue once six or more school days after D have begun (today included). With the school
    days up to today newest first (d0, d1, ...), that is D before d5.
    """
    deadline = (
        SchoolDay.objects.filter(school=school, date__lte=today)
        .order_by("-date")
        .values("date")[N_RESOLVED_WITHIN_SCHOOL_DAYS : N_RESOLVED_WITHIN_SCHOOL_DAYS + 1]
    )
    return Mark.objects.filter(
        school=school, code_id=NOT_YET_ESTABLISHED, date__lt=Subquery(deadline)
    )


def overdue_n_list(*, school: School, today: date) -> QuerySet[Mark]:
    """The overdue N marks with their pupil, the school days since and when each was flagged."""
    since = (
        SchoolDay.objects.filter(school=school, date__gt=OuterRef("date"), date__lte=today)
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
        .values("n")
    )
    flagged = OverdueNFlag.objects.filter(mark=OuterRef("pk")).values("flagged_on")
    return (
        overdue_n_marks(school=school, today=today)
        .select_related("pupil")
        .annotate(
            school_days_since=Subquery(since, output_field=IntegerField()),
            flagged_on=Subquery(flagged[:1]),
        )
        .order_by("date", "session", "pupil__legal_surname", "pupil__legal_forename")
    )


# The overview -------------------------------------------------------------------------------


def followup_summary(*, school: School, today: date) -> FollowUpSummary:
    """The counts on the follow-up overview (a fixed number of queries)."""
    return FollowUpSummary(
        continuing_absence=len(_continuing_rows(school=school, today=today)),
        evidence_candidates=sum(
            1
            for candidate in medical_evidence_candidates(school=school, today=today)
            if candidate.request is None
        ),
        evidence_pending=MedicalEvidenceRequest.objects.filter(
            school=school, outcome=EvidenceOutcome.PENDING
        ).count(),
        overdue_n=overdue_n_marks(school=school, today=today).count(),
    )


# Letters of absence recorded as unauthorised -------------------------------------------------


def unauthorised_letters_this_year(
    *, school: School, today: date
) -> QuerySet[UnauthorisedAbsenceLetter]:
    """This school year's letters, newest first, each with its pupil and how many sessions."""
    return (
        UnauthorisedAbsenceLetter.objects.filter(
            school=school, requested_at__date__gte=school_year_start(today)
        )
        .select_related("pupil")
        .annotate(session_count=Count("sessions"))
        .order_by("-requested_at", "pk")
    )
