"""Synthetic people and schools for tests: made-up names, valid UPNs, no real pupil data."""

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import User
from django.db.models import Model
from django.utils import timezone

from registers.lib.upn import upn_check_letter
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
    Role,
    School,
    SessionTimes,
    Term,
)

M = TypeVar("M", bound=Model)


class ModelFactory(factory.django.DjangoModelFactory[M]):
    """A factory whose call is typed as what it makes: `PupilFactory()` is a Pupil.

    factory_boy types `create()` and `build()` but not the call itself, so without this mypy
    takes `PupilFactory()` for a factory."""

    if TYPE_CHECKING:
        # mypy insists that __new__ returns its own class; factory_boy's returns the model.
        def __new__(cls, *args: Any, **kwargs: Any) -> M: ...  # type: ignore[misc]


def make_upn(serial: int, la_code: str = "884") -> str:
    body = f"{la_code}9990{25:02d}{serial:03d}"
    return upn_check_letter(body) + body


class FederationFactory(ModelFactory[Federation]):
    class Meta:
        model = Federation

    name = factory.Sequence(lambda n: f"Test Federation {n}")


class SchoolFactory(ModelFactory[School]):
    class Meta:
        model = School

    federation = factory.SubFactory(FederationFactory)
    urn = factory.Sequence(lambda n: f"{900000 + n:06d}")
    la_code = "884"
    name = factory.Sequence(lambda n: f"Test Primary School {n}")
    address = "1 School Lane\nHereford"


class SessionTimesFactory(ModelFactory[SessionTimes]):
    class Meta:
        model = SessionTimes

    school = factory.SubFactory(SchoolFactory)
    phase = "Whole school"
    year_groups = ["N1", "N2", "R", "1", "2", "3", "4", "5", "6"]
    am_start = time(8, 45)
    am_register_closes = time(9, 15)
    pm_register_opens = time(13, 15)
    pm_register_closes = time(13, 30)
    end_of_day = time(15, 15)


class TermFactory(ModelFactory[Term]):
    class Meta:
        model = Term

    school = factory.SubFactory(SchoolFactory)
    name = "Autumn 2025"
    start = date(2025, 9, 3)
    end = date(2025, 12, 19)
    half_term_start = date(2025, 10, 27)
    half_term_end = date(2025, 10, 31)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Staffmember{n}")
    password = factory.django.Password("a-long-test-password")


class MembershipFactory(ModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.TEACHER
    position = "Class teacher"


class PupilFactory(ModelFactory[Pupil]):
    class Meta:
        model = Pupil

    upn = factory.Sequence(lambda n: make_upn(n % 1000))
    legal_surname = factory.Sequence(lambda n: f"Testpupil{n}")
    legal_forename = "Alex"
    date_of_birth = date(2017, 5, 1)
    year_group = "4"


class EnrolmentFactory(ModelFactory[Enrolment]):
    class Meta:
        model = Enrolment

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SubFactory(SchoolFactory)
    start_date = date(2021, 9, 1)


class RegistrationGroupFactory(ModelFactory[RegistrationGroup]):
    class Meta:
        model = RegistrationGroup

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Class {n}")


class GroupMembershipFactory(ModelFactory[GroupMembership]):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(RegistrationGroupFactory)
    pupil = factory.SubFactory(PupilFactory)
    start_date = date(2025, 9, 1)


class ContactFactory(ModelFactory[Contact]):
    class Meta:
        model = Contact

    name = factory.Sequence(lambda n: f"Parent Testcarer{n}")
    phone = "01234 567890"
    email = factory.Sequence(lambda n: f"parent{n}@example.org")


class PupilContactFactory(ModelFactory[PupilContact]):
    class Meta:
        model = PupilContact

    pupil = factory.SubFactory(PupilFactory)
    contact = factory.SubFactory(ContactFactory)
    relationship = "Mother"
    priority = 1


class MarkFactory(ModelFactory[Mark]):
    class Meta:
        model = Mark

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SubFactory(SchoolFactory)
    date = date(2025, 9, 8)
    session = "AM"
    code_id = "/"
    source = MarkSource.REGISTER
    # Entered on the day of its session, as a register is; an import sets its own.
    recorded_at = factory.LazyAttribute(
        lambda mark: min(
            timezone.now(),
            datetime.combine(
                mark.date,
                time(9, 0) if mark.session == "AM" else time(13, 20),
                tzinfo=ZoneInfo("Europe/London"),
            ),
        )
    )


def staff_member(
    school: School,
    role: str,
    username: str,
    *,
    position: str = "",
    **names: str,
) -> User:
    """Someone with `role` at `school` (their position: the role's own name unless given;
    `names`: first_name, last_name, email, else UserFactory's). The personas of
    tests/conftest.py are made with it, and so is anyone else a test needs with a role: a
    federation admin at a sister school, one user of each role."""
    user = UserFactory(username=username, **names)
    MembershipFactory(user=user, school=school, role=role, position=position or role)
    return user


def enrol_in_group(
    group: RegistrationGroup,
    count: int = 0,
    *,
    surnames: list[str] | None = None,
    start: date = date(2025, 9, 1),
) -> list[Pupil]:
    """Pupils on the school's roll and in the class from `start`: `count` of them, or one per
    surname given, in that order."""
    surnames = surnames or [f"Pupil{index:03d}" for index in range(count)]
    pupils = []
    for surname in surnames:
        pupil = PupilFactory(legal_surname=surname, legal_forename="Sam")
        EnrolmentFactory(pupil=pupil, school=group.school, start_date=start)
        GroupMembershipFactory(group=group, pupil=pupil, start_date=start)
        pupils.append(pupil)
    return pupils
