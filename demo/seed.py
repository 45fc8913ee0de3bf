"""`demo_seed`: the shipped federations with made-up people and their registers to today.

Steps, all in one transaction: refuse a database that already has data (the demo must never
mix with a school's records); load both shipped YAML files through the ordinary config loader,
with terms added for a school year they do not list (`calendar.py`); read back each school's
phases, terms and sessions; plan the people (pure, seeded) and the events that decide codes;
write the people; then, school by school, plan and write every mark and register from the
first day of last school year to this morning (`history.py`, loaded as rows: `load.py`); write
today's events; and run what the nightly and weekly tasks would have run by now: the
penalty-notice threshold (cases open today) and the intervention ladder (as of its last Monday
run).
"""

import random
import time as clock
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from core.errors import DomainError
from registers.models import (
    Contact,
    Enrolment,
    Federation,
    GroupMembership,
    LeavingReason,
    Membership,
    Pupil,
    PupilContact,
    RegistrationGroup,
    School,
)
from registers.services.school_config import read_config_file, school_config_load

from .calendar import demo_school_years, with_demo_terms
from .events import SchoolEvents, after_marks, plan_events, write_events
from .history import PlannedRegister, SchoolHistory, pupil_history, school_registers
from .load import BulkRows, bulk_load_begin, bulk_load_end
from .marks import PlannedMark
from .plan import SEED, DemoLogin, DemoPlan, FederationInfo, SchoolInfo, demo_plan
from .schools import school_infos

DEMO_PASSWORD = "demo-register-2025"
ADMIN_USERNAME = "admin"
# The slug is the federation admin's username suffix: fedadmin.hmfa.
CONFIG_FILES = (
    ("hmfa", "school_config/hmfa.yaml"),
    ("lustonshobdon", "school_config/luston-shobdon.yaml"),
)
BATCH_SIZE = 2000
# The demo's last school year begins after 19 August 2024, when the 2024 codes came in.
EARLIEST_DAY = date(2025, 8, 1)
# Far enough past today to plan requests for leave still to come.
PLANNING_AHEAD = timedelta(days=90)
# Classes whose register is not yet taken this morning, besides the example teacher's.
UNTAKEN_ELSEWHERE = 2

M = TypeVar("M", bound=models.Model)


class DemoDataRefused(DomainError):
    pass


@dataclass(frozen=True)
class DemoSignIns:
    password: str
    logins: list[DemoLogin]
    slugs: list[str]  # every school's username suffix, the example school first


@dataclass(frozen=True)
class DemoResult:
    federations: int
    schools: int
    pupils: int
    contacts: int
    staff: int
    marks: int
    first_day: date
    last_day: date
    sign_ins: DemoSignIns
    cases: int
    seconds: float


def demo_database_has_data() -> bool:
    return Federation.objects.exists()


def _configs() -> list[tuple[str, Any]]:
    return [(slug, read_config_file(Path(settings.BASE_DIR) / path)) for slug, path in CONFIG_FILES]


def demo_federations(
    *, configs: list[tuple[str, Any]] | None = None, days: tuple[date, date] | None = None
) -> list[FederationInfo]:
    """The shipped federations as the database holds them, schools in the files' order, with
    their sessions from `days[0]` to `days[1]` (every one if not given)."""
    configs = configs or _configs()
    urns = [str(entry["urn"]) for _slug, data in configs for entry in data["schools"]]
    schools = {info.urn: info for info in school_infos(urns=urns, days=days)}
    return [
        FederationInfo(
            slug=slug,
            name=data["federation"]["name"],
            schools=tuple(schools[str(entry["urn"])] for entry in data["schools"]),
        )
        for slug, data in configs
    ]


def demo_sign_ins() -> DemoSignIns | None:
    """The demo's sign-ins, if the database holds the demo (its admin account exists)."""
    if not get_user_model().objects.filter(username=ADMIN_USERNAME).exists():
        return None
    federations = demo_federations()
    # The people, not their registers: the same usernames whatever the day.
    year = max(start.year for f in federations for s in f.schools for start, _ in s.terms)
    return _sign_ins(demo_plan(federations=federations, year=year))


def _sign_ins(plan: DemoPlan) -> DemoSignIns:
    return DemoSignIns(
        password=DEMO_PASSWORD,
        logins=[*plan.logins, DemoLogin("admin site", ADMIN_USERNAME, "/admin/")],
        slugs=plan.slugs,
    )


def _chunks(items: Iterable[M]) -> Iterator[list[M]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, BATCH_SIZE)):
        yield chunk


def _create(model: type[M], rows: Iterable[M]) -> list[M]:
    """Insert in batches; SQLite (3.35+) and PostgreSQL hand back the new keys."""
    created: list[M] = []
    for chunk in _chunks(rows):
        created.extend(model._default_manager.bulk_create(chunk, batch_size=BATCH_SIZE))
    return created


def demo_problem(today: date) -> str | None:
    if today < EARLIEST_DAY:
        return (
            f"The demo covers the school year of its day and the one before, which must begin "
            f"after the 2024 attendance codes came in (19 August 2024): give a day from "
            f"{EARLIEST_DAY:%-d %B %Y}."
        )
    return None


def demo_configs(*, today: date) -> list[tuple[str, Any]]:
    """The shipped configurations, with terms for a school year of the demo they do not list."""
    return [(slug, with_demo_terms(data, today=today)) for slug, data in _configs()]


@dataclass(frozen=True)
class DemoDay:
    """The demo planned for a day, from the calendars loaded: the people, today's events, and
    (school by school, `history`) every register and mark up to this morning. Pure: the same
    day plans the same demo, which is what a test compares with the database."""

    today: date
    federations: list[FederationInfo]
    plan: DemoPlan
    untaken: dict[str, set[str]]
    events: dict[str, SchoolEvents]

    @property
    def schools(self) -> list[SchoolInfo]:
        return [school for federation in self.federations for school in federation.schools]

    def history(self, school: SchoolInfo) -> Iterator[PlannedRegister | PlannedMark]:
        """The school's registers, then its pupils' marks."""
        today = self.today
        history = SchoolHistory(
            school=school, today=today, untaken=frozenset(self.untaken.get(school.urn, ()))
        )
        groups = [g for g in self.plan.groups if g.school_urn == school.urn]
        teachers = {g.name: g.teacher for g in groups}
        rng = _rng(today, "registers", school.urn)
        aware: dict = {}
        yield from school_registers(rng=rng, history=history, groups=groups, aware=aware)
        overrides = self.events[school.urn].overrides
        for pupil in self.plan.pupils:
            if pupil.school_urn == school.urn:
                yield from pupil_history(
                    rng=rng,
                    history=history,
                    pupil=pupil,
                    teachers=teachers,
                    overrides=overrides.get(pupil.upn, {}),
                    aware=aware,
                )


def demo_day(*, configs: list[tuple[str, Any]], today: date) -> DemoDay:
    """Plan the demo for `today` from the federations' calendars as loaded."""
    last_year, year = demo_school_years(today)
    federations = demo_federations(
        configs=configs, days=(date(last_year, 8, 1), today + PLANNING_AHEAD)
    )
    plan = demo_plan(federations=federations, year=year)
    schools = [school for federation in federations for school in federation.schools]
    untaken = _untaken(plan, schools, today)
    return DemoDay(
        today=today,
        federations=federations,
        plan=plan,
        untaken=untaken,
        events=_plan_events(plan, schools, today, untaken),
    )


@transaction.atomic
def demo_seed(*, today: date) -> DemoResult:
    """Build the demo around `today`: the same data for the same day."""
    started = clock.perf_counter()
    if demo_database_has_data():
        raise DemoDataRefused("the database already has data; use a fresh database")
    if problem := demo_problem(today):
        raise DemoDataRefused(problem)
    configs = demo_configs(today=today)
    for _slug, data in configs:
        school_config_load(data=data)
    day = demo_day(configs=configs, today=today)
    plan, schools = day.plan, day.schools
    _write(plan)
    ids = _Ids.read()
    _parent_accounts(ids, day.events)
    marks = _registers(day, ids)
    for school in schools:
        write_events(
            events=day.events[school.urn],
            school_id=ids.schools[school.urn],
            pupil_ids=ids.pupils,
            user_ids=ids.users,
            parents=ids.parents,
        )
    cases = _after_marks(plan, schools, today, ids)
    last_year, _year = demo_school_years(today)
    return DemoResult(
        federations=len(day.federations),
        schools=len(schools),
        pupils=len(plan.pupils),
        contacts=len(plan.contacts),
        staff=len(plan.staff),
        marks=marks,
        first_day=min(s.year_first_day(last_year) for s in schools),
        last_day=today,
        sign_ins=_sign_ins(plan),
        cases=cases,
        seconds=clock.perf_counter() - started,
    )


def _rng(today: date, *keys: str) -> random.Random:
    return random.Random(":".join((str(SEED), today.isoformat(), *keys)))


def _plan_events(
    plan: DemoPlan, schools: list[SchoolInfo], today: date, untaken: dict[str, set[str]]
) -> dict[str, SchoolEvents]:
    example = schools[0].urn
    slugs = dict(zip([s.urn for s in schools], plan.slugs, strict=True))
    return {
        school.urn: plan_events(
            rng=_rng(today, "events", school.urn),
            school=school,
            pupils=[p for p in plan.pupils if p.school_urn == school.urn],
            today=today,
            office=f"office.{slugs[school.urn]}",
            head=f"head.{slugs[school.urn]}",
            example=school.urn == example,
            untaken=frozenset(untaken.get(school.urn, ())),
        )
        for school in schools
    }


@dataclass(frozen=True)
class _Ids:
    """The keys the database handed back, by the plan's natural keys."""

    users: dict[str, int]
    schools: dict[str, int]
    pupils: dict[str, int]
    groups: dict[tuple[str, str], int]
    parents: dict[int, tuple[int, int]]  # pupil id: (first contact with responsibility, user)

    @classmethod
    def read(cls) -> "_Ids":
        return cls(
            users=dict(get_user_model().objects.values_list("username", "pk")),
            schools=dict(School.objects.values_list("urn", "pk")),
            pupils=dict(Pupil.objects.values_list("upn", "pk")),
            groups={
                (urn, name): pk
                for urn, name, pk in RegistrationGroup.objects.values_list(
                    "school__urn", "name", "pk"
                )
            },
            parents={},
        )


def _parent_accounts(ids: _Ids, events: dict[str, SchoolEvents]) -> None:
    """Accounts for the parents who asked for leave or reported an absence online, as their
    first sign-in by e-mailed link would have made them."""
    upns = {
        entry["pupil"]
        for school in events.values()
        for entry in (*school.reports, *school.leave)
        if "submitted_at" in entry or entry.get("source") == "online"
    }
    links = (
        PupilContact.objects.filter(
            pupil__upn__in=upns, parental_responsibility=True, contact__email__gt=""
        )
        .order_by("pupil_id", "priority")
        .select_related("contact")
    )
    first: dict[int, Contact] = {}
    for link in links:
        first.setdefault(link.pupil_id, link.contact)
    user_model = get_user_model()
    for pupil_id, contact in first.items():
        if contact.user_id is None:
            user = user_model(
                username=f"parent-contact-{contact.pk}",
                first_name=contact.name[:150],
                email=contact.email,
            )
            user.set_unusable_password()
            user.save()
            Contact.objects.filter(pk=contact.pk).update(user=user)
            contact.user_id = user.pk
        ids.parents[pupil_id] = (contact.pk, contact.user_id)


def _registers(day: DemoDay, ids: _Ids) -> int:
    """Every register and mark up to this morning, school by school, loaded as rows."""
    rows = BulkRows()
    restore = bulk_load_begin()
    for school in day.schools:
        school_id = ids.schools[school.urn]
        for row in day.history(school):
            if isinstance(row, PlannedRegister):
                rows.register(
                    school_id,
                    ids.groups[school.urn, row.group],
                    row.date,
                    row.session,
                    ids.users[row.teacher],
                    row.taken_at,
                    row.late,
                )
            else:
                rows.mark(
                    ids.pupils[row.upn],
                    school_id,
                    row.date,
                    row.session,
                    row.code,
                    row.minutes_late,
                    ids.users[row.recorded_by],
                    row.recorded_at,
                )
        rows.flush()
    bulk_load_end(restore)
    return rows.count_marks


def _untaken(plan: DemoPlan, schools: list[SchoolInfo], today: date) -> dict[str, set[str]]:
    """This morning's registers still to take: the example teacher's (so a newcomer signed in
    as that teacher can take it) and a couple of others."""
    example_teacher = next(login.username for login in plan.logins if login.role == "teacher")
    untaken: dict[str, set[str]] = {}
    others = []
    for group in plan.groups:
        if group.teacher == example_teacher:
            untaken.setdefault(group.school_urn, set()).add(group.name)
        elif group.school_urn != schools[0].urn:
            others.append(group)
    for group in _rng(today, "untaken").sample(others, UNTAKEN_ELSEWHERE):
        untaken.setdefault(group.school_urn, set()).add(group.name)
    return untaken


def _after_marks(plan: DemoPlan, schools: list[SchoolInfo], today: date, ids: _Ids) -> int:
    """Today's late book and calls; then the nightly threshold check (cases open today) and
    the weekly ladder run (its last Monday); returns the cases opened."""
    from penalties.services.cases import threshold_cases_open
    from penalties.services.ladder import intervention_ladder_run

    slugs = dict(zip([s.urn for s in schools], plan.slugs, strict=True))
    last_monday = today - timedelta(days=today.weekday())
    cases = 0
    for school in School.objects.filter(urn__in=slugs).select_related("federation"):
        after_marks(
            rng=_rng(today, "today", school.urn),
            school=school,
            today=today,
            office_id=ids.users[f"office.{slugs[school.urn]}"],
            example=school.urn == schools[0].urn,
        )
        cases += threshold_cases_open(school=school, as_of=today)
        intervention_ladder_run(school=school, as_of=last_monday)
    return cases


def _write(plan: DemoPlan) -> None:
    user_model = get_user_model()
    # One hash for everyone: hashing ~100 times would be most of the run on a real hasher.
    password = make_password(DEMO_PASSWORD)
    users = _create(
        user_model,
        [
            user_model(
                username=s.username,
                first_name=s.first_name,
                last_name=s.last_name,
                email=f"{s.username}@example.org",
                password=password,
            )
            for s in plan.staff
        ]
        + [
            user_model(
                username=ADMIN_USERNAME,
                first_name="Demo",
                last_name="Administrator",
                email="admin@example.org",
                password=password,
                is_staff=True,
                is_superuser=True,
            )
        ],
    )
    user_ids = {user.username: user.pk for user in users}
    school_ids = dict(School.objects.values_list("urn", "pk"))
    _create(
        Membership,
        (
            Membership(
                user_id=user_ids[s.username],
                school_id=school_ids[s.school_urn],
                role=s.role,
                position=s.position,
            )
            for s in plan.staff
        ),
    )
    groups = _create(
        RegistrationGroup,
        (RegistrationGroup(school_id=school_ids[g.school_urn], name=g.name) for g in plan.groups),
    )
    group_ids = {(g.school_urn, g.name): row.pk for g, row in zip(plan.groups, groups, strict=True)}
    teaches = RegistrationGroup.teachers.through
    _create(
        teaches,
        (
            teaches(
                registrationgroup_id=group_ids[g.school_urn, g.name], user_id=user_ids[g.teacher]
            )
            for g in plan.groups
        ),
    )
    pupils = _create(
        Pupil,
        (
            Pupil(
                upn=p.upn,
                legal_forename=p.legal_forename,
                legal_surname=p.legal_surname,
                preferred_forename=p.preferred_forename,
                date_of_birth=p.date_of_birth,
                year_group=p.year_group,
                sen_support=p.sen_support,
                ehc_plan=p.ehc_plan,
                fsm=p.fsm,
                social_worker=p.social_worker,
                medical_condition=p.medical_condition,
            )
            for p in plan.pupils
        ),
    )
    pupil_ids = {row.upn: row.pk for row in pupils}
    _create(
        Enrolment,
        (
            Enrolment(
                pupil_id=pupil_ids[p.upn],
                school_id=school_ids[p.school_urn],
                start_date=p.start_date,
                leaving_date=p.leaving_date,
                leaving_reason=LeavingReason.OTHER_SCHOOL if p.leaving_date else "",
                destination=p.destination,
            )
            for p in plan.pupils
        ),
    )
    _create(
        GroupMembership,
        (
            GroupMembership(
                group_id=group_ids[p.school_urn, name],
                pupil_id=pupil_ids[p.upn],
                start_date=start,
                end_date=end,
            )
            for p in plan.pupils
            for name, start, end in (
                (p.previous_group, p.previous_start, p.previous_end),
                (p.group, p.group_start, p.group_end),
            )
            # A previous class comes with its first day (plan.py sets the two together).
            if name is not None and start is not None
        ),
    )
    contacts = _create(
        Contact, (Contact(name=c.name, phone=c.phone, email=c.email) for c in plan.contacts)
    )
    _create(
        PupilContact,
        (
            PupilContact(
                pupil_id=pupil_ids[p.upn],
                contact_id=contacts[link.contact].pk,
                relationship=link.relationship,
                parental_responsibility=link.parental_responsibility,
                priority=priority,
            )
            for p in plan.pupils
            for priority, link in enumerate(p.contacts, start=1)
        ),
    )
