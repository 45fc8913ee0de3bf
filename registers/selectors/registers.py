"""Reads over the registers: the calendar, the roll and the user's schools, in the database."""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    Count,
    Exists,
    Expression,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from registers import permissions
from registers.codes import DUAL_REGISTERED
from registers.lib import statements
from registers.lib.calendar import AM, PM, SESSIONS, session_order, weekly_session
from registers.models import (
    Amendment,
    Enrolment,
    GroupMembership,
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


def school_days_either_side(*, school: School, day: date) -> tuple[date | None, date | None]:
    """The school days before and after `day` (None past either end of the calendar), in one
    query: the register page's previous and next day."""
    around = SchoolDay.objects.filter(school=school).aggregate(
        before=Max("date", filter=Q(date__lt=day)), after=Min("date", filter=Q(date__gt=day))
    )
    return around["before"], around["after"]


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


def pupils_on_roll_with_class(*, school: School, day: date) -> QuerySet[Pupil]:
    """The pupils on roll on `day` by legal name, each with `class_name`, their class that day,
    in the same query: a picker of a hundred names needs the class to tell two Sams apart."""
    current_class = (
        GroupMembership.objects.filter(pupil=OuterRef("pk"), group__school=school)
        .filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by("-start_date")
        .values("group__name")[:1]
    )
    return (
        pupils_on_roll(school=school, day=day)
        .annotate(class_name=Subquery(current_class))
        .order_by("legal_surname", "legal_forename")
    )


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


def schools_for_user(*, user: User) -> QuerySet[School]:
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


def schools_today_for_user(*, user: User, day: date) -> list[SchoolToday]:
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
    # Whether the day is a school session for the class's school, when read with the sheet
    # (None: not read; `session_problem` asks).
    school_session: bool | None = None
    # The school days before and after, when read with the sheet (`school_days_either_side`;
    # None: not read).
    days_either_side: tuple[date | None, date | None] | None = None


def register_sheet(*, group: RegistrationGroup, day: date, session: str) -> RegisterSheet:
    """What a register shows: every pupil on roll in the class, with any mark already saved.

    Marks saved before the register was taken (an absence the office logged, a closure,
    approved leave) show as already known. On PostgreSQL two fixed statements (the sheet, then
    the codes expected); on SQLite the ORM's five queries.
    """
    if statements.prepared_statements():
        return _register_sheet_fixed(group=group, day=day, session=session)
    return _register_sheet_orm(group=group, day=day, session=session)


def _register_sheet_orm(*, group: RegistrationGroup, day: date, session: str) -> RegisterSheet:
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
    dual = {pupil.pk for pupil in pupils if this_session in (pupil.other_school_sessions or [])}
    return _sheet(
        group=group,
        day=day,
        session=session,
        pupils=pupils,
        marks=marks,
        dual=dual,
        register=register,
        school_session=None,
    )


def _sheet(
    *, group, day, session, pupils, marks, dual, register, school_session, days_either_side=None
) -> RegisterSheet:
    expected = {
        pupil_id: (DUAL_REGISTERED, "dual registration, at the other school this session")
        for pupil_id in dual
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
        school_session=school_session,
        days_either_side=days_either_side,
    )


def _fields(model, *, leaving: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(attribute, column) of the model's fields, but those left for a page that never reads
    them (loaded only if asked for)."""
    return [
        (field.attname, field.column)
        for field in model._meta.concrete_fields
        if field.attname not in leaving
    ]


def _columns(alias: str, fields: list[tuple[str, str]], prefix: str = "") -> str:
    return ", ".join(f"{alias}.{prefix}{column}" for _, column in fields)


def _names(fields: list[tuple[str, str]]) -> list[str]:
    return [name for name, _ in fields]


# Who took and last saved a register, by name only (`staff_name`).
_USER_NAME = [
    field
    for field in _fields(get_user_model())
    if field[0] in ("id", "username", "first_name", "last_name")
]
_REGISTER = _fields(Register)
_PUPIL = _fields(Pupil)
_PUPIL_FIELDS = _names(_PUPIL)
# A sheet's marks are shown, never written from: when each was first recorded stays unread.
_SHEET_MARK = _fields(Mark, leaving=("recorded_at",))

# Whether the day is a school session for the class's school, the school days either side
# (`school_days_either_side`), and the register with who took it and last saved it (no
# register: NULLs).
_SHEET_HEAD = f"""
SELECT
    EXISTS (
        SELECT 1 FROM registers_schoolday d
        WHERE d.school_id = %(school)s AND d.date = %(day)s
            AND CASE WHEN %(session)s = 'AM' THEN d.am ELSE d.pm END
    ),
    (SELECT max(d.date) FROM registers_schoolday d
        WHERE d.school_id = %(school)s AND d.date < %(day)s),
    (SELECT min(d.date) FROM registers_schoolday d
        WHERE d.school_id = %(school)s AND d.date > %(day)s),
    {_columns("r", _REGISTER)}, {_columns("tb", _USER_NAME)}, {_columns("lb", _USER_NAME)}
FROM (SELECT 1) AS one
LEFT JOIN (
    registers_register r
    JOIN auth_user tb ON tb.id = r.taken_by_id
    JOIN auth_user lb ON lb.id = r.last_saved_by_id
) ON r.group_id = %(group)s AND r.date = %(day)s AND r.session = %(session)s
"""

# `group_pupils_on` in SQL: the pupils (p) in the class that day and on the school's roll.
_CLASS_PUPILS = """
    p.id IN (
        SELECT gm.pupil_id FROM registers_groupmembership gm
        WHERE gm.group_id = %(group)s AND gm.start_date <= %(day)s
            AND (gm.end_date IS NULL OR gm.end_date >= %(day)s)
    ) AND EXISTS (
        SELECT 1 FROM registers_enrolment e
        WHERE e.pupil_id = p.id AND e.school_id = %(school)s AND e.start_date <= %(day)s
            AND (e.leaving_date IS NULL OR e.leaving_date >= %(day)s)
    )
"""

# One row per pupil of the class that day, on the school's roll, with whether the line that
# puts them on roll has them at another school this session, and their mark with its number
# of amendments.
_SHEET_LINES = f"""
SELECT {_columns("p", _PUPIL)},
    COALESCE((
        SELECT e.other_school_sessions ? %(weekly)s FROM registers_enrolment e
        WHERE e.pupil_id = p.id AND e.school_id = %(school)s AND e.start_date <= %(day)s
            AND (e.leaving_date IS NULL OR e.leaving_date >= %(day)s)
        ORDER BY e.start_date LIMIT 1
    ), false),
    {_columns("m", _SHEET_MARK)},
    (SELECT count(*) FROM registers_amendment a WHERE a.mark_id = m.id)
FROM registers_pupil p
LEFT JOIN registers_mark m ON m.pupil_id = p.id AND m.school_id = %(school)s
    AND m.date = %(day)s AND m.session = %(session)s
WHERE {_CLASS_PUPILS}
ORDER BY p.legal_surname, p.legal_forename, p.id
"""


def _register_sheet_fixed(*, group: RegistrationGroup, day: date, session: str) -> RegisterSheet:
    params = {
        "school": group.school_id,
        "group": group.pk,
        "day": day,
        "session": session,
        "weekly": weekly_session(day, session),
    }
    school_session, previous_day, next_day, *head = statements.fetch(_SHEET_HEAD, params)[0]
    user_model, alias = get_user_model(), DEFAULT_DB_ALIAS
    register = None
    if head[0] is not None:
        users = len(_REGISTER)
        register = Register.from_db(alias, _names(_REGISTER), head[:users])
        names = _names(_USER_NAME)
        register.taken_by = user_model.from_db(alias, names, head[users : users + len(names)])
        register.last_saved_by = user_model.from_db(alias, names, head[users + len(names) :])
    pupils, marks, dual = [], {}, set()
    mark_at = len(_PUPIL) + 1
    mark_fields = _names(_SHEET_MARK)
    for row in statements.fetch(_SHEET_LINES, params):
        pupil = Pupil.from_db(alias, _PUPIL_FIELDS, row[: mark_at - 1])
        pupils.append(pupil)
        if row[mark_at - 1]:
            dual.add(pupil.pk)
        if row[mark_at] is not None:
            mark = Mark.from_db(alias, mark_fields, row[mark_at:-1])
            mark.amendment_count = row[-1]  # type: ignore[attr-defined]
            marks[pupil.pk] = mark
    return _sheet(
        group=group,
        day=day,
        session=session,
        pupils=pupils,
        marks=marks,
        dual=dual,
        register=register,
        school_session=bool(school_session),
        days_either_side=(previous_day, next_day),
    )


# The class locked for saving its register (see `registers.services.register`), whether the
# day is a school session for it, and its pupils that day (`group_pupils_on`), in one
# statement; one row with no pupil when the class has none that day.
_CLASS_LOCKED = f"""
SELECT
    EXISTS (
        SELECT 1 FROM registers_schoolday d
        WHERE d.school_id = %(school)s AND d.date = %(day)s
            AND CASE WHEN %(session)s = 'AM' THEN d.am ELSE d.pm END
    ),
    {_columns("p", _PUPIL)}
FROM registers_registrationgroup g
LEFT JOIN (SELECT {_columns("p", _PUPIL)} FROM registers_pupil p WHERE {_CLASS_PUPILS}) AS p
    ON true
WHERE g.id = %(group)s
ORDER BY p.legal_surname, p.legal_forename, p.id
FOR UPDATE OF g
"""


def class_locked_for_register(
    *, group: RegistrationGroup, day: date, session: str
) -> tuple[bool, list[Pupil]]:
    """Lock the class (PostgreSQL, in the caller's transaction) and read whether the day is a
    school session for it and the register's pupils (`group_pupils_on`), in one statement."""
    rows = statements.fetch(
        _CLASS_LOCKED,
        {"school": group.school_id, "group": group.pk, "day": day, "session": session},
    )
    alias = DEFAULT_DB_ALIAS
    pupils = [Pupil.from_db(alias, _PUPIL_FIELDS, row[1:]) for row in rows if row[1] is not None]
    return bool(rows[0][0]), pupils


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


def count_subquery(queryset: QuerySet) -> Coalesce:
    """`queryset`'s row count as a subquery (0 when empty), for one query to ask many counts."""
    counted = queryset.order_by().values(one=Value(1)).annotate(n=Func("pk", function="COUNT"))
    return Coalesce(Subquery(counted.values("n")[:1]), 0)


def registers_not_taken_count_expression(
    *, now: datetime, teacher: User | None = None
) -> Expression:
    """For a school row (OuterRef "pk"): its class registers of today's sessions whose register
    has opened by `now` (the earliest phase's time), on which the school meets and which nobody
    has taken; `teacher`: only their classes."""
    day, moment = now.date(), now.time()
    total: Expression = Value(0)
    for session, opens in ((AM, "am_start"), (PM, "pm_register_opens")):
        groups = RegistrationGroup.objects.filter(school=OuterRef("pk"))
        if teacher is not None:
            groups = groups.filter(teachers=teacher)
        meets = SchoolDay.objects.filter(
            school=OuterRef("school"), date=day, **{session.lower(): True}
        )
        opened = SessionTimes.objects.filter(school=OuterRef("school"), **{f"{opens}__lte": moment})
        taken = Register.objects.filter(group=OuterRef("pk"), date=day, session=session)
        due = groups.filter(Exists(meets), Exists(opened)).exclude(Exists(taken))
        total = total + count_subquery(due)
    return total
