"""A half term of register marks for one pupil, from an attendance profile.

(The half term may be cut short: a pupil who joined during it, or today's, which ends this
morning.)

The generator only picks which code a teacher would have written; what each code counts as is
left to `registers.codes` and the catalogue. It keeps its own tally of the sessions it made the
pupil miss, so that a persistent or severe absentee really misses 10% or 50% of sessions.
"""

import math
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple

from django.utils import timezone

from registers.codes import (
    ABSENT_OTHER,
    HOLIDAY_NOT_GRANTED,
    ILLNESS,
    LATE_AFTER_CLOSE,
    LATE_BEFORE_CLOSE,
    MEDICAL_APPOINTMENT,
    NOT_REQUIRED,
    NOT_YET_ESTABLISHED,
    present_code,
)
from registers.lib.calendar import AM

# Unexplained absence on the last school days is still 'N': the office has five school days to
# establish the reason, so only the most recent days can still be open.
OPEN_DAYS = 3


class Profile(StrEnum):
    GOOD = "good"
    PERSISTENT = "persistent"  # misses 10-22% of sessions
    HOLIDAY = "holiday"  # a week's term-time holiday: 10 sessions of G, over the penalty threshold
    SEVERE = "severe"  # misses over half


class OpenDay(NamedTuple):
    date: date
    sessions: tuple[int, ...]  # indices into the half term's session list


class Phase(NamedTuple):
    am_start: time
    am_register_closes: time
    pm_register_opens: time
    pm_register_closes: time


class PlannedMark(NamedTuple):
    upn: str
    school_urn: str
    date: date
    session: str
    code: str
    minutes_late: int | None
    recorded_by: str
    recorded_at: datetime


def open_days(sessions: Sequence[tuple[date, str]]) -> list[OpenDay]:
    days: list[OpenDay] = []
    for index, (day, _session) in enumerate(sessions):
        if days and days[-1].date == day:
            days[-1] = OpenDay(day, (*days[-1].sessions, index))
        else:
            days.append(OpenDay(day, (index,)))
    return days


class _Register:
    """One pupil's column of the register; None means present."""

    def __init__(
        self, rng: random.Random, sessions: Sequence[tuple[date, str]], days: list[OpenDay]
    ) -> None:
        self.rng = rng
        self.sessions = sessions
        self.days = days
        self.codes: list[str | None] = [None] * len(sessions)
        self.minutes: list[int | None] = [None] * len(sessions)
        self.missed = 0
        self.possible = len(sessions)

    def unexplained(self, day: int) -> str:
        return NOT_YET_ESTABLISHED if day >= len(self.days) - OPEN_DAYS else ABSENT_OTHER

    def absent(self, index: int, code: str) -> None:
        if self.codes[index] is None:
            self.codes[index] = code
            self.missed += 1

    def absent_days(self, first: int, count: int, code: str | None = None) -> None:
        for day in range(first, min(first + count, len(self.days))):
            for index in self.days[day].sessions:
                self.absent(index, code or self.unexplained(day))

    def am_index(self, day: int) -> int | None:
        first = self.days[day].sessions[0]
        return first if self.sessions[first][1] == AM else None

    def late(self, window: int, *, after_close: bool) -> None:
        index = self.am_index(self.rng.randrange(len(self.days)))
        if index is None or self.codes[index] is not None:
            return
        if after_close:
            self.codes[index] = LATE_AFTER_CLOSE
            self.minutes[index] = window + self.rng.randint(3, 40)
            self.missed += 1
        else:
            self.codes[index] = LATE_BEFORE_CLOSE
            self.minutes[index] = self.rng.randint(2, max(2, window - 1))

    def illness(self) -> None:
        first = self.rng.randrange(len(self.days))
        if self.rng.random() < 0.1:
            # Sent home at lunchtime: present in the morning, ill in the afternoon.
            self.absent(self.days[first].sessions[-1], ILLNESS)
            first += 1
        self.absent_days(first, self.rng.choice((1, 1, 1, 1, 2, 2, 3)), ILLNESS)

    def appointment(self) -> None:
        self.absent(self.rng.randrange(self.possible), MEDICAL_APPOINTMENT)

    def open_absence(self) -> None:
        """Absent since one of the last days and nobody has called: still 'N'."""
        first = max(len(self.days) - 1 - self.rng.randrange(OPEN_DAYS), 0)
        self.absent_days(first, OPEN_DAYS, NOT_YET_ESTABLISHED)


def _minutes(earlier: time, later: time) -> int:
    return (later.hour - earlier.hour) * 60 + later.minute - earlier.minute


def pupil_marks(
    *,
    rng: random.Random,
    upn: str,
    school_urn: str,
    sessions: Sequence[tuple[date, str]],
    days: list[OpenDay],
    phase: Phase,
    teacher: str,
    profile: Profile,
    part_time: bool,
    compulsory_age: bool,
    medical_condition: bool,
    aware: dict[datetime, datetime],
    holiday_from: date | None = None,
) -> list[PlannedMark]:
    """Every session of the half term for one pupil, present unless the profile says otherwise.

    Steps: mark the sessions a part-time nursery child is not required to attend; lay down the
    profile's big blocks first (a holiday week, from `holiday_from` if given, else a Monday of
    the half term; the severe absentee's days, the persistent absentee's budget), then ordinary
    illness, appointments and lates on the sessions still free, so that no session gets two
    codes.
    """
    register = _Register(rng, sessions, days)
    window = _minutes(phase.am_start, phase.am_register_closes)
    if part_time:
        # Funded nursery hours for a 3-year-old are mornings here; afternoons are not required.
        for index, (_day, session) in enumerate(sessions):
            if session != AM:
                register.codes[index] = NOT_REQUIRED
                register.possible -= 1
    if profile is Profile.HOLIDAY:
        if holiday_from is not None:  # the week the holiday was taken, decided by the caller
            first = next((n for n, day in enumerate(days) if day.date >= holiday_from), 0)
        else:
            mondays = [n for n, day in enumerate(days[: -OPEN_DAYS - 4]) if day.date.weekday() == 0]
            first = rng.choice(mondays or [0])
        register.absent_days(first, 5, HOLIDAY_NOT_GRANTED)
    elif profile is Profile.SEVERE:
        chosen = sorted(rng.sample(range(len(days)), math.ceil(0.6 * len(days))))
        for n in chosen:
            kind = rng.random()
            if kind < 0.6:
                register.absent_days(n, 1)
            elif kind < 0.85:
                register.absent_days(n, 1, ILLNESS)
            elif (am := register.am_index(n)) is not None:
                register.codes[am] = LATE_AFTER_CLOSE
                register.minutes[am] = window + rng.randint(30, 120)
                register.missed += 1
        free_days = [n for n in range(len(days)) if n not in chosen]
        while register.missed * 2 < register.possible and free_days:
            register.absent_days(free_days.pop(rng.randrange(len(free_days))), 1)
    elif profile is Profile.PERSISTENT:
        target = round(rng.uniform(0.10, 0.22) * register.possible)
        for _attempt in range(200):
            if register.missed >= target:
                break
            event = rng.choices(("ill", "other", "late", "appointment"), (5, 3, 1, 1))[0]
            if event == "ill":
                register.illness()
            elif event == "other":
                register.absent_days(n := rng.randrange(len(days)), 1, register.unexplained(n))
            elif event == "late":
                register.late(window, after_close=True)
            else:
                register.appointment()
        for _ in range(rng.randint(2, 6)):
            register.late(window, after_close=False)

    for _ in range(rng.choice((0, 0, 0, 0, 1, 1, 1, 2)) + (1 if medical_condition else 0)):
        register.illness()
    for _ in range(rng.choice((0, 0, 0, 0, 1)) + (rng.randint(1, 3) if medical_condition else 0)):
        register.appointment()
    for _ in range(rng.choice((0, 0, 0, 0, 0, 1, 1, 2, 3))):
        register.late(window, after_close=False)
    if compulsory_age:
        if rng.random() < 0.08:
            register.late(window, after_close=True)
        if rng.random() < 0.03:
            # A long weekend or a few days' holiday: unauthorised, but under the threshold.
            register.absent_days(
                rng.randrange(max(len(days) - 3, 1)), rng.randint(2, 4), HOLIDAY_NOT_GRANTED
            )
        if rng.random() < 0.05:
            register.absent_days(n := rng.randrange(len(days)), 1, register.unexplained(n))
        if rng.random() < 0.025:
            register.open_absence()

    marks = []
    for index, (day, session) in enumerate(sessions):
        code = register.codes[index] or present_code(session)
        minutes = register.minutes[index]
        if session == AM:
            at = phase.am_register_closes if code == NOT_YET_ESTABLISHED else phase.am_start
        else:
            at = (
                phase.pm_register_closes if code == NOT_YET_ESTABLISHED else phase.pm_register_opens
            )
        naive = datetime.combine(day, at) + timedelta(minutes=minutes or 0)
        if naive not in aware:
            aware[naive] = timezone.make_aware(naive, timezone.get_default_timezone())
        marks.append(
            PlannedMark(upn, school_urn, day, session, code, minutes, teacher, aware[naive])
        )
    return marks
