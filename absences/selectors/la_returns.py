"""The returns a school owes its local authority, as of a date (the School Attendance (Pupil
Registration) (England) Regulations 2024, regulation 13; "Working together to improve school
attendance", 2024):

- continuous absence: pupils of compulsory school age absent for a continuous period of 10
  school days with unauthorised codes (`G`, `N`, `O`, `U`). The days counted are school days, so
  a school holiday neither counts nor breaks the run (this project's reading), which may span
  school years; a run is 20 school sessions in a row, and the latest run is the one returned;
- illness: pupils of compulsory school age recorded with `I` whom the school has reasonable
  grounds to believe will miss 15 days through sickness, consecutively or cumulatively: 30
  sessions of `I` this school year (this project's measure of 15 days), or the office's record
  that it expects them (a planned operation, a long illness); one return per period;
- new pupils: by the end of the fifth day after the name is entered in the admission register,
  except a pupil placed in the most junior class whose starting day is the first day of the
  school year (13(2)-(3));
- deletions: when a name is deleted, with the ground, except a pupil in the most senior class
  deleted at or after the end of the school year's last term (13(5)). A deletion with no known
  destination is a possible child missing education.

Only compulsory-school-age sessions count towards the absence returns: `registers.lib.school_age`.
Each list is ordered by UPN; `sent` is the office's record of the return, if any.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby

from absences.models import ExpectedIllness, ReturnKind, ReturnSent
from registers.codes import ILLNESS, CountsAs, codes_counting_as
from registers.lib.calendar import (
    AM,
    PM,
    academic_year_start,
    school_year_start,
    years_after,
)
from registers.lib.school_age import of_compulsory_school_age
from registers.lib.year_groups import YEAR_GROUPS
from registers.models import Enrolment, Mark, Pupil, School, SchoolDay, Term

CONTINUOUS_SESSIONS = 20  # 10 school days
ILLNESS_SESSIONS = 30  # 15 days
# How far back a run of absence may have begun (beyond any one summer holiday).
LOOKBACK = timedelta(days=366)


@dataclass(frozen=True)
class ContinuousAbsence:
    pupil: Pupil
    first_day: date
    last_day: date
    school_days: int
    sent: ReturnSent | None = None


@dataclass(frozen=True)
class Illness:
    pupil: Pupil
    sessions: int
    first_day: date
    last_day: date
    expected: ExpectedIllness | None = None  # None: counted, not expected
    sent: ReturnSent | None = None


@dataclass(frozen=True)
class NewPupil:
    enrolment: Enrolment
    due_on: date  # the end of the fifth day after the name is entered (the starting day)
    sent: ReturnSent | None = None


@dataclass(frozen=True)
class Deletion:
    enrolment: Enrolment
    sent: ReturnSent | None = None

    @property
    def possible_child_missing_education(self) -> bool:
        return self.enrolment.possible_child_missing_education

    @property
    def leaving_date(self) -> date:
        """The day the pupil was deleted: a deletion is an enrolment with one."""
        assert self.enrolment.leaving_date is not None
        return self.enrolment.leaving_date


@dataclass
class Returns:
    continuous_absence: list[ContinuousAbsence] = field(default_factory=list)
    illness: list[Illness] = field(default_factory=list)
    new_pupils: list[NewPupil] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)


def _sent(school: School, kind: str) -> dict[tuple[int, date], ReturnSent]:
    return {
        (row.pupil_id, row.period_start): row
        for row in ReturnSent.objects.filter(school=school, kind=kind).select_related("sent_by")
    }


def _unauthorised_runs(*, school: School, as_of: date) -> list[tuple[int, list[tuple[date, str]]]]:
    """Each pupil's latest run of consecutive school sessions with unauthorised codes on which
    they were of compulsory school age, up to `as_of` (three queries)."""
    since = as_of - LOOKBACK
    ordinal = {
        (day.date, session): number
        for number, (day, session) in enumerate(
            (day, session)
            for day in SchoolDay.objects.filter(school=school, date__range=(since, as_of)).order_by(
                "date"
            )
            for session, is_open in ((AM, day.am), (PM, day.pm))
            if is_open
        )
    }
    marks = (
        Mark.objects.filter(
            school=school,
            date__range=(since, as_of),
            code_id__in=codes_counting_as(CountsAs.UNAUTHORISED),
        )
        .order_by("pupil_id", "date", "session")
        .values_list("pupil_id", "date", "session")
    )
    born = dict(
        Pupil.objects.filter(marks__school=school, marks__date__range=(since, as_of))
        .distinct()
        .values_list("pk", "date_of_birth")
    )
    runs = []
    for pupil_id, rows in groupby(marks, key=lambda row: row[0]):
        sessions = [
            (day, session)
            for _, day, session in rows
            if (day, session) in ordinal and of_compulsory_school_age(born[pupil_id], day)
        ]
        if not sessions:
            continue
        latest = [sessions[-1]]
        for earlier in reversed(sessions[:-1]):
            if ordinal[earlier] != ordinal[latest[0]] - 1:
                break
            latest.insert(0, earlier)
        runs.append((pupil_id, latest))
    return runs


def continuous_absence_return(*, school: School, as_of: date) -> list[ContinuousAbsence]:
    sent = _sent(school, ReturnKind.CONTINUOUS_ABSENCE)
    long_runs = [
        (pupil_id, run)
        for pupil_id, run in _unauthorised_runs(school=school, as_of=as_of)
        if len(run) >= CONTINUOUS_SESSIONS
    ]
    pupils = Pupil.objects.in_bulk([pupil_id for pupil_id, _ in long_runs])
    return sorted(
        (
            ContinuousAbsence(
                pupil=pupils[pupil_id],
                first_day=run[0][0],
                last_day=run[-1][0],
                school_days=len({day for day, _ in run}),
                sent=sent.get((pupil_id, run[0][0])),
            )
            for pupil_id, run in long_runs
        ),
        key=lambda row: row.pupil.upn,
    )


def illness_return(*, school: School, as_of: date) -> list[Illness]:
    """Pupils with 30 or more sessions of `I` this school year on which they were of compulsory
    school age, and those the office expects to reach that (four queries)."""
    start = school_year_start(as_of)
    sent = _sent(school, ReturnKind.ILLNESS)
    by_pupil: dict[int, list[date]] = {}
    for pupil_id, day, date_of_birth in (
        Mark.objects.filter(school=school, date__range=(start, as_of), code_id=ILLNESS)
        .order_by("pupil_id", "date")
        .values_list("pupil_id", "date", "pupil__date_of_birth")
    ):
        if of_compulsory_school_age(date_of_birth, day):
            by_pupil.setdefault(pupil_id, []).append(day)
    counted = {
        pupil_id: days for pupil_id, days in by_pupil.items() if len(days) >= ILLNESS_SESSIONS
    }
    expected = [
        record
        for record in ExpectedIllness.objects.filter(
            school=school, expected_until__gte=start, first_day__lt=years_after(start, 1)
        ).select_related("pupil", "recorded_by")
        if record.pupil_id not in counted
    ]
    pupils = Pupil.objects.in_bulk(list(counted))
    rows = [
        Illness(
            pupil=pupils[pupil_id],
            sessions=len(days),
            first_day=days[0],
            last_day=days[-1],
            sent=sent.get((pupil_id, days[0])),
        )
        for pupil_id, days in counted.items()
    ]
    rows += [
        Illness(
            pupil=record.pupil,
            sessions=len(by_pupil.get(record.pupil_id, [])),
            first_day=record.first_day,
            last_day=record.expected_until,
            expected=record,
            sent=sent.get((record.pupil_id, record.first_day)),
        )
        for record in expected
    ]
    return sorted(rows, key=lambda row: (row.pupil.upn, row.first_day))


def _year_group_in(pupil: Pupil, *, day: date, as_of: date) -> str:
    """The year group the pupil was in on `day`, from the one they are in on `as_of`."""
    years_back = academic_year_start(as_of) - academic_year_start(day)
    if pupil.year_group not in YEAR_GROUPS[:-2]:  # M and X (mixed, none) have no order
        return pupil.year_group
    index = YEAR_GROUPS.index(pupil.year_group) - years_back
    return YEAR_GROUPS[max(index, 0)]


def _school_years_ends(school: School) -> tuple[list[str], dict[int, tuple[date, date]]]:
    """The school's year groups in order, and each school year's first day (of its first term)
    and last day (of its last term)."""
    years = sorted(
        {year for times in school.session_times.all() for year in times.year_groups},
        key=lambda year: YEAR_GROUPS.index(year) if year in YEAR_GROUPS else len(YEAR_GROUPS),
    )
    ends: dict[int, tuple[date, date]] = {}
    for start, end in Term.objects.filter(school=school).values_list("start", "end"):
        year = academic_year_start(start)
        first, last = ends.get(year, (start, end))
        ends[year] = (min(first, start), max(last, end))
    return years, ends


def new_pupil_returns_owed(*, school: School, as_of: date) -> list[NewPupil]:
    """Pupils entered in the admission register in the year up to `as_of` whose return is not
    recorded as sent; not those placed in the most junior class from the first day of the school
    year (13(2)). The starting day stands for the day the name was entered."""
    sent = _sent(school, ReturnKind.NEW_PUPIL)
    years, ends = _school_years_ends(school)
    owed = []
    for enrolment in Enrolment.objects.filter(
        school=school, start_date__range=(as_of - LOOKBACK, as_of)
    ).select_related("pupil"):
        year = academic_year_start(enrolment.start_date)
        first_day_of_year = ends.get(year, (None, None))[0]
        junior = (
            years
            and _year_group_in(enrolment.pupil, day=enrolment.start_date, as_of=as_of) == years[0]
        )
        if junior and enrolment.start_date == first_day_of_year:
            continue
        if (enrolment.pupil_id, enrolment.start_date) in sent:
            continue
        owed.append(NewPupil(enrolment=enrolment, due_on=enrolment.start_date + timedelta(days=5)))
    return sorted(owed, key=lambda row: (row.enrolment.pupil.upn, row.enrolment.start_date))


def deletion_returns_owed(*, school: School, as_of: date) -> list[Deletion]:
    """Deletions in the year up to `as_of` whose return is not recorded as sent; not a pupil of
    the most senior class deleted at or after the end of the school year's last term (13(5))."""
    sent = _sent(school, ReturnKind.DELETION)
    years, ends = _school_years_ends(school)
    owed = []
    for enrolment in Enrolment.objects.filter(
        school=school, leaving_date__range=(as_of - LOOKBACK, as_of)
    ).select_related("pupil"):
        leaving = enrolment.leaving_date
        assert leaving is not None  # the filter's range holds no empty date
        year = ends.get(academic_year_start(leaving))
        last_day_of_year = year[1] if year else None
        # A leaver's year group stays as it was when they left.
        senior = years and enrolment.pupil.year_group == years[-1]
        if senior and last_day_of_year is not None and leaving >= last_day_of_year:
            continue
        if (enrolment.pupil_id, leaving) in sent:
            continue
        owed.append(Deletion(enrolment=enrolment))
    return sorted(owed, key=lambda row: (row.enrolment.pupil.upn, row.enrolment.leaving_date))


def returns_owed(*, school: School, as_of: date) -> dict[str, int]:
    """How many of each return are still to send, for the follow-up overview."""
    returns = la_returns(school=school, as_of=as_of)
    return {
        "continuous_absence": sum(1 for row in returns.continuous_absence if row.sent is None),
        "illness": sum(1 for row in returns.illness if row.sent is None),
        "new_pupils": len(returns.new_pupils),
        "deletions": len(returns.deletions),
    }


def la_returns(*, school: School, as_of: date) -> Returns:
    return Returns(
        continuous_absence=continuous_absence_return(school=school, as_of=as_of),
        illness=illness_return(school=school, as_of=as_of),
        new_pupils=new_pupil_returns_owed(school=school, as_of=as_of),
        deletions=deletion_returns_owed(school=school, as_of=as_of),
    )
