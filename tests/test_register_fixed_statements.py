"""The register's fixed statements (issue #23): on PostgreSQL the register is read and saved by
fixed, prepared statements; on SQLite by the ORM. Both must give the same answer, and the page
the same markup, so that one rule is kept whichever database the school runs."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from absences.models import LeaveDecision, LeaveRequest, PartTimeTimetable, ReportedAbsence
from registers import access
from registers.codes import code_catalogue
from registers.models import Amendment, Mark, MarkSource, Register, Role
from registers.selectors import registers as selectors
from registers.services.register import RegisterEntry, register_submit
from registers.templatetags.register_tags import register_line, register_lines
from tests.conftest import LONDON, MONDAY
from tests.factories import (
    MarkFactory,
    MembershipFactory,
    RegistrationGroupFactory,
    UserFactory,
    enrol_in_group,
)

pytestmark = pytest.mark.django_db
MONDAY_10AM = datetime(2025, 9, 8, 10, 0, tzinfo=LONDON)


@pytest.fixture
def known_before(school, class_4a, office):
    """Five pupils, each with something known before the register: a part-time timetable off
    this Monday morning, a reported absence (two calls: the later wins), approved leave over a
    reported absence, a dual registration at another school on Monday mornings, and a mark the
    office saved and amended (minutes late, office's source)."""
    pupils = enrol_in_group(class_4a, surnames=["Ash", "Birch", "Cedar", "Damson", "Elder"])
    now = timezone.now()
    PartTimeTimetable.objects.create(
        school=school,
        pupil=pupils[0],
        start=date(2025, 9, 8),
        end=date(2025, 10, 17),
        sessions_off=["Mon AM", "Fri PM"],
        reason="Phased return",
        agreed_by=office,
        agreed_at=now,
    )
    for code, reason, logged in (("I", "Cold", now), ("M", "Dentist", now.replace(hour=7))):
        ReportedAbsence.objects.create(
            school=school,
            pupil=pupils[1],
            first_day=MONDAY,
            last_day=MONDAY,
            code_id=code,
            reason=reason,
            logged_by=office,
            logged_at=logged,
        )
    ReportedAbsence.objects.create(
        school=school,
        pupil=pupils[2],
        first_day=MONDAY,
        last_day=MONDAY,
        code_id="I",
        reason="Fever",
        logged_by=office,
        logged_at=now,
    )
    LeaveRequest.objects.create(
        school=school,
        pupil=pupils[2],
        first_day=MONDAY,
        last_day=MONDAY,
        category="J1",
        reason="Interview",
        received_on=date(2025, 9, 1),
        recorded_by=office,
        recorded_at=now,
        decision=LeaveDecision.APPROVED,
        approved_first_day=MONDAY,
        approved_first_session="AM",
        approved_last_day=MONDAY,
        approved_last_session="PM",
    )
    pupils[3].enrolments.update(registration_type="M", other_school_sessions=["Mon AM"])
    mark = MarkFactory(
        pupil=pupils[4],
        school=school,
        date=MONDAY,
        session="AM",
        code_id="L",
        minutes_late=12,
        source=MarkSource.OFFICE,
        recorded_by=office,
    )
    Amendment.objects.create(
        mark=mark,
        original_code_id="N",
        new_code_id="L",
        original_minutes_late=None,
        new_minutes_late=12,
        reason="Late book",
        amended_at=now,
        amended_by=office,
        amended_by_name="Olive Office",
        amended_by_position="Office manager",
    )
    return pupils


def _described(sheet: selectors.RegisterSheet) -> dict:
    register = sheet.register
    return {
        "register": register
        and (
            register.pk,
            register.taken_at,
            register.last_saved_at,
            register.taken_by.get_full_name(),
            register.last_saved_by.get_username(),
        ),
        "lines": [
            (
                line.pupil.pk,
                line.pupil.name,
                line.pupil.upn,
                line.pupil.date_of_birth,
                line.expected_code,
                line.expected_why,
                line.mark
                and (
                    line.mark.pk,
                    line.mark.code_id,
                    line.mark.minutes_late,
                    line.mark.source,
                    line.mark.version,
                    getattr(line.mark, "amendment_count", None),  # annotated by the sheet
                ),
            )
            for line in sheet.lines
        ],
    }


@pytest.mark.postgres
@time_machine.travel(MONDAY_10AM, tick=False)
def test_the_fixed_statements_read_the_same_sheet_as_the_orm(
    school, class_4a, teacher_4a, known_before
):
    # The register before it is taken (every kind of code known before it), then after.
    for taken in (False, True):
        if taken:
            register_submit(
                group=class_4a,
                day=MONDAY,
                session="AM",
                entries=[RegisterEntry(pupil_id=p.pk, code="/") for p in known_before[:4]]
                + [RegisterEntry(pupil_id=known_before[4].pk, code="L", seen_version=1)],
                by=teacher_4a,
            )
        group = access.get_group_for_register(user=teacher_4a, group_id=class_4a.pk)
        fixed = selectors._register_sheet_fixed(group=group, day=MONDAY, session="AM")
        orm = selectors._register_sheet_orm(group=group, day=MONDAY, session="AM")
        assert _described(fixed) == _described(orm)
        assert fixed.school_session is True
    assert [line.expected_code for line in fixed.lines] == ["C2", "I", "J1", "D", ""]
    assert fixed.lines[1].expected_why == "reported: Cold"  # the later call wins
    assert fixed.register.taken_by.get_full_name() == "Tess Teacher"


@pytest.mark.postgres
@time_machine.travel(MONDAY_10AM, tick=False)
def test_the_fixed_sheet_says_when_a_day_is_not_a_school_session(school, class_4a, teacher_4a):
    group = access.get_group_for_register(user=teacher_4a, group_id=class_4a.pk)
    saturday = date(2025, 9, 6)
    sheet = selectors._register_sheet_fixed(group=group, day=saturday, session="AM")
    assert (sheet.school_session, sheet.lines, sheet.register) == (False, [], None)


@time_machine.travel(MONDAY_10AM, tick=False)
def test_opening_and_saving_a_register_sends_a_fixed_number_of_statements(
    client, school, class_4a, teacher_4a, known_before
):
    # Issue #23: the reads of a GET folded into as few statements as the data allows, the
    # access check answered from the class's own row. Sessions are in the database here (no
    # Redis): the session and the user are two of them.
    client.force_login(teacher_4a)
    url = reverse("register", args=[class_4a.pk, MONDAY, "AM"])
    code_catalogue()  # read once per process
    client.get(url)  # the session read into Redis, where there is one
    with CaptureQueriesContext(connection) as opened:
        assert client.get(url).status_code == 200
    data = {"pupil": [str(p.pk) for p in known_before], "action": "save"}
    for pupil in known_before:
        data[f"code-{pupil.pk}"] = "/"
        data[f"seen-{pupil.pk}"] = "1" if pupil == known_before[4] else ""
    data[f"code-{known_before[4].pk}"] = "L"
    with CaptureQueriesContext(connection) as saved:
        assert client.post(url, data).status_code == 302
    # Neither the session (in Redis or the database) nor the savepoints of the test's own
    # transaction.
    opened_sql, saved_sql = (
        [
            q["sql"]
            for q in captured
            if "django_session" not in q["sql"]
            and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
        ]
        for captured in (opened, saved)
    )
    if connection.vendor == "postgresql":
        # The user; the class with the user's roles; the sheet's head (with the school days
        # either side, the page's links to them), its lines, the codes expected; the navigation
        # bar's two (the user's roles at every school, for its links; its counts in one).
        assert len(opened_sql) == 7, opened_sql
        # The user, the class; the class locked with its pupils, the marks locked, the new
        # marks, the phases' times (a register taken today: was it taken late?), the register.
        assert len(saved_sql) == 7, saved_sql
    else:
        assert len(opened_sql) <= 9, opened_sql
        assert len(saved_sql) <= 12, saved_sql
    assert Register.objects.get(group=class_4a, date=MONDAY, session="AM").taken_by == teacher_4a
    assert Mark.objects.filter(date=MONDAY, session="AM", code_id="/").count() == 4


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_class_read_with_the_users_roles_answers_the_pages_checks(
    school, class_4a, teacher_4a, office, head_elsewhere
):
    # registers.permissions: the roles at the class's school, read with the class, decide.
    group = access.get_group_for_register(user=teacher_4a, group_id=class_4a.pk)
    assert group.school == school and group.name == "4A" and group.user_roles == {Role.TEACHER}
    assert not access.may_at_group_school(
        user=teacher_4a, group=group, permission="view_pupil_history"
    )
    as_office = access.get_group_for_register(user=office, group_id=class_4a.pk)
    assert access.may_at_group_school(user=office, group=as_office, permission="view_pupil_history")
    # A federation admin at another school of the federation reaches it, for reading only.
    admin = UserFactory(username="fedadmin")
    other = type(school).objects.create(
        federation=school.federation, urn="199999", la_code="884", estab="9999", name="Second"
    )
    MembershipFactory(user=admin, school=other, role=Role.FEDERATION_ADMIN)
    with pytest.raises(PermissionDenied):  # at the school, but takes no register
        access.get_group_for_register(user=admin, group_id=class_4a.pk)
    with pytest.raises(Http404):
        access.get_group_for_register(user=head_elsewhere, group_id=class_4a.pk)
    with pytest.raises(Http404):
        access.get_group_for_register(user=teacher_4a, group_id=10**20)


def test_the_lines_drawn_at_once_are_the_lines_drawn_one_by_one(school, office):
    # The page's markup is unchanged by drawing every line with one tag (issue #23).
    pupils = enrol_in_group(
        RegistrationGroupFactory(school=school, name="5B"), surnames=["O'Brien & <Sons>", "Plain"]
    )
    mark = MarkFactory(
        pupil=pupils[0],
        school=school,
        code_id="L",
        minutes_late=7,
        source=MarkSource.OFFICE,
        recorded_by=office,
    )
    mark.amendment_count = 2
    lines = [
        {
            "pupil": pupils[0],
            "mark": mark,
            "expected": "",
            "expected_why": "",
            "code": "L",
            "arrived": "",
            "seen": 1,
        },
        {
            "pupil": pupils[1],
            "mark": None,
            "expected": "I",
            "expected_why": "reported: <flu>",
            "code": "I",
            "arrived": "09:20",
            "seen": "",
        },
    ]
    options = (
        '<option value="">Not marked</option><option value="L">L</option>'
        '<option value="I">I</option>'
    )
    for keeps in (False, True):
        one_by_one = "".join(
            f"\n        {register_line(line, options, keeps, school.pk)}\n      " for line in lines
        )
        assert str(register_lines(lines, options, keeps, school.pk)) == one_by_one
    assert "O&#x27;Brien &amp; &lt;Sons&gt;" in one_by_one
    assert str(register_lines([], options, False, school.pk)).strip() == (
        "<li>No pupils are on this class's roll on this day.</li>"
    )
