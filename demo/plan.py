"""The demo's people as plain values, decided before anything is written.

Planning is pure: no database, no clock, one `random.Random` with a fixed seed, and the schools'
calendars passed in. So the same shipped configuration and day always give the same pupils,
parents and staff, and a test can plan twice and compare. `seed.py` turns the plan into rows;
`history.py` plans the marks.

The pupils are a school's roll in the school year of the demo's day, with their year groups
then; last year's Year 6, who left in July, are on the roll of the year before. A pupil who was
at the school last year was in the class that then held the year group below theirs.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from registers.lib.upn import upn_check_letter
from registers.models import Role

from . import names
from .layouts import ClassLayout, class_position, class_years_label, school_layout, school_slug
from .marks import Phase, Profile

SEED = 20250903
NURSERY = ("N1", "N2")
COMPULSORY_YEARS = ("1", "2", "3", "4", "5", "6")
# Where last year's Year 6 went: made-up secondary schools.
SECONDARY_SCHOOLS = ("Marches Secondary School", "Wye Valley High School", "Lugg Academy")


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
    sessions: tuple[tuple[date, str], ...]  # the school sessions planned for, in order
    terms: tuple[tuple[date, date], ...] = ()  # every term's first and last day, in order

    def year_first_day(self, year: int) -> date:
        """The first day of the school year starting in `year` (of its first term)."""
        return min(
            (start for start, _end in self.terms if start >= date(year, 8, 1)),
            default=date(year, 9, 3),
        )

    def year_last_day(self, year: int) -> date:
        """The last day of the school year starting in `year` (of its summer term)."""
        return max(
            (end for _start, end in self.terms if end < date(year + 1, 8, 1)),
            default=date(year + 1, 7, 21),
        )

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
    group_end: date | None = None
    # Last year's Year 6: left at the end of the summer term for a secondary school.
    leaving_date: date | None = None
    destination: str = ""
    # The class the pupil was in last school year, if on roll then.
    previous_group: str | None = None
    previous_start: date | None = None
    previous_end: date | None = None


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
    logins: list[DemoLogin] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)
    # Each school's classes, for placing a pupil in last year's class.
    layouts: dict[str, tuple[ClassLayout, ...]] = field(default_factory=dict)


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
    def __init__(self, *, year: int) -> None:
        self.year = year  # the school year (its first calendar year) the year groups are of
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
        self.plan.layouts[school.urn] = layout
        first_day = school.year_first_day(self.year)
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
            self.pupils(school, establishment, group, families, first_day=first_day)
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
        if example:
            self.parent_login(school, main.name)

    def parent_login(self, school: SchoolInfo, group: str) -> None:
        """A parent of the example class, who signs in with a link e-mailed to their address
        (printed by `make run`, whose e-mail goes to the console)."""
        pupil, link = next(
            (p, link)
            for p in self.plan.pupils
            if p.school_urn == school.urn and p.group == group
            for link in p.contacts
            if link.parental_responsibility
        )
        note = f"parent of {pupil.legal_forename}: ask for a sign-in link at /parents/sign-in/"
        self.plan.logins.append(DemoLogin("parent", self.plan.contacts[link.contact].email, note))

    def pupils(
        self,
        school: SchoolInfo,
        establishment: str,
        group: ClassLayout,
        families: list[_Family],
        *,
        first_day: date,
    ) -> None:
        """The class's pupils this school year, from its first school day (`first_day`)."""
        for n in range(group.size):
            year_group = group.year_groups[n * len(group.year_groups) // group.size]
            self.plan.pupils.append(
                self.pupil(
                    school,
                    establishment,
                    group.name,
                    year_group,
                    families,
                    first_day=first_day,
                    year=self.year,
                )
            )

    def pupil(
        self,
        school: SchoolInfo,
        establishment: str,
        group_name: str,
        year_group: str,
        families: list[_Family],
        *,
        first_day: date,
        year: int,
    ) -> PlannedPupil:
        """A pupil in `year_group` in the school year starting in `year`."""
        rng = self.rng
        offset = _offset(year_group)
        born = date(year - 5 - offset, 9, 1) + timedelta(days=rng.randrange(365))
        entry_year = year - max(offset, 0) - (1 if year_group == "N2" else 0)
        start = _first_weekday(date(entry_year, 9, 3)) if entry_year < year else first_day
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
        return PlannedPupil(
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
            group=group_name,
            start_date=min(start, first_day),
            group_start=first_day,
            contacts=family.links,
        )

    def profiles(self, pupils: list[PlannedPupil], federation: FederationInfo) -> None:
        """Who misses school: a severe absentee, a few term-time holidays, persistent absence.

        Persistent absence is likelier in the cohorts the DfE reports on (free school meals, SEN,
        a social worker, a medical condition), as in the national figures.
        """
        compulsory = self.persistent(pupils)
        holidays = 2 + len(federation.schools) // 3
        special = self.rng.sample(compulsory, holidays + 1)
        special[0].profile = Profile.SEVERE
        for pupil in special[1:]:
            pupil.profile = Profile.HOLIDAY

    def persistent(self, pupils: list[PlannedPupil]) -> list[PlannedPupil]:
        """Make some pupils of compulsory school age persistent absentees; returns those of
        that age."""
        compulsory = [p for p in pupils if p.year_group in COMPULSORY_YEARS]
        for pupil in compulsory:
            chance = 0.065
            chance *= 1.8 if pupil.fsm else 1
            chance *= 1.5 if pupil.sen_support or pupil.ehc_plan else 1
            chance *= 2.5 if pupil.social_worker else 1
            chance *= 1.5 if pupil.medical_condition else 1
            if self.rng.random() < chance:
                pupil.profile = Profile.PERSISTENT
        return compulsory

    def demo_profiles(self, pupils: list[PlannedPupil], federation: FederationInfo) -> None:
        """The demo's absentees: persistent absence as above, one severe absentee in the
        federation, and at every school one pupil whose term-time holiday meets the
        penalty-notice threshold (so every school has a case open today)."""
        compulsory = self.persistent(pupils)
        on_roll = [p for p in compulsory if p.leaving_date is None]
        self.rng.choice(on_roll).profile = Profile.SEVERE
        for school in federation.schools:
            here = [p for p in on_roll if p.school_urn == school.urn and p.profile is Profile.GOOD]
            if here:
                self.rng.choice(here).profile = Profile.HOLIDAY

    def leavers(self, school: SchoolInfo, establishment: str) -> None:
        """Last year's Year 6: on roll until the end of that school year, in the class that
        held Year 6 then, gone to a secondary school since."""
        year = self.year - 1
        first_day, last_day = school.year_first_day(year), school.year_last_day(year)
        families: list[_Family] = []
        for group in self.plan.layouts[school.urn]:
            if "6" not in group.year_groups:
                continue
            count = group.size // len(group.year_groups)
            for _ in range(count):
                pupil = self.pupil(
                    school, establishment, group.name, "6", families, first_day=first_day, year=year
                )
                pupil.group_start, pupil.group_end = first_day, last_day
                pupil.leaving_date = last_day
                pupil.destination = self.rng.choice(SECONDARY_SCHOOLS)
                self.plan.pupils.append(pupil)

    def previous_classes(self, school: SchoolInfo) -> None:
        """Each pupil on roll last school year was in the class that held the year group below
        theirs (or, in the nursery, the nursery)."""
        year = self.year - 1
        first_day, last_day = school.year_first_day(year), school.year_last_day(year)
        layout = self.plan.layouts[school.urn]
        for pupil in self.plan.pupils:
            if pupil.school_urn != school.urn or pupil.leaving_date or pupil.start_date > last_day:
                continue
            below = _year_below(pupil.year_group)
            group = next((g for g in layout if below in g.year_groups), None)
            if group is not None:
                pupil.previous_group = group.name
                pupil.previous_start = max(pupil.start_date, first_day)
                pupil.previous_end = last_day


def _year_below(year_group: str) -> str:
    order = ["N1", "N2", "R", *COMPULSORY_YEARS]
    return order[max(order.index(year_group) - 1, 0)]


def demo_plan(*, federations: list[FederationInfo], year: int) -> DemoPlan:
    """The demo's people for the school year starting in `year` (and last year's leavers),
    decided from the federations' calendars alone. No marks: `history.py` plans them."""
    planner = _Planner(year=year)
    count = 0
    for federation in federations:
        first_pupil = len(planner.plan.pupils)
        for school in federation.schools:
            count += 1
            establishment = f"{2000 + count:04d}"
            planner.school(school, establishment)
            planner.leavers(school, establishment)
            planner.previous_classes(school)
        planner.demo_profiles(planner.plan.pupils[first_pupil:], federation)
        username = f"fedadmin.{federation.slug}"
        planner.staff(
            username, federation.schools[0], Role.FEDERATION_ADMIN, "Federation data manager"
        )
        note = f"every school of {federation.name}"
        planner.plan.logins.append(DemoLogin("federation admin", username, note))
    return planner.plan
