"""Reads over the registers: the calendar, the roll and the user's schools, in the database."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Min, Q, QuerySet

from registers.lib.calendar import AM
from registers.models import Enrolment, Membership, Pupil, Role, School, SchoolDay, SessionTimes


def school_day(*, school: School, day: date) -> SchoolDay | None:
    return SchoolDay.objects.filter(school=school, date=day).first()


def is_school_session(*, school: School, day: date, session: str) -> bool:
    """Open for this session: in term, a weekday, not half term, not a planned closure."""
    field = "am" if session == AM else "pm"
    return SchoolDay.objects.filter(school=school, date=day, **{field: True}).exists()


@dataclass(frozen=True)
class SchoolWeek:
    number: int
    week_start: date
    first_day: date
    last_day: date
    sessions: int


def school_weeks(
    *, school: School, start: date | None = None, end: date | None = None
) -> list[SchoolWeek]:
    """The school's weeks with at least one session, numbered across terms and years."""
    days = SchoolDay.objects.filter(school=school)
    if start:
        days = days.filter(date__gte=start)
    if end:
        days = days.filter(date__lte=end)
    rows = (
        days.values("week_number", "week_start")
        .annotate(
            first_day=Min("date"),
            last_day=Max("date"),
            am_sessions=Count("id", filter=Q(am=True)),
            pm_sessions=Count("id", filter=Q(pm=True)),
        )
        .order_by("week_number")
    )
    return [
        SchoolWeek(
            number=row["week_number"],
            week_start=row["week_start"],
            first_day=row["first_day"],
            last_day=row["last_day"],
            sessions=row["am_sessions"] + row["pm_sessions"],
        )
        for row in rows
    ]


def session_times_for(*, school: School, year_group: str) -> SessionTimes | None:
    """The phase whose day a pupil of this year group keeps (Lord Scudamore has three)."""
    for times in school.session_times.all():
        if year_group in times.year_groups:
            return times
    return None


def enrolments_on(*, school: School, day: date) -> QuerySet[Enrolment]:
    """Admission-register lines of pupils on roll that day: started, and not yet left."""
    return Enrolment.objects.filter(school=school, start_date__lte=day).filter(
        Q(leaving_date__isnull=True) | Q(leaving_date__gte=day)
    )


def pupils_on_roll(*, school: School, day: date) -> QuerySet[Pupil]:
    return Pupil.objects.filter(enrolments__in=enrolments_on(school=school, day=day)).distinct()


def schools_for_user(*, user: AbstractBaseUser) -> QuerySet[School]:
    """Schools the user works at; a federation admin reaches every school of the federation."""
    if not user.is_authenticated:
        return School.objects.none()
    if user.is_superuser:
        return School.objects.all()
    memberships = Membership.objects.filter(user=user)
    federations = memberships.filter(role=Role.FEDERATION_ADMIN).values("school__federation")
    return School.objects.filter(
        Q(memberships__user=user) | Q(federation__in=federations)
    ).distinct()


@dataclass(frozen=True)
class SchoolToday:
    school: School
    role: str
    am: bool
    pm: bool


def schools_today_for_user(*, user: AbstractBaseUser, day: date) -> list[SchoolToday]:
    """The user's schools with their role and whether each has sessions on `day` (two queries)."""
    roles = dict(Membership.objects.filter(user=user).values_list("school_id", "role"))
    schools = list(schools_for_user(user=user).select_related("federation"))
    open_days = {d.school_id: d for d in SchoolDay.objects.filter(school__in=schools, date=day)}
    labels = dict(Role.choices)
    return [
        SchoolToday(
            school=school,
            role=labels.get(roles.get(school.id, Role.FEDERATION_ADMIN), ""),
            am=bool(open_days.get(school.id) and open_days[school.id].am),
            pm=bool(open_days.get(school.id) and open_days[school.id].pm),
        )
        for school in schools
    ]
