"""The demo data as plain values, decided before anything is written.

Planning is pure: no database, no clock, one `random.Random` with a fixed seed, and the schools'
calendars passed in. So the same shipped configuration always gives the same pupils, parents,
staff and marks, and a test can plan twice and compare. `seed.py` turns the plan into rows.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from registers.lib.upn import upn_check_letter
from registers.models import Role

from . import names
from .layouts import ClassLayout, class_position, class_years_label, school_layout, school_slug
from .marks import Phase, PlannedMark, Profile, open_days, pupil_marks

SEED = 20250903
# The school year the demo is set in: 2025/26, whose first half term it fills with marks.
YEAR = 2025
HALF_TERM_FIRST_DAY = date(2025, 9, 3)
HALF_TERM_LAST_DAY = date(2025, 10, 24)
NURSERY = ("N1", "N2")
COMPULSORY_YEARS = ("1", "2", "3", "4", "5", "6")


@dataclass(frozen=True)
class PhaseInfo:
    year_groups: tuple[str, ...]
    times: Phase


@dataclass(frozen=True)
class SchoolInfo:
    urn: str
    name: str
    la_code: str
    phases: tuple[PhaseInfo, ...]
    sessions: tuple[tuple[date, str], ...]  # the half term's school sessions, in order

    def phase_for(self, year_group: str) -> Phase:
        for phase in self.phases:
            if year_group in phase.year_groups:
                return phase.times
        return self.phases[0].times

    @property
    def year_groups(self) -> list[str]:
        return [year for phase in self.phases for year in phase.year_groups]


@dataclass(frozen=True)
class FederationInfo:
    slug: str
    name: str
    schools: tuple[SchoolInfo, ...]


@dataclass(frozen=True)
class PlannedStaff:
    username: str
    first_name: str
    last_name: str
    school_urn: str
    role: str
    position: str


@dataclass(frozen=True)
class PlannedGroup:
    school_urn: str
    name: str
    year_groups: tuple[str, ...]
    teacher: str


@dataclass(frozen=True)
class PlannedContact:
    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class PlannedLink:
    """A pupil's contact; the pupil lists them in priority order."""

    contact: int  # index into DemoPlan.contacts
    relationship: str
    parental_responsibility: bool


@dataclass
class PlannedPupil:
    upn: str
    legal_forename: str
    legal_surname: str
    preferred_forename: str
    date_of_birth: date
    year_group: str
    sen_support: bool
    ehc_plan: bool
    fsm: bool
    social_worker: bool
    medical_condition: bool
    school_urn: str
    group: str
    start_date: date
    group_start: date
    contacts: tuple[PlannedLink, ...]
    profile: Profile = Profile.GOOD


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    note: str = ""


@dataclass
class DemoPlan:
    staff: list[PlannedStaff] = field(default_factory=list)
    groups: list[PlannedGroup] = field(default_factory=list)
    contacts: list[PlannedContact] = field(default_factory=list)
    pupils: list[PlannedPupil] = field(default_factory=list)
    marks: list[PlannedMark] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)


@dataclass
class _Family:
    surname: str
    links: tuple[PlannedLink, ...]
    year_groups: set[str] = field(default_factory=set)


# A pupil's contacts: (weight, [(sex, relationship, parental responsibility, same surname)]).
# Parental responsibility is per child: a step-parent or grandparent is a contact without it.
_FAMILY_SHAPES: tuple[tuple[int, tuple[tuple[str, str, bool, bool], ...]], ...] = (
    (42, (("F", "Mother", True, True), ("M", "Father", True, True))),
    (18, (("M", "Father", True, True), ("F", "Mother", True, False))),
    (12, (("F", "Mother", True, True), ("F", "Grandmother", False, False))),
    (10, (("F", "Mother", True, True),)),
    (3, (("M", "Father", True, True),)),
    (8, (("F", "Mother", True, True), ("M", "Stepfather", False, False))),
    (2, (("F", "Parent", True, True), ("F", "Parent", True, False))),
    (2, (("F", "Foster carer", False, False), ("M", "Foster carer", False, False))),
    (3, (("F", "Special guardian (grandmother)", True, True), ("M", "Uncle", False, True))),
)


def _first_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _offset(year_group: str) -> int:
    """Years above Reception: N1 is -2, Year 6 is 6."""
    return {"N1": -2, "N2": -1, "R": 0}[year_group] if not year_group.isdigit() else int(year_group)


class _Planner:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.plan = DemoPlan()
        self.serials: dict[tuple[str, int], int] = {}
        self.emails: dict[str, int] = {}
        self.aware: dict[datetime, datetime] = {}

    def name(self, sex: str) -> tuple[str, str]:
        first = self.rng.choice(names.WOMEN if sex == "F" else names.MEN)
        return first, self.rng.choice(names.SURNAMES)

    def staff(self, username: str, school: SchoolInfo, role: str, position: str) -> None:
        first, last = self.name(self.rng.choice("FFFM"))
        self.plan.staff.append(PlannedStaff(username, first, last, school.urn, role, position))

    def upn(self, la_code: str, establishment: str, year: int) -> str:
        """A UPN as the school that first admitted the pupil would have allocated it."""
        serial = self.serials[establishment, year] = self.serials.get((establishment, year), 0) + 1
        body = f"{la_code}{establishment}{year % 100:02d}{serial:03d}"
        return upn_check_letter(body) + body

    def contact(self, sex: str, surname: str) -> int:
        first = self.rng.choice(names.WOMEN if sex == "F" else names.MEN)
        local = f"{first}.{surname}".lower().replace("'", "").replace(" ", "")
        seen = self.emails[local] = self.emails.get(local, 0) + 1
        number = len(self.plan.contacts)
        # Ofcom keeps 07700 900xxx and 01632 960xxx for drama: nobody real is ever rung.
        phone = f"07700 900{number:03d}" if number < 1000 else f"01632 960{number % 1000:03d}"
        email = f"{local}{seen if seen > 1 else ''}@example.org"
        self.plan.contacts.append(PlannedContact(f"{first} {surname}", phone, email))
        return number

    def family(self) -> _Family:
        shapes = [shape for _weight, shape in _FAMILY_SHAPES]
        weights = [weight for weight, _shape in _FAMILY_SHAPES]
        shape = self.rng.choices(shapes, weights)[0]
        surname = self.rng.choice(names.SURNAMES)
        links = tuple(
            PlannedLink(
                self.contact(sex, surname if same else self.rng.choice(names.SURNAMES)),
                relationship,
                responsibility,
            )
            for sex, relationship, responsibility, same in shape
        )
        return _Family(surname, links)

    def school(self, school: SchoolInfo, establishment: str) -> None:
        slug = school_slug(school.name)
        # The first school's staff are the sign-ins the command prints.
        example = not self.plan.slugs
        self.plan.slugs.append(slug)
        layout = school_layout(slug, school.year_groups)
        # The username without a number is the teacher of the Year 4 class, the demo's example.
        main = next((c for c in layout if "4" in c.year_groups), layout[0])
        number = 1
        families: list[_Family] = []
        for group in layout:
            if group is main:
                username = f"{Role.TEACHER.value}.{slug}"
            else:
                number += 1
                username = f"{Role.TEACHER.value}{number}.{slug}"
            self.staff(username, school, Role.TEACHER, class_position(group.year_groups))
            self.plan.groups.append(
                PlannedGroup(school.urn, group.name, group.year_groups, username)
            )
            self.pupils(school, establishment, group, families)
            if group is main and example:
                note = (
                    f"class {group.name}, {class_years_label(group.year_groups)}, at {school.name}"
                )
                self.plan.logins.append(DemoLogin("teacher", username, note))
        for role, position in (
            (Role.OFFICE, "Office manager"),
            (Role.ATTENDANCE_LEAD, "Attendance lead"),
            (Role.HEAD, "Headteacher"),
            (Role.GOVERNOR, "Governor"),
        ):
            username = f"{role.value}.{slug}"
            self.staff(username, school, role, position)
            if example:
                self.plan.logins.append(DemoLogin(role.label.lower(), username))

    def pupils(
        self, school: SchoolInfo, establishment: str, group: ClassLayout, families: list[_Family]
    ) -> None:
        rng = self.rng
        first_day = school.sessions[0][0] if school.sessions else HALF_TERM_FIRST_DAY
        for n in range(group.size):
            year_group = group.year_groups[n * len(group.year_groups) // group.size]
            offset = _offset(year_group)
            born = date(YEAR - 5 - offset, 9, 1) + timedelta(days=rng.randrange(365))
            entry_year = YEAR - max(offset, 0) - (1 if year_group == "N2" else 0)
            start = _first_weekday(date(entry_year, 9, 3)) if entry_year < YEAR else first_day
            allocated_by = establishment
            if year_group in COMPULSORY_YEARS and rng.random() < 0.1:
                # Joined from another school: starting day mid-year, UPN from the first school.
                allocated_by = f"{3000 + rng.randrange(400):04d}"
                start = date(entry_year + 1, 1, 6) + timedelta(rng.randrange(365 * offset - 200))
                if start.month == 8:
                    start = date(start.year, 9, 3)
                start = _first_weekday(start)
            family = rng.choice(families) if families and rng.random() < 0.22 else None
            if family is None or year_group in family.year_groups:
                family = self.family()
                families.append(family)
            family.year_groups.add(year_group)
            forename = rng.choice(names.GIRLS if rng.random() < 0.5 else names.BOYS)
            preferred = names.PREFERRED.get(forename, "") if rng.random() < 0.4 else ""
            sen = rng.random()
            social_worker = rng.random() < 0.03
            self.plan.pupils.append(
                PlannedPupil(
                    upn=self.upn(school.la_code, allocated_by, entry_year),
                    legal_forename=forename,
                    legal_surname=family.surname,
                    preferred_forename=preferred,
                    date_of_birth=born,
                    year_group=year_group,
                    sen_support=sen < 0.13,
                    ehc_plan=0.13 <= sen < 0.16,
                    fsm=rng.random() < (0.6 if social_worker else 0.19),
                    social_worker=social_worker,
                    medical_condition=rng.random() < 0.05,
                    school_urn=school.urn,
                    group=group.name,
                    start_date=min(start, first_day),
                    group_start=first_day,
                    contacts=family.links,
                )
            )

    def profiles(self, pupils: list[PlannedPupil], federation: FederationInfo) -> None:
        """Who misses school: a severe absentee, a few term-time holidays, persistent absence.

        Persistent absence is likelier in the cohorts the DfE reports on (free school meals, SEN,
        a social worker, a medical condition), as in the national figures.
        """
        compulsory = [p for p in pupils if p.year_group in COMPULSORY_YEARS]
        for pupil in compulsory:
            chance = 0.065
            chance *= 1.8 if pupil.fsm else 1
            chance *= 1.5 if pupil.sen_support or pupil.ehc_plan else 1
            chance *= 2.5 if pupil.social_worker else 1
            chance *= 1.5 if pupil.medical_condition else 1
            if self.rng.random() < chance:
                pupil.profile = Profile.PERSISTENT
        holidays = 2 + len(federation.schools) // 3
        special = self.rng.sample(compulsory, holidays + 1)
        special[0].profile = Profile.SEVERE
        for pupil in special[1:]:
            pupil.profile = Profile.HOLIDAY

    def marks(self, schools: dict[str, SchoolInfo]) -> None:
        teachers = {(g.school_urn, g.name): g.teacher for g in self.plan.groups}
        days = {urn: open_days(school.sessions) for urn, school in schools.items()}
        for pupil in self.plan.pupils:
            school = schools[pupil.school_urn]
            if not school.sessions:
                continue
            self.plan.marks.extend(
                pupil_marks(
                    rng=self.rng,
                    upn=pupil.upn,
                    school_urn=school.urn,
                    sessions=school.sessions,
                    days=days[school.urn],
                    phase=school.phase_for(pupil.year_group),
                    teacher=teachers[school.urn, pupil.group],
                    profile=pupil.profile,
                    part_time=pupil.year_group == "N1",
                    compulsory_age=pupil.year_group in COMPULSORY_YEARS,
                    medical_condition=pupil.medical_condition,
                    aware=self.aware,
                )
            )


def demo_plan(*, federations: list[FederationInfo]) -> DemoPlan:
    """Everything the demo will write, decided from the federations' calendars alone."""
    planner = _Planner()
    schools: dict[str, SchoolInfo] = {}
    for federation in federations:
        first_pupil = len(planner.plan.pupils)
        for school in federation.schools:
            schools[school.urn] = school
            planner.school(school, f"{2000 + len(schools):04d}")
        planner.profiles(planner.plan.pupils[first_pupil:], federation)
        username = f"fedadmin.{federation.slug}"
        planner.staff(
            username, federation.schools[0], Role.FEDERATION_ADMIN, "Federation data manager"
        )
        note = f"every school of {federation.name}"
        planner.plan.logins.append(DemoLogin("federation admin", username, note))
    planner.marks(schools)
    return planner.plan
