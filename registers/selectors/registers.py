"""Reads over the registers: the calendar, the roll and the user's schools, in the database."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery

from registers import permissions
from registers.codes import DUAL_REGISTERED
from registers.lib.calendar import AM, SESSIONS, session_order, weekly_session
from registers.models import (
    Amendment,
    Enrolment,
    Mark,
    Membership,
    Pupil,
    Register,
    RegistrationGroup,
    Role,
    School,
    SchoolDay,
    SessionTimes,
)
from registers.selectors.expected import expected_codes


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


def latest_enrolment(*, school: School, pupil: Pupil) -> Enrolment | None:
    """The pupil's last line of the school's admission register (the one a leaver left by)."""
    return (
        Enrolment.objects.filter(school=school, pupil=pupil).order_by("-start_date", "-pk").first()
    )


def left_for_another_school(enrolment: Enrolment | None) -> bool:
    """Deleted from the admission register with a destination: their CTF can be sent."""
    return (
        enrolment is not None
        and enrolment.leaving_date is not None
        and bool(enrolment.destination.strip())
    )


def schools_for_user(*, user: AbstractBaseUser) -> QuerySet[School]:
    """Schools the user works at; a federation admin reaches every school of the federation."""
    if not user.is_authenticated:
        return School.objects.none()
    if user.is_superuser:
        return School.objects.all()
    # Any role there, and a federation admin's every school (registers.permissions).
    return School.objects.filter(
        pk__in=permissions.school_ids_with_permission(user=user, permission=permissions.VIEW_SCHOOL)
    )


@dataclass(frozen=True)
class SchoolToday:
    school: School
    role: str
    role_code: str
    am: bool
    pm: bool
    # What the role may do there (registers.permissions), for the page's links.
    permissions: frozenset[str] = frozenset()
    # The school's messages that failed, and those still unsent after the first sweep
    # (the outbox), for the office's link to them.
    messages_failed: int = 0
    messages_unsent: int = 0


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
            role_code=roles.get(school.id, Role.FEDERATION_ADMIN),
            am=bool(open_days.get(school.id) and open_days[school.id].am),
            pm=bool(open_days.get(school.id) and open_days[school.id].pm),
            permissions=permissions.permissions_of({roles.get(school.id, Role.FEDERATION_ADMIN)}),
        )
        for school in schools
    ]


def group_pupils_on(*, group: RegistrationGroup, day: date) -> QuerySet[Pupil]:
    """Pupils in the class that day and on the school's roll: the register's lines."""
    in_group = Q(group_memberships__group=group, group_memberships__start_date__lte=day) & (
        Q(group_memberships__end_date__isnull=True) | Q(group_memberships__end_date__gte=day)
    )
    on_roll = enrolments_on(school=group.school, day=day).filter(pupil=OuterRef("pk"))
    return (
        Pupil.objects.filter(in_group)
        .filter(Exists(on_roll))
        .distinct()
        .order_by("legal_surname", "legal_forename", "pk")
    )


@dataclass(frozen=True)
class RegisterLine:
    pupil: Pupil
    mark: Mark | None  # `amendment_count` annotated
    # A code known before the register is taken, not yet saved (approved leave, an absence a
    # parent reported, a part-time timetable, D at a dual-registered pupil's other school).
    expected_code: str = ""
    expected_why: str = ""


@dataclass(frozen=True)
class RegisterSheet:
    group: RegistrationGroup
    day: date
    session: str
    lines: list[RegisterLine]
    register: Register | None  # None until first taken


def register_sheet(*, group: RegistrationGroup, day: date, session: str) -> RegisterSheet:
    """What a register shows: every pupil on roll in the class, with any mark already saved.

    Four queries whatever the class size. Marks saved before the register was taken (an
    absence the office logged, a closure, approved leave) show as already known.
    """
    # Each pupil with the weekly sessions at another school of the line that puts them on roll.
    on_roll = enrolments_on(school=group.school, day=day).filter(pupil=OuterRef("pk"))
    pupils = list(
        group_pupils_on(group=group, day=day).annotate(
            other_school_sessions=Subquery(on_roll.values("other_school_sessions")[:1])
        )
    )
    marks = {
        mark.pupil_id: mark
        for mark in Mark.objects.filter(
            school_id=group.school_id, date=day, session=session, pupil__in=pupils
        ).annotate(amendment_count=Count("amendments"))
    }
    # Unordered: the model's ordering (school and class names) would join both for one row.
    register = (
        Register.objects.filter(group=group, date=day, session=session)
        .select_related("taken_by", "last_saved_by")
        .order_by()
        .first()
    )
    this_session = weekly_session(day, session)
    expected = {
        pupil.pk: (DUAL_REGISTERED, "dual registration, at the other school this session")
        for pupil in pupils
        if this_session in (pupil.other_school_sessions or [])
    }
    expected.update(
        (pupil_id, (known.code, known.why))
        for pupil_id, known in expected_codes(
            school=group.school, pupil_ids=[p.pk for p in pupils], day=day, session=session
        ).items()
    )
    return RegisterSheet(
        group=group,
        day=day,
        session=session,
        lines=[
            RegisterLine(
                pupil=p,
                mark=marks.get(p.pk),
                expected_code=expected.get(p.pk, ("", ""))[0],
                expected_why=expected.get(p.pk, ("", ""))[1],
            )
            for p in pupils
        ],
        register=register,
    )


class RegisterState:
    NOT_TAKEN = "not taken"
    TAKEN = "taken"
    CHANGED = "changed since"


@dataclass(frozen=True)
class RegisterDue:
    group: RegistrationGroup
    session: str
    state: str
    register: Register | None


def registers_due(*, groups: QuerySet[RegistrationGroup], day: date) -> list[RegisterDue]:
    """Each class's registers for the day's school sessions, taken or not (three queries).

    "Changed since": a mark of the register was amended after it was last saved.
    """
    group_list = list(groups.select_related("school").order_by("school__name", "name"))
    open_sessions = {
        d.school_id: [s for s, is_open in zip(SESSIONS, (d.am, d.pm), strict=True) if is_open]
        for d in SchoolDay.objects.filter(school__in={g.school_id for g in group_list}, date=day)
    }
    amended_since = Amendment.objects.filter(
        mark__school=OuterRef("school"),
        mark__date=OuterRef("date"),
        mark__session=OuterRef("session"),
        mark__pupil__group_memberships__group=OuterRef("group"),
        amended_at__gt=OuterRef("last_saved_at"),
    )
    taken = {
        (r.group_id, r.session): r
        for r in Register.objects.filter(group__in=group_list, date=day)
        .select_related("taken_by")
        .annotate(changed=Exists(amended_since))
    }
    due = []
    for group in group_list:
        for session in open_sessions.get(group.school_id, []):
            register = taken.get((group.pk, session))
            if register is None:
                state = RegisterState.NOT_TAKEN
            else:
                state = RegisterState.CHANGED if register.changed else RegisterState.TAKEN
            due.append(RegisterDue(group=group, session=session, state=state, register=register))
    return due


def school_sessions_between(
    *,
    school: School,
    first_day: date,
    last_day: date,
    first_session: str = AM,
    last_session: str = "PM",
) -> list[tuple[date, str]]:
    """The school's sessions from `first_day` `first_session` to `last_day` `last_session`."""
    first, last = session_order(first_day, first_session), session_order(last_day, last_session)
    return [
        (day.date, session)
        for day in SchoolDay.objects.filter(school=school, date__range=(first_day, last_day))
        for session, is_open in zip(SESSIONS, (day.am, day.pm), strict=True)
        if is_open and first <= session_order(day.date, session) <= last
    ]
