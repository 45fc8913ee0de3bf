"""The schools and the people of the tests, defined once: Test Primary with its autumn term and
class 4A, and its staff by role, each a named persona (as in healthchecks' alice and bob), plus
a school in another federation whose staff must see nothing of Test Primary.

    teacher_4a       Tess Teacher, class teacher of 4A
    office           Olive Office, the office manager
    attendance_lead  Lee Lead, the attendance lead
    head             Hana Head, the headteacher
    governor         Gwen Governor, a link governor
    head_elsewhere   Hal Head, head of `other_school`
    office_elsewhere the office of `other_school`

Anyone else a test needs with a role (a federation admin at a sister school, one user of each
role) is made with `tests.factories.staff_member`.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User

from registers.models import RegistrationGroup, Role, School
from registers.services.calendar import school_calendar_rebuild
from tests.browser import browser, results  # noqa: F401 (the real-browser tests' fixtures)
from tests.factories import (
    RegistrationGroupFactory,
    SchoolFactory,
    SessionTimesFactory,
    TermFactory,
    enrol_in_group,
    staff_member,
)

LONDON = ZoneInfo("Europe/London")
# Monday 8 September 2025, a school day of the `school` fixture's autumn term.
MONDAY = date(2025, 9, 8)


def _school_with_calendar(name: str) -> School:
    school = SchoolFactory(name=name)
    SessionTimesFactory(school=school)
    TermFactory(school=school)
    school_calendar_rebuild(school=school)
    return school


@pytest.fixture
def school(db) -> School:
    """Test Primary with one phase and the 2025/26 autumn term (half term 27-31 October)."""
    return _school_with_calendar("Test Primary")


@pytest.fixture
def other_school(db) -> School:
    """A school in another federation: its staff must see nothing of `school`."""
    return _school_with_calendar("Elsewhere Primary")


@pytest.fixture
def teacher_4a(school: School) -> User:
    """A teacher of class 4A at `school`."""
    user = staff_member(
        school,
        Role.TEACHER,
        "teacher4a",
        position="Year 4 teacher",
        first_name="Tess",
        last_name="Teacher",
    )
    RegistrationGroupFactory(school=school, name="4A").teachers.add(user)
    return user


@pytest.fixture
def office(school: School) -> User:
    """The office manager at `school`."""
    return staff_member(
        school,
        Role.OFFICE,
        "office",
        position="Office manager",
        first_name="Olive",
        last_name="Office",
    )


@pytest.fixture
def attendance_lead(school: School) -> User:
    """The attendance lead at `school`, who with the head follows up the threshold."""
    return staff_member(
        school,
        Role.ATTENDANCE_LEAD,
        "lead",
        position="Attendance lead",
        first_name="Lee",
        last_name="Lead",
    )


@pytest.fixture
def head(school: School) -> User:
    """The head of `school`, who alone decides leave."""
    return staff_member(
        school, Role.HEAD, "head", position="Headteacher", first_name="Hana", last_name="Head"
    )


@pytest.fixture
def governor(school: School) -> User:
    """A governor of `school`: aggregate figures only."""
    return staff_member(
        school,
        Role.GOVERNOR,
        "governor",
        position="Link governor",
        first_name="Gwen",
        last_name="Governor",
    )


@pytest.fixture
def head_elsewhere(other_school: School) -> User:
    """The head of `other_school`, who must see nothing of `school`."""
    return staff_member(
        other_school,
        Role.HEAD,
        "headelsewhere",
        position="Headteacher",
        first_name="Hal",
        last_name="Head",
    )


@pytest.fixture
def office_elsewhere(other_school: School) -> User:
    """The office of `other_school`, who must see nothing of `school`."""
    return staff_member(other_school, Role.OFFICE, "officeelsewhere")


@pytest.fixture
def monday_morning():
    """The clock at 09:05 on MONDAY, while the AM register (08:45-09:15) is open."""
    with time_machine.travel(datetime(2025, 9, 8, 9, 5, tzinfo=LONDON), tick=False):
        yield MONDAY


@pytest.fixture
def class_4a(teacher_4a: User) -> RegistrationGroup:
    return RegistrationGroup.objects.get(name="4A")


@pytest.fixture
def pupils_4a(class_4a: RegistrationGroup) -> list:
    """Five pupils in 4A since 1 September 2025."""
    return enrol_in_group(class_4a, 5)


@pytest.fixture(params=["session", "token"])
def api(request, client):
    """`api(user)`: the test client signed in as `user` by session, then (the test runs again)
    by token: issue #7, "API by token or session, the same permissions"."""
    from rest_framework.authtoken.models import Token

    def sign_in(user):
        if request.param == "session":
            client.force_login(user)
        else:
            token, _ = Token.objects.get_or_create(user=user)
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _force_login_signs_in_both_steps(monkeypatch):
    """`client.force_login(user)` stands for a whole sign-in, as it stands for the password: the
    second step (a one-time code, attendance_site/two_step.py) done too. Signing in through the
    pages, in two steps, is tested in tests/test_two_step.py and the browser tests."""
    from django.test import Client

    from attendance_site.two_step import SECOND_STEP_DUE

    force_login = Client.force_login

    def signed_in_both_steps(self, user, backend=None):
        force_login(self, user, backend)
        session = self.session
        if session.pop(SECOND_STEP_DUE, None):
            session.save()

    monkeypatch.setattr(Client, "force_login", signed_in_both_steps)
