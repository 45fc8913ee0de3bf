"""The navigation bar: each role's places, with what is waiting in each, on every page.

Issue #22: "Navigation by role with counts: registers not yet taken, absences to chase,
parents' reports pending, leave waiting for the head, safeguarding flags, cases needing a
decision"; "the head's home is 15 plain links ... with no counts"; "the safeguarding page is
linked only from inside Absence today". Counts are asked in one query whatever their size.
"""

import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from absences.models import LeaveCategory, LeaveRequest, ParentReport, ReportKind, SafeguardingFlag
from penalties.models import ThresholdCase
from registers.models import Role
from tests.conftest import LONDON, MONDAY
from tests.factories import (
    ContactFactory,
    MarkFactory,
    MembershipFactory,
    UserFactory,
    enrol_in_group,
)

pytestmark = pytest.mark.django_db


def _nav(page: str) -> dict[str, str]:
    """{label: count or ""} of the page's navigation bar."""
    found_bar = re.search(r'<nav class="site-nav".*?</nav>', page, re.S)
    assert found_bar is not None
    bar = found_bar.group(0)
    found = {}
    for link in re.findall(r"<a [^>]*>(.*?)</a>", bar, re.S):
        label = re.sub(r"<span class=\"count\">.*", "", link, flags=re.S).strip()
        count = re.search(r'<span class="count">(\d+)', link)
        found[unescape(label)] = count.group(1) if count else ""
    return found


@pytest.fixture
def head(school):
    user = UserFactory(username="head", first_name="Hana", last_name="Head")
    MembershipFactory(user=user, school=school, role=Role.HEAD, position="Headteacher")
    return user


def _work_waiting(school, office, pupils, n: int) -> None:
    """`n` of each: pupils marked N this morning, parents' reports, leave requests, open flags
    and undecided threshold cases."""
    now = timezone.now()
    for pupil in pupils[:n]:
        MarkFactory(pupil=pupil, school=school, date=MONDAY, session="AM", code_id="N")
        contact = ContactFactory()
        ParentReport.objects.create(
            school=school,
            pupil=pupil,
            first_day=MONDAY + timedelta(days=1),
            last_day=MONDAY + timedelta(days=1),
            contact=contact,
            kind=ReportKind.ILLNESS,
            submitted_at=now,
            submitted_by=office,
        )
        LeaveRequest.objects.create(
            school=school,
            pupil=pupil,
            first_day=MONDAY + timedelta(days=21),
            last_day=MONDAY + timedelta(days=22),
            category=LeaveCategory.EXCEPTIONAL,
            reason="A family funeral",
            received_on=MONDAY,
            recorded_by=office,
            recorded_at=now,
        )
        SafeguardingFlag.objects.create(
            school=school, pupil=pupil, raised_on=MONDAY, raised_at=now, raised_by=office
        )
        ThresholdCase.objects.create(
            school=school,
            pupil=pupil,
            window_start=date(2025, 9, 3),
            window_end=MONDAY,
            sessions=10,
            opened_on=MONDAY,
            opened_at=now,
        )


@time_machine.travel(datetime(2025, 9, 8, 10, 30, tzinfo=LONDON), tick=False)
def test_the_head_sees_every_place_with_what_is_waiting(client, school, class_4a, office, head):
    # Issue #22: counts of registers not taken, absences to chase, parents' reports, leave
    # waiting for the head, safeguarding flags and cases needing a decision.
    _work_waiting(school, office, enrol_in_group(class_4a, 3), 2)
    client.force_login(head)
    page = client.get(reverse("home")).content.decode()
    nav = _nav(page)
    assert nav["Registers"] == "1"  # 4A's AM register: open since 08:45, not taken
    assert nav["Absence today"] == "2"
    assert nav["Parents' reports"] == "2"
    assert nav["Leave to decide"] == "2"
    assert nav["Safeguarding"] == "2"
    assert nav["Threshold cases"] == "2"
    assert nav["Intervention ladder"] == "" and "Federation" in nav
    # The head's home: what is waiting, not a list of plain links.
    assert "Waiting for you" in page
    assert reverse("safeguarding_flags", args=[school.pk]) in page


@time_machine.travel(datetime(2025, 9, 8, 10, 30, tzinfo=LONDON), tick=False)
def test_the_office_sees_no_head_or_lead_place(client, school, class_4a, office):
    # POLICY: only the head decides leave; safeguarding and cases are the lead's and head's.
    _work_waiting(school, office, enrol_in_group(class_4a, 1), 1)
    client.force_login(office)
    nav = _nav(client.get(reverse("absence_today", args=[school.pk])).content.decode())
    assert nav["Absence today"] == "1"
    assert "Leave" in nav and "Leave to decide" not in nav
    assert "Safeguarding" not in nav and "Threshold cases" not in nav


@time_machine.travel(datetime(2025, 9, 8, 10, 30, tzinfo=LONDON), tick=False)
def test_a_teacher_sees_their_registers_not_taken_and_no_office_place(
    client, school, class_4a, teacher_4a
):
    enrol_in_group(class_4a, 2)
    client.force_login(teacher_4a)
    nav = _nav(client.get(reverse("home")).content.decode())
    assert nav["Today"] == "1"
    assert "Absence today" not in nav and "Registers" not in nav
    assert "Class figures" in nav


@time_machine.travel(datetime(2025, 9, 8, 8, 0, tzinfo=LONDON), tick=False)
def test_a_register_not_yet_open_is_not_counted(client, school, class_4a, teacher_4a):
    # Before 08:45 no register is due: nothing is "not taken" yet.
    client.force_login(teacher_4a)
    assert _nav(client.get(reverse("home")).content.decode())["Today"] == ""


@time_machine.travel(datetime(2025, 9, 8, 10, 30, tzinfo=LONDON), tick=False)
def test_the_counts_cost_the_same_queries_however_much_is_waiting(
    client, school, class_4a, office, head, django_assert_max_num_queries
):
    # The house rule: constant query counts per page. The bar asks one query for every count.
    pupils = enrol_in_group(class_4a, 8)
    _work_waiting(school, office, pupils, 1)
    client.force_login(head)
    url = reverse("leave_requests", args=[school.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _work_waiting(school, office, pupils[1:], 7)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert _nav(page)["Leave to decide"] == "8"
