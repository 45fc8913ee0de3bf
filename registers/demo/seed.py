"""`demo_seed`: the shipped federations with made-up pupils, staff and a half term of marks.

Steps, all in one transaction: refuse a database that already has data (the demo must never
mix with a school's records); load both shipped YAML files through the ordinary config loader;
read back each school's phases and the half term's sessions from SchoolDay; plan everything
(pure, seeded); bulk-create the rows, linking them by the keys the database hands back.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from registers.errors import DomainError
from registers.models import (
    Contact,
    Enrolment,
    Federation,
    GroupMembership,
    Mark,
    MarkSource,
    Membership,
    Pupil,
    PupilContact,
    RegistrationGroup,
    School,
)
from registers.services.school_config import read_config_file, school_config_load

from .plan import (
    HALF_TERM_FIRST_DAY,
    HALF_TERM_LAST_DAY,
    DemoLogin,
    DemoPlan,
    FederationInfo,
    demo_plan,
)
from .schools import school_infos

DEMO_PASSWORD = "demo-register-2025"
ADMIN_USERNAME = "admin"
# The slug is the federation admin's username suffix: fedadmin.hmfa.
CONFIG_FILES = (
    ("hmfa", "school_config/hmfa.yaml"),
    ("lustonshobdon", "school_config/luston-shobdon.yaml"),
)
BATCH_SIZE = 2000

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


def demo_database_has_data() -> bool:
    return Federation.objects.exists()


def _configs() -> list[tuple[str, Any]]:
    return [(slug, read_config_file(Path(settings.BASE_DIR) / path)) for slug, path in CONFIG_FILES]


def demo_federations() -> list[FederationInfo]:
    """The shipped federations as the database holds them, schools in the files' order."""
    configs = _configs()
    urns = [str(entry["urn"]) for _slug, data in configs for entry in data["schools"]]
    schools = {
        info.urn: info
        for info in school_infos(urns=urns, days=(HALF_TERM_FIRST_DAY, HALF_TERM_LAST_DAY))
    }
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
    plan = demo_plan(federations=demo_federations())
    return _sign_ins(plan)


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
        created.extend(model.objects.bulk_create(chunk, batch_size=BATCH_SIZE))
    return created


def _insert(model: type[M], rows: Iterable[M]) -> None:
    """Insert in batches without keeping the objects: 100,000 marks need not sit in memory."""
    for chunk in _chunks(rows):
        model.objects.bulk_create(chunk, batch_size=BATCH_SIZE)


@transaction.atomic
def demo_seed() -> DemoResult:
    if demo_database_has_data():
        raise DemoDataRefused("the database already has data; use a fresh database")
    for _slug, data in _configs():
        school_config_load(data=data)
    federations = demo_federations()
    plan = demo_plan(federations=federations)
    _write(plan)
    return DemoResult(
        federations=len(federations),
        schools=sum(len(f.schools) for f in federations),
        pupils=len(plan.pupils),
        contacts=len(plan.contacts),
        staff=len(plan.staff),
        marks=len(plan.marks),
        first_day=HALF_TERM_FIRST_DAY,
        last_day=HALF_TERM_LAST_DAY,
        sign_ins=_sign_ins(plan),
    )


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
            )
            for p in plan.pupils
        ),
    )
    _create(
        GroupMembership,
        (
            GroupMembership(
                group_id=group_ids[p.school_urn, p.group],
                pupil_id=pupil_ids[p.upn],
                start_date=p.group_start,
            )
            for p in plan.pupils
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
    _insert(
        Mark,
        (
            Mark(
                pupil_id=pupil_ids[m.upn],
                school_id=school_ids[m.school_urn],
                date=m.date,
                session=m.session,
                code_id=m.code,
                minutes_late=m.minutes_late,
                source=MarkSource.REGISTER,
                recorded_by_id=user_ids[m.recorded_by],
                recorded_at=m.recorded_at,
            )
            for m in plan.marks
        ),
    )
