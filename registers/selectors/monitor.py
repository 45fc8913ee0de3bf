"""Reads for the missing-register monitor: when each class's register opens and closes, which
registers are still not taken, which were taken after the close, and who was reminded.

Every function here runs a fixed number of queries whatever the number of classes.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet

from registers.lib.calendar import AM, PM, week_start
from registers.models import (
    GroupMembership,
    Register,
    RegisterReminder,
    RegistrationGroup,
    School,
    SessionTimes,
)
from registers.selectors import RegisterDue, RegisterState, registers_due


@dataclass(frozen=True)
class RegisterWindow:
    """When a class's register for one session opens and closes."""

    opens: time
    closes: time


def _window(times: Iterable[SessionTimes], session: str) -> RegisterWindow | None:
    """The window of a register kept by one or more phases.

    A class whose pupils span phases (a mixed class at a school with several days) takes the
    latest opening and the latest close: nobody is reminded before every phase has opened, and a
    register counts as taken after the close only once every phase has closed.
    """
    pairs = [t.window(session) for t in times]
    if not pairs:
        return None
    return RegisterWindow(opens=max(p[0] for p in pairs), closes=max(p[1] for p in pairs))


def phase_times_for_year_groups(
    *, times: list[SessionTimes], year_groups: Iterable[str]
) -> list[SessionTimes]:
    """The phases whose day pupils of these year groups keep; every phase when none match (a
    class with no pupils yet, or year groups the school's times do not name)."""
    wanted = set(year_groups)
    kept = [t for t in times if wanted.intersection(t.year_groups)]
    return kept or times


def register_window_for_pupils(
    *, school: School, year_groups: Iterable[str], session: str
) -> RegisterWindow | None:
    """The window of a register whose pupils are of these year groups (one query)."""
    times = list(SessionTimes.objects.filter(school=school))
    return _window(phase_times_for_year_groups(times=times, year_groups=year_groups), session)


def register_windows(
    *, groups: list[RegistrationGroup], day: date
) -> dict[tuple[int, str], RegisterWindow]:
    """Each class's register windows for `day`, by (class id, session), from the phases of the
    pupils in the class that day (two queries). A class with no pupils that day has none: it
    has no register to take."""
    times_by_school: dict[int, list[SessionTimes]] = defaultdict(list)
    for times in SessionTimes.objects.filter(school__in={g.school_id for g in groups}):
        times_by_school[times.school_id].append(times)
    year_groups: dict[int, set[str]] = defaultdict(set)
    for group_id, year_group in (
        GroupMembership.objects.filter(group__in=groups, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("group_id", "pupil__year_group")
        .order_by()
        .distinct()
    ):
        year_groups[group_id].add(year_group)
    windows: dict[tuple[int, str], RegisterWindow] = {}
    for group in groups:
        if group.pk not in year_groups:
            continue
        phases = phase_times_for_year_groups(
            times=times_by_school[group.school_id], year_groups=year_groups[group.pk]
        )
        for session in (AM, PM):
            window = _window(phases, session)
            if window is not None:
                windows[(group.pk, session)] = window
    return windows


def _at(day: date, moment: time, tz) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


class MonitorState:
    NOT_TAKEN = "not taken"
    TAKEN_LATE = "taken late"
    TAKEN = "taken"


@dataclass(frozen=True)
class MonitorRow:
    due: RegisterDue
    window: RegisterWindow | None
    state: str
    reminded_at: datetime | None

    @property
    def group(self) -> RegistrationGroup:
        return self.due.group

    @property
    def session(self) -> str:
        return self.due.session

    @property
    def register(self) -> Register | None:
        return self.due.register


@dataclass(frozen=True)
class MissingRegisters:
    school: School
    day: date
    session: str
    rows: list[MonitorRow]
    # True while some register of the session is still open or not yet open: the page polls.
    registration_open: bool

    @property
    def not_taken(self) -> int:
        return sum(1 for row in self.rows if row.state == MonitorState.NOT_TAKEN)


def current_session(*, school: School, now: datetime) -> str:
    """AM until the school's first afternoon register opens, then PM (one query)."""
    first_pm = (
        SessionTimes.objects.filter(school=school)
        .order_by("pm_register_opens")
        .values_list("pm_register_opens", flat=True)
        .first()
    )
    return PM if first_pm is not None and now.time() >= first_pm else AM


def missing_registers(*, school: School, now: datetime, session: str) -> MissingRegisters:
    """Every register of the school due in `session` today, with its state (not taken, taken
    late, taken), who took it and when, and any reminder sent (seven queries).

    `now` is a local (London) time; "today" is its date.
    """
    day = now.date()
    due = [
        item
        for item in registers_due(groups=RegistrationGroup.objects.filter(school=school), day=day)
        if item.session == session
    ]
    groups = [item.group for item in due]
    windows = register_windows(groups=groups, day=day)
    reminded = dict(
        RegisterReminder.objects.filter(
            school=school, date=day, session=session, group__in=groups
        ).values_list("group_id", "sent_at")
    )
    rows = []
    for item in due:
        if item.state == RegisterState.NOT_TAKEN:
            state = MonitorState.NOT_TAKEN
        elif item.register is not None and item.register.taken_after_close:
            state = MonitorState.TAKEN_LATE
        else:
            state = MonitorState.TAKEN
        rows.append(
            MonitorRow(
                due=item,
                window=windows.get((item.group.pk, session)),
                state=state,
                reminded_at=reminded.get(item.group.pk),
            )
        )
    latest_close = max((row.window.closes for row in rows if row.window), default=None)
    return MissingRegisters(
        school=school,
        day=day,
        session=session,
        rows=rows,
        registration_open=latest_close is not None and now.time() <= latest_close,
    )


@dataclass(frozen=True)
class RegisterToRemind:
    school_id: int
    group_id: int
    session: str


def registers_to_remind(*, now: datetime) -> list[RegisterToRemind]:
    """Every register, at any school, still not taken `register_reminder_minutes` (the school's
    setting) after it opened today and not yet reminded (six queries).

    `now` is a local (London) time. Only today's registers: a reminder is about now.
    """
    day = now.date()
    groups = RegistrationGroup.objects.filter(school__school_days__date=day).select_related(
        "school"
    )
    not_taken = [
        item
        for item in registers_due(groups=groups, day=day)
        if item.state == RegisterState.NOT_TAKEN
    ]
    if not not_taken:
        return []
    windows = register_windows(groups=list({item.group for item in not_taken}), day=day)
    reminded = set(RegisterReminder.objects.filter(date=day).values_list("group_id", "session"))
    result = []
    for item in not_taken:
        window = windows.get((item.group.pk, item.session))
        if window is None or (item.group.pk, item.session) in reminded:
            continue
        minutes = timedelta(minutes=item.group.school.register_reminder_minutes)
        if now >= _at(day, window.opens, now.tzinfo) + minutes:
            result.append(
                RegisterToRemind(
                    school_id=item.group.school_id, group_id=item.group.pk, session=item.session
                )
            )
    return result


def reminder_banner_key(*, user_id: int, day: date) -> str:
    """The cache flag set for a teacher when one of their registers is reminded: pages ask
    the database for the banner only while it is set, so nobody else pays a query for it."""
    return f"register-reminder:{user_id}:{day.isoformat()}"


def reminded_registers_for_teacher(*, user: User, day: date) -> QuerySet[RegisterReminder]:
    """The user's classes reminded today whose register is still not taken (one query): the
    banner a teacher sees on their next page."""
    taken = Register.objects.filter(
        group=OuterRef("group"), date=OuterRef("date"), session=OuterRef("session")
    )
    return (
        RegisterReminder.objects.filter(date=day, group__teachers=user)
        .exclude(Exists(taken))
        .select_related("group")
        .order_by("session", "group__name")
    )


@dataclass(frozen=True)
class LateWeek:
    first_day: date  # the Monday
    last_day: date  # the Sunday
    registers: list[Register]

    @property
    def previous(self) -> date:
        return self.first_day - timedelta(days=7)

    @property
    def following(self) -> date:
        return self.first_day + timedelta(days=7)


def registers_taken_after_close(*, school: School, any_day: date) -> LateWeek:
    """The school's registers first taken after their close in the week (Monday to Sunday)
    containing `any_day`, in date and session order (one query)."""
    monday = week_start(any_day)
    sunday = monday + timedelta(days=6)
    registers = list(
        Register.objects.filter(school=school, taken_after_close=True, date__range=(monday, sunday))
        .select_related("group", "taken_by")
        .order_by("date", "session", "group__name")
    )
    return LateWeek(first_day=monday, last_day=sunday, registers=registers)
