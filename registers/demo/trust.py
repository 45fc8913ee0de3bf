"""`trust_generate`: a synthetic trust at scale, for benchmarks and load tests.

`python manage.py generate_trust --schools 50 --pupils-per-school 500 --years 1 --seed 1` makes
50 primary schools with their calendars, 25,000 made-up pupils with classes and parents, staff
for every role, and a register mark for every pupil and school session of the year (about 9.6
million), the same for the same arguments every time.

It is the demo's generator at another size, not a second one: the classes, pupils, parents and
staff are planned by `plan._Planner` and every pupil's marks by `marks.pupil_marks` (one call per
half term, as it was written for), and the rows are written by the demo's `_write`. Only the
calendars (made here and loaded through the ordinary config loader) and the marks' path into the
database differ: PostgreSQL COPY (through psycopg 3), bulk inserts elsewhere.

Steps: refuse a database that has data unless asked to replace it (then empty the project's
tables, keeping the code catalogue); load the calendars; plan the people (pure, seeded); write
them; then, school by school, plan and write the marks and the registers taken, so the millions
of marks never sit in memory together.
"""

import io
import math
import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from registers.codes import ABSENT_OTHER, NOT_YET_ESTABLISHED
from registers.errors import DomainError, FileRejected
from registers.lib.calendar import AM, PM
from registers.lib.pupil_weeks import pupil_weeks_rebuild
from registers.models import (
    Contact,
    Enrolment,
    Federation,
    Mark,
    MarkSource,
    Pupil,
    PupilWeek,
    Register,
    RegistrationGroup,
    Role,
    School,
    SchoolDay,
)
from registers.services.school_config import school_config_load

from .layouts import ClassLayout, class_position, school_slug
from .marks import Profile, open_days, pupil_marks
from .plan import (
    COMPULSORY_YEARS,
    YEAR,
    DemoLogin,
    DemoPlan,
    FederationInfo,
    PlannedGroup,
    SchoolInfo,
    _Planner,
)
from .schools import school_infos
from .seed import ADMIN_USERNAME, DEMO_PASSWORD, _write

TRUST_NAME = "Synthetic Trust"
TRUST_SLUG = "synthetic"
# The last school year with marks is the demo's (2025/26): the pupils' year groups are as then.
LAST_SCHOOL_YEAR = YEAR
YEAR_GROUPS = ("R", "1", "2", "3", "4", "5", "6")
CLASS_LIMIT = 30  # the infant class-size limit, kept for the juniors too
MINIMUM_PUPILS_PER_SCHOOL = len(YEAR_GROUPS)
# A holiday (school closed) is longer than a weekend plus a bank holiday: a half term ends there.
HALF_TERM_GAP = timedelta(days=7)

_PLACES = (
    "Ashbrook", "Bramley", "Coldwell", "Dunmore", "Elmstead", "Fernhill", "Greyford", "Hollins",
    "Ivington", "Kingsland", "Lyonshall", "Moreton", "Norbury", "Orleton", "Pembridge",
    "Quarry Bank", "Risbury", "Stoke Lacy", "Tarrington", "Upton Bishop", "Vowchurch",
    "Weobley", "Yarpole", "Almeley", "Bosbury",
)  # fmt: skip
_SUFFIXES = ("", " Green", " Cross", " Heath")

MARK_COLUMNS = (
    "pupil_id",
    "school_id",
    "date",
    "session",
    "code",
    "minutes_late",
    "source",
    "recorded_by_id",
    "recorded_at",
    "version",
)
REGISTER_COLUMNS = (
    "school_id",
    "group_id",
    "date",
    "session",
    "taken_by_id",
    "taken_at",
    "last_saved_by_id",
    "last_saved_at",
    "taken_after_close",
)


class TrustRefused(DomainError):
    pass


@dataclass(frozen=True)
class TrustResult:
    schools: int
    pupils: int
    contacts: int
    staff: int
    groups: int
    marks: int
    registers: int
    first_day: date
    last_day: date
    seconds: float
    password: str
    logins: list[DemoLogin]


def trust_problems(*, schools: int, pupils_per_school: int, years: int) -> list[str]:
    problems = []
    if not 1 <= schools <= len(_PLACES) * len(_SUFFIXES) * 10:
        problems.append(f"--schools must be between 1 and {len(_PLACES) * len(_SUFFIXES) * 10}.")
    if not MINIMUM_PUPILS_PER_SCHOOL <= pupils_per_school <= 5000:
        problems.append(
            f"--pupils-per-school must be between {MINIMUM_PUPILS_PER_SCHOOL} (a pupil in each "
            "year group R-6) and 5000."
        )
    if not 0 <= years <= 10:
        problems.append("--years must be between 0 (calendars and people, no marks) and 10.")
    return problems


def database_has_data() -> bool:
    return Federation.objects.exists() or get_user_model().objects.exists()


def school_name(number: int) -> str:
    """The number-th school's name, distinct for each and giving a distinct username slug."""
    place = _PLACES[number % len(_PLACES)]
    suffix = _SUFFIXES[number // len(_PLACES) % len(_SUFFIXES)]
    round_ = number // (len(_PLACES) * len(_SUFFIXES))
    return f"{place}{suffix}{f' {round_ + 1}' if round_ else ''} Primary School"


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _first_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _last_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def school_year_terms(start_year: int) -> list[dict]:
    """An English school year's three terms, as a local authority might set them.

    For 2025/26 these are the dates the threshold benchmark always used: 3 Sep - 19 Dec 2025,
    5 Jan - 27 Mar 2026, 13 Apr - 22 Jul 2026, with the half terms of 27 Oct, 16 Feb and 25 May.
    """
    year, next_year = start_year, start_year + 1

    def week_of(day: date) -> tuple[date, date]:
        monday = _weekday_on_or_before(day, 0)
        return monday, monday + timedelta(days=4)

    autumn_half = week_of(date(year, 10, 28))
    spring_half = week_of(date(next_year, 2, 17))
    # The late May bank holiday week: the last Monday of May.
    summer_half = week_of(_weekday_on_or_before(date(next_year, 5, 31), 0))
    return [
        {
            "name": f"Autumn {year}",
            "start": _first_weekday(date(year, 9, 3)),
            "end": _weekday_on_or_before(date(year, 12, 20), 4),
            "half_term_start": autumn_half[0],
            "half_term_end": autumn_half[1],
        },
        {
            "name": f"Spring {next_year}",
            "start": _weekday_on_or_after(date(next_year, 1, 5), 0),
            "end": _weekday_on_or_before(date(next_year, 3, 28), 4),
            "half_term_start": spring_half[0],
            "half_term_end": spring_half[1],
        },
        {
            "name": f"Summer {next_year}",
            "start": _weekday_on_or_after(date(next_year, 4, 13), 0),
            "end": _last_weekday(date(next_year, 7, 22)),
            "half_term_start": summer_half[0],
            "half_term_end": summer_half[1],
        },
    ]


def school_years(years: int) -> list[int]:
    """The school years with a calendar: those with marks, or just the last one for 0."""
    return list(range(LAST_SCHOOL_YEAR - max(years, 1) + 1, LAST_SCHOOL_YEAR + 1))


def _teaching_days(term: dict) -> list[date]:
    days, day = [], term["start"]
    while day <= term["end"]:
        if day.weekday() < 5 and not term["half_term_start"] <= day <= term["half_term_end"]:
            days.append(day)
        day += timedelta(days=1)
    return days


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def trust_config(*, schools: int, years: int, seed: int) -> dict:
    """The trust as a school-config document: what `load_school_config` reads from YAML.

    Each school has its own start of day and two INSET days a year; every school closes on the
    early May bank holiday.
    """
    rng = random.Random(f"{seed}:calendar")
    entries = []
    for number in range(schools):
        am_start = datetime.combine(date(2000, 1, 1), time(8, rng.choice((40, 45, 50))))
        pm_opens = datetime.combine(date(2000, 1, 1), time(13, rng.choice((0, 10, 15))))
        terms, closures = [], []
        for start_year in school_years(years):
            year_terms = school_year_terms(start_year)
            terms += year_terms
            may_day = _weekday_on_or_after(date(start_year + 1, 5, 1), 0)
            closures.append({"date": may_day, "sessions": [AM, PM], "reason": "Bank holiday"})
            days = [d for term in year_terms for d in _teaching_days(term) if d != may_day]
            closures += [
                {"date": day, "sessions": [AM, PM], "reason": "INSET"}
                for day in sorted(rng.sample(days, 2))
            ]
        entries.append(
            {
                "urn": f"{800001 + number:06d}",
                "name": school_name(number),
                "la_code": f"{rng.choice((884, 885, 893, 894)):03d}",
                "address": f"School Lane\n{school_name(number).replace(' Primary School', '')}",
                "session_times": [
                    {
                        "year_groups": list(YEAR_GROUPS),
                        "gates_open": _clock(am_start - timedelta(minutes=10)),
                        "am_start": _clock(am_start),
                        "am_register_closes": _clock(
                            am_start + timedelta(minutes=rng.choice((10, 15)))
                        ),
                        "pm_register_opens": _clock(pm_opens),
                        "pm_register_closes": _clock(pm_opens + timedelta(minutes=10)),
                        "end": "15:15",
                    }
                ],
                "terms": terms,
                "closures": closures,
            }
        )
    return {"federation": {"name": TRUST_NAME}, "schools": entries}


def school_layout(pupils: int) -> tuple[ClassLayout, ...]:
    """Classes of at most 30 for one school: the pupils spread evenly over R-6."""
    layout = []
    for index, year in enumerate(YEAR_GROUPS):
        in_year = pupils // len(YEAR_GROUPS) + (1 if index < pupils % len(YEAR_GROUPS) else 0)
        classes = math.ceil(in_year / CLASS_LIMIT)
        for letter in range(classes):
            size = in_year // classes + (1 if letter < in_year % classes else 0)
            layout.append(ClassLayout(f"{year}{'ABCDEFGHIJKLMNOP'[letter]}", (year,), size))
    return tuple(c for c in layout if c.size)


def trust_plan(*, schools: list[SchoolInfo], pupils_per_school: int, seed: int) -> DemoPlan:
    """Staff, classes, pupils and parents (no marks), decided from the seed alone."""
    planner = _Planner()
    planner.rng = random.Random(f"{seed}:people")
    layout = school_layout(pupils_per_school)
    for number, school in enumerate(schools, start=1):
        slug = school_slug(school.name)
        planner.plan.slugs.append(slug)
        families: list = []
        for index, group in enumerate(layout, start=1):
            username = f"{Role.TEACHER.value}{index if index > 1 else ''}.{slug}"
            planner.staff(username, school, Role.TEACHER, class_position(group.year_groups))
            planner.plan.groups.append(
                PlannedGroup(school.urn, group.name, group.year_groups, username)
            )
            # A UPN's establishment number: 4 digits, distinct per school.
            planner.pupils(school, f"{5000 + number:04d}", group, families)
        for role, position in (
            (Role.OFFICE, "Office manager"),
            (Role.ATTENDANCE_LEAD, "Attendance lead"),
            (Role.HEAD, "Headteacher"),
            (Role.GOVERNOR, "Governor"),
        ):
            planner.staff(f"{role.value}.{slug}", school, role, position)
    planner.profiles(planner.plan.pupils, FederationInfo(TRUST_SLUG, TRUST_NAME, tuple(schools)))
    username = f"fedadmin.{TRUST_SLUG}"
    planner.staff(username, schools[0], Role.FEDERATION_ADMIN, "Trust data manager")
    first = planner.plan.slugs[0]
    planner.plan.logins = [
        DemoLogin("teacher", f"teacher.{first}", "class RA; teacher2 ... for the others"),
        DemoLogin("office", f"office.{first}"),
        DemoLogin("attendance lead", f"attendance_lead.{first}"),
        DemoLogin("head", f"head.{first}"),
        DemoLogin("federation admin", username, "every school of the trust"),
    ]
    return planner.plan


def half_terms(sessions: tuple[tuple[date, str], ...]) -> list[list[tuple[date, str]]]:
    """The calendar's sessions cut at every holiday: one list per half term."""
    parts: list[list[tuple[date, str]]] = []
    previous = None
    for day, session in sessions:
        if previous is None or day - previous > HALF_TERM_GAP:
            parts.append([])
        parts[-1].append((day, session))
        previous = day
    return parts


class _Rows:
    """Marks and registers as COPY text lines (PostgreSQL) or model objects (elsewhere)."""

    def __init__(self, copy: bool) -> None:
        self.copy = copy
        self.marks: list = []
        self.registers: list = []
        self.count_marks = 0
        self.count_registers = 0
        self._stamps: dict[datetime, str] = {}
        self._days: dict[date, str] = {}
        self._source = MarkSource.REGISTER.value

    def stamp(self, moment: datetime) -> str:
        text = self._stamps.get(moment)
        if text is None:
            text = self._stamps[moment] = moment.isoformat()
        return text

    def mark(self, pupil_id, school_id, day, session, code, minutes, user_id, at) -> None:
        self.count_marks += 1
        if self.copy:
            escaped = "\\\\" if code == "\\" else code
            late = "\\N" if minutes is None else str(minutes)
            iso = self._days.get(day) or self._days.setdefault(day, day.isoformat())
            stamp = self._stamps.get(at) or self.stamp(at)
            self.marks.append(
                f"{pupil_id}\t{school_id}\t{iso}\t{session}\t{escaped}\t{late}\t"
                f"{self._source}\t{user_id}\t{stamp}\t1\n"
            )
        else:
            self.marks.append(
                Mark(
                    pupil_id=pupil_id,
                    school_id=school_id,
                    date=day,
                    session=session,
                    code_id=code,
                    minutes_late=minutes,
                    source=MarkSource.REGISTER,
                    recorded_by_id=user_id,
                    recorded_at=at,
                )
            )

    def register(self, school_id, group_id, day, session, user_id, at) -> None:
        self.count_registers += 1
        if self.copy:
            stamp = self.stamp(at)
            self.registers.append(
                f"{school_id}\t{group_id}\t{day.isoformat()}\t{session}\t{user_id}\t{stamp}\t"
                f"{user_id}\t{stamp}\tf\n"
            )
        else:
            self.registers.append(
                Register(
                    school_id=school_id,
                    group_id=group_id,
                    date=day,
                    session=session,
                    taken_by_id=user_id,
                    taken_at=at,
                    last_saved_by_id=user_id,
                    last_saved_at=at,
                )
            )

    def flush(self) -> None:
        if self.copy:
            with connection.cursor() as cursor:
                _copy(cursor, "registers_mark", MARK_COLUMNS, self.marks)
                _copy(cursor, "registers_register", REGISTER_COLUMNS, self.registers)
        else:
            Mark.objects.bulk_create(self.marks, batch_size=2000)
            Register.objects.bulk_create(self.registers, batch_size=2000)
        self.marks, self.registers = [], []


def _copy(cursor, table: str, columns: tuple[str, ...], lines: list[str]) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    # Django's cursor wrapper hands the psycopg 3 cursor over for COPY.
    with cursor.cursor.copy(statement) as copy:
        buffer = io.StringIO()
        for start in range(0, len(lines), 20000):
            buffer.seek(0)
            buffer.truncate()
            buffer.writelines(lines[start : start + 20000])
            copy.write(buffer.getvalue())


def _school_marks(
    *,
    rows: _Rows,
    rng: random.Random,
    school: SchoolInfo,
    school_id: int,
    pupils: list,
    pupil_ids: dict[str, int],
    teachers: dict[str, int],
    groups: dict[str, int],
    aware: dict,
    years: int,
) -> None:
    """Every pupil's marks for every half term of the marked years, and each class's registers.

    A persistent or severe absentee is so in every half term; a pupil with a term-time holiday
    takes it in one half term a year. An unexplained absence is still 'N' only in the last half
    term: in earlier ones the office has long since recorded it as 'O'.
    """
    if years == 0:
        return  # calendars, people and classes only
    parts = [(part, open_days(part)) for part in half_terms(school.sessions)]
    # The holiday's half term, per pupil and school year.
    by_year: dict[int, list[int]] = {}
    for index, (part, _days) in enumerate(parts):
        start = part[0][0]
        by_year.setdefault(start.year if start.month >= 8 else start.year - 1, []).append(index)
    for pupil in pupils:
        holidays = {rng.choice(indexes) for indexes in by_year.values()}
        phase = school.phase_for(pupil.year_group)
        for index, (part, days) in enumerate(parts):
            profile = pupil.profile
            if profile is Profile.HOLIDAY and index not in holidays:
                profile = Profile.GOOD
            last = index == len(parts) - 1
            for mark in pupil_marks(
                rng=rng,
                upn=pupil.upn,
                school_urn=school.urn,
                sessions=part,
                days=days,
                phase=phase,
                teacher="",
                profile=profile,
                part_time=False,
                compulsory_age=pupil.year_group in COMPULSORY_YEARS,
                medical_condition=pupil.medical_condition,
                aware=aware,
            ):
                code = mark.code
                if code == NOT_YET_ESTABLISHED and not last:
                    code = ABSENT_OTHER
                rows.mark(
                    pupil_ids[pupil.upn],
                    school_id,
                    mark.date,
                    mark.session,
                    code,
                    mark.minutes_late,
                    teachers[pupil.group],
                    mark.recorded_at,
                )
    # A register for each class and session: taken when the register opened.
    phase = school.phases[0].times  # R-6 keep one day here
    for group, group_id in groups.items():
        for part, _days in parts:
            for day, session in part:
                opens = phase.am_start if session == AM else phase.pm_register_opens
                naive = datetime.combine(day, opens) + timedelta(minutes=rng.randint(0, 4))
                at = aware.get(naive)
                if at is None:
                    at = aware[naive] = timezone.make_aware(naive)
                rows.register(school_id, group_id, day, session, teachers[group], at)


def _empty_database() -> None:
    """Every table of the project and of users emptied, except the code catalogue (data loaded
    by migration) and Django's content types and permissions."""
    keep = {"registers_attendancecode", "django_content_type", "auth_permission"}
    tables = sorted(
        name
        for name in connection.introspection.django_table_names(only_existing=True)
        if name not in keep
    )
    statements = connection.ops.sql_flush(
        no_style(), tables, reset_sequences=False, allow_cascade=True
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred foreign-key checks still pending (rows
            # written earlier in the same transaction): run those checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in statements:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _bulk_load_begin() -> list[str]:
    """PostgreSQL: load the marks as a restore would; returns the statements that end it.

    The rows are consistent by construction, so their foreign-key checks (index probes and row
    locks for every mark) are skipped where the role may (superuser), and the marks table's
    nine secondary indexes are dropped and built once at the end rather than row by row: most
    of the load time otherwise, on a machine of two cores. The triggers counting pupil weeks
    are off too; the weeks are counted once at the end.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass  # not a superuser: the checks run
    table = Mark._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = %s::regclass AND NOT indisprimary",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    return [
        *(definition for _name, definition in indexes),
        *(
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for name, definition in constraints
        ),
        f"ALTER TABLE {table} ENABLE TRIGGER USER",
        "SET LOCAL session_replication_role = DEFAULT",
    ]


def _bulk_load_end(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in statements:
            cursor.execute(statement)
    pupil_weeks_rebuild(connection)


def _vacuum() -> None:
    """Planner statistics and a visibility map for the new rows, as autovacuum would make."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return  # VACUUM cannot run in a transaction (a test's)
    with connection.cursor() as cursor:
        for model in (Mark, PupilWeek, Register, Enrolment, Pupil, SchoolDay, Contact):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def trust_generate(
    *,
    schools: int,
    pupils_per_school: int,
    years: int,
    seed: int,
    replace: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> TrustResult:
    """Build the trust; refused on a database with data unless `replace`."""
    problems = trust_problems(schools=schools, pupils_per_school=pupils_per_school, years=years)
    if problems:
        raise TrustRefused(" ".join(problems))
    if database_has_data() and not replace:
        raise TrustRefused(
            "The database already has data. Use a fresh database, or --replace to empty it "
            "first (every federation, pupil, mark and user in it is deleted)."
        )
    started = clock.perf_counter()
    copy = connection.vendor == "postgresql"
    with transaction.atomic():
        if replace:
            _empty_database()
        config = trust_config(schools=schools, years=years, seed=seed)
        try:
            school_config_load(data=config)
        except FileRejected as rejected:  # a fault of this generator, not of its arguments
            raise TrustRefused("; ".join(map(str, rejected.errors))) from None
        infos = school_infos(urns=[entry["urn"] for entry in config["schools"]])
        plan = trust_plan(schools=infos, pupils_per_school=pupils_per_school, seed=seed)
        _write(plan)
        # The demo's site administrator is not part of the trust.
        get_user_model().objects.filter(username=ADMIN_USERNAME).delete()
        progress(
            f"  calendars, {len(plan.pupils):,} pupils and {len(plan.staff):,} staff written "
            f"({clock.perf_counter() - started:.0f} s)"
        )
        user_ids = dict(get_user_model().objects.values_list("username", "pk"))
        pupil_ids = dict(Pupil.objects.values_list("upn", "pk"))
        school_ids = dict(School.objects.values_list("urn", "pk"))
        group_ids = {
            (urn, name): pk
            for urn, name, pk in RegistrationGroup.objects.values_list("school__urn", "name", "pk")
        }
        pupils_by_school: dict[str, list] = {}
        for pupil in plan.pupils:
            pupils_by_school.setdefault(pupil.school_urn, []).append(pupil)
        rows = _Rows(copy)
        aware: dict = {}
        if copy:
            restore = _bulk_load_begin()
        for number, school in enumerate(infos, start=1):
            groups = [g for g in plan.groups if g.school_urn == school.urn]
            _school_marks(
                rows=rows,
                rng=random.Random(f"{seed}:marks:{school.urn}"),
                school=school,
                school_id=school_ids[school.urn],
                pupils=pupils_by_school.get(school.urn, []),
                pupil_ids=pupil_ids,
                teachers={g.name: user_ids[g.teacher] for g in groups},
                groups={g.name: group_ids[school.urn, g.name] for g in groups},
                aware=aware,
                years=years,
            )
            rows.flush()
            if number % 10 == 0 or number == len(infos):
                progress(
                    f"  marks of {number} of {len(infos)} schools written "
                    f"({rows.count_marks:,} marks, {clock.perf_counter() - started:.0f} s)"
                )
        if copy:
            progress("  building the marks table's indexes ...")
            _bulk_load_end(restore)
    _vacuum()
    all_sessions = [s for info in infos for s in info.sessions]
    return TrustResult(
        schools=len(infos),
        pupils=len(plan.pupils),
        contacts=len(plan.contacts),
        staff=len(plan.staff),
        groups=len(plan.groups),
        marks=rows.count_marks,
        registers=rows.count_registers,
        first_day=min(day for day, _ in all_sessions),
        last_day=max(day for day, _ in all_sessions),
        seconds=clock.perf_counter() - started,
        password=DEMO_PASSWORD,
        logins=plan.logins,
    )
