"""`trust_generate`: a synthetic trust at scale, for benchmarks and load tests.

`python manage.py generate_trust --schools 50 --pupils-per-school 500 --years 1 --seed 1` makes
50 primary schools with their calendars, 25,000 made-up pupils with classes and parents, staff
for every role, and a register mark for every pupil and school session of the year (about 9.6
million), the same for the same arguments every time.

It is the demo's generator at another size, not a second one: the classes, pupils, parents and
staff are planned by `plan._Planner` and every pupil's marks by `marks.pupil_marks` (one call per
half term, as it was written for), and the rows are written by the demo's `_write`. Only the
calendars (made here and loaded through the ordinary config loader) and the marks' path into the
database differ: `load.BulkRows` (PostgreSQL COPY, batched inserts elsewhere).

Steps: refuse a database that has data unless asked to replace it (then empty the project's
tables, keeping the code catalogue); load the calendars; plan the people (pure, seeded); write
them; then, school by school, plan and write the marks and the registers taken, so the millions
of marks never sit in memory together.
"""

import math
import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from core.errors import DomainError, FileRejected
from registers.codes import ABSENT_OTHER, NOT_YET_ESTABLISHED
from registers.lib.calendar import AM, PM
from registers.lib.partitions import partitions_ensure
from registers.models import (
    Federation,
    Pupil,
    RegistrationGroup,
    Role,
    School,
)
from registers.services.school_config import school_config_load

from .calendar import half_terms, may_bank_holiday, school_year_terms
from .layouts import ClassLayout, class_position, school_slug
from .load import BulkRows, bulk_load_begin, bulk_load_end, vacuum
from .marks import Profile, open_days, pupil_marks
from .plan import (
    COMPULSORY_YEARS,
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
# The last school year with marks: the pupils' year groups are as then.
LAST_SCHOOL_YEAR = 2025
YEAR_GROUPS = ("R", "1", "2", "3", "4", "5", "6")
CLASS_LIMIT = 30  # the infant class-size limit, kept for the juniors too
MINIMUM_PUPILS_PER_SCHOOL = len(YEAR_GROUPS)

_PLACES = (
    "Ashbrook", "Bramley", "Coldwell", "Dunmore", "Elmstead", "Fernhill", "Greyford", "Hollins",
    "Ivington", "Kingsland", "Lyonshall", "Moreton", "Norbury", "Orleton", "Pembridge",
    "Quarry Bank", "Risbury", "Stoke Lacy", "Tarrington", "Upton Bishop", "Vowchurch",
    "Weobley", "Yarpole", "Almeley", "Bosbury",
)  # fmt: skip
_SUFFIXES = ("", " Green", " Cross", " Heath")


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
            may_day = may_bank_holiday(start_year)
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
    planner = _Planner(year=LAST_SCHOOL_YEAR)
    planner.rng = random.Random(f"{seed}:people")
    layout = school_layout(pupils_per_school)
    for number, school in enumerate(schools, start=1):
        first_day = school.sessions[0][0] if school.sessions else date(LAST_SCHOOL_YEAR, 9, 3)
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
            planner.pupils(
                school,
                f"{5000 + number:04d}",
                group,
                families,
                first_day=first_day,
            )
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


def _school_marks(
    *,
    rows: BulkRows,
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
        first_day = min(day for info in infos for day, _ in info.sessions)
        last_day = max(day for info in infos for day, _ in info.sessions)
        # PostgreSQL: each school year's marks in a partition of its own, not the default one.
        partitions_ensure(connection, today=timezone.localdate(), also=(first_day, last_day))
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
        rows = BulkRows()
        aware: dict = {}
        restore = bulk_load_begin()
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
        progress("  building the marks table's indexes and counting the pupil weeks ...")
        bulk_load_end(restore)
    vacuum()
    return TrustResult(
        schools=len(infos),
        pupils=len(plan.pupils),
        contacts=len(plan.contacts),
        staff=len(plan.staff),
        groups=len(plan.groups),
        marks=rows.count_marks,
        registers=rows.count_registers,
        first_day=first_day,
        last_day=last_day,
        seconds=clock.perf_counter() - started,
        password=DEMO_PASSWORD,
        logins=plan.logins,
    )
