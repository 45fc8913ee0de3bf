"""The demo's registers: every session from the first day of last school year to this morning.

Per school: each class's register taken at every session (a few of them late), and each pupil's
mark for every session they were on roll, from their attendance profile (`marks.pupil_marks`,
one half term at a time). This morning's registers are taken except a few, this afternoon's
not yet: the demo shows a school day in progress. Planning is pure (seeded, no clock), so the
same day gives the same marks; `seed.py` writes them.

- An unexplained absence is still `N` only on the last few school days; before that the office
  has long since recorded it as `O`.
- A pupil with a term-time holiday takes one this school year a few weeks ago (so the
  penalty-notice threshold opens a case on evidence recent enough, within the federation's 12
  school weeks) and one in another half term of last year.
- `overrides` are sessions whose code an event decided (approved leave, a part-time timetable,
  a long illness): they replace what the profile gave.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.utils import timezone

from registers.codes import ABSENT_OTHER, NOT_YET_ESTABLISHED
from registers.lib.calendar import AM, academic_year_start

from .calendar import half_terms
from .marks import PlannedMark, Profile, open_days, pupil_marks
from .plan import COMPULSORY_YEARS, PlannedGroup, PlannedPupil, SchoolInfo

# One register in this many is taken after its register closed (the head's weekly list).
TAKEN_LATE_ONE_IN = 150
# The recent holiday is taken this many school weeks before today's week (so the evidence is
# recent, and the absence not in the last days, where an unexplained absence is still N).
RECENT_HOLIDAY_WEEKS = range(2, 8)

Session = tuple[date, str]


class PlannedRegister(NamedTuple):
    school_urn: str
    group: str
    date: date
    session: str
    teacher: str
    taken_at: datetime
    late: bool


@dataclass(frozen=True)
class SchoolHistory:
    """What to mark at one school: its sessions up to this morning and the classes whose
    registers are not yet taken this morning."""

    school: SchoolInfo
    today: date
    untaken: frozenset[str]  # class names

    @property
    def sessions(self) -> tuple[Session, ...]:
        return tuple(
            (day, session)
            for day, session in self.school.sessions
            if day < self.today or (day == self.today and session == AM)
        )


def _aware(naive: datetime, aware: dict[datetime, datetime]) -> datetime:
    found = aware.get(naive)
    if found is None:
        found = aware[naive] = timezone.make_aware(naive, timezone.get_default_timezone())
    return found


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def recent_holiday_weeks(sessions: tuple[Session, ...]) -> list[date]:
    """The Mondays of the school weeks a recent holiday may start in, latest last."""
    weeks = sorted({_week(day) for day, _ in sessions})
    picks = [weeks[-1 - back] for back in RECENT_HOLIDAY_WEEKS if back < len(weeks)]
    return sorted(picks)


def school_registers(
    *, rng: random.Random, history: SchoolHistory, groups: list[PlannedGroup], aware: dict
) -> Iterator[PlannedRegister]:
    """Each class's register at every session, taken when it opened (a few after it closed)."""
    school = history.school
    for group in groups:
        phase = school.phase_for(group.year_groups[0])
        for day, session in history.sessions:
            if day == history.today and group.name in history.untaken:
                continue
            opens, closes = (
                (phase.am_start, phase.am_register_closes)
                if session == AM
                else (phase.pm_register_opens, phase.pm_register_closes)
            )
            late = rng.randrange(TAKEN_LATE_ONE_IN) == 0 and day != history.today
            at = datetime.combine(day, closes if late else opens) + timedelta(
                minutes=rng.randint(5, 25) if late else rng.randint(0, 4)
            )
            yield PlannedRegister(
                school.urn, group.name, day, session, group.teacher, _aware(at, aware), late
            )


def _on_roll(pupil: PlannedPupil, sessions: list[Session]) -> list[Session]:
    last = pupil.leaving_date or date.max
    return [(day, session) for day, session in sessions if pupil.start_date <= day <= last]


def _holidays(
    rng: random.Random, history: SchoolHistory, parts: list[list[Session]]
) -> dict[int, date | None]:
    """The half terms (by index) a pupil takes a week's holiday in: one a few school weeks ago,
    from that week's Monday, and one in another half term of last school year (any week)."""
    holidays: dict[int, date | None] = {}
    weeks = recent_holiday_weeks(tuple(s for part in parts for s in part))
    if weeks:
        week = rng.choice(weeks)
        for index, part in enumerate(parts):
            if part and part[0][0] <= week + timedelta(days=6) and part[-1][0] >= week:
                holidays[index] = week
    this_year = history.school.year_first_day(academic_year_start(history.today))
    last_year = [
        index
        for index, part in enumerate(parts)
        if part and part[0][0] < this_year and index not in holidays
    ]
    if last_year:
        holidays[rng.choice(last_year)] = None
    return holidays


def pupil_history(
    *,
    rng: random.Random,
    history: SchoolHistory,
    pupil: PlannedPupil,
    teachers: dict[str, str],
    overrides: dict[Session, tuple[str, int | None]],
    aware: dict,
) -> Iterator[PlannedMark]:
    """One pupil's marks: every session on roll up to this morning, half term by half term.

    Steps: cut the sessions into half terms; choose the holiday's half terms and week for a
    pupil who takes one; mark each half term from the profile; turn `N` into `O` before the
    last half term; apply the overrides; leave out this morning if the class's register is not
    yet taken.
    """
    school = history.school
    parts = [_on_roll(pupil, part) for part in half_terms(history.sessions)]
    holidays = _holidays(rng, history, parts) if pupil.profile is Profile.HOLIDAY else {}
    phase = school.phase_for(pupil.year_group)
    last = len(parts) - 1
    skip_today = pupil.group in history.untaken
    for index, part in enumerate(parts):
        if not part:
            continue
        days = open_days(part)
        profile = pupil.profile
        if profile is Profile.HOLIDAY and index not in holidays:
            profile = Profile.GOOD
        for mark in pupil_marks(
            rng=rng,
            upn=pupil.upn,
            school_urn=school.urn,
            sessions=part,
            days=days,
            phase=phase,
            teacher="",
            profile=profile,
            part_time=pupil.year_group == "N1",
            compulsory_age=pupil.year_group in COMPULSORY_YEARS,
            medical_condition=pupil.medical_condition,
            aware=aware,
            holiday_from=holidays.get(index),
        ):
            if mark.date == history.today and skip_today:
                continue
            code, minutes = mark.code, mark.minutes_late
            if code == NOT_YET_ESTABLISHED and index != last:
                code = ABSENT_OTHER
            if (decided := overrides.get((mark.date, mark.session))) is not None:
                code, minutes = decided
            in_last_year = pupil.previous_end is not None and mark.date <= pupil.previous_end
            group = pupil.previous_group if in_last_year else pupil.group
            yield mark._replace(
                code=code, minutes_late=minutes, recorded_by=teachers[group or pupil.group]
            )
