"""The user's roles are read once per request, and straight from the database outside one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from registers import permissions
from registers.models import Membership, Role
from tests.test_register_pages import _take, _url


def _membership_reads(queries) -> int:
    # The ORM quotes the table's name; the register's fixed statement (issue #23), which reads
    # the roles with the class, does not.
    return sum("registers_membership" in q["sql"] for q in queries.captured_queries)


def test_a_register_page_reads_the_users_roles_once_for_all_its_access_checks(
    client, monday_morning, class_4a, pupils_4a, office
):
    # Issue #8: "access checks cost one query per request at most" (the class, the history
    # and amend links each ask `has_permission`).
    _take(class_4a, pupils_4a, office)
    client.force_login(office)
    client.get(_url(class_4a))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(_url(class_4a)).content.decode()
    assert ">history</a>" in page and ">amend</a>" in page
    # The access checks' one read is the class's (with the user's roles at its school); the
    # other is the navigation bar's, which lists the links of every school the user works at.
    assert _membership_reads(queries) == 2


def test_a_register_save_reads_the_users_roles_once(
    client, monday_morning, class_4a, pupils_4a, teacher_4a
):
    # Issue #8: "access checks cost one query per request at most".
    client.force_login(teacher_4a)
    form = {"pupil": [p.pk for p in pupils_4a], "action": "save", "reason": ""}
    form |= {f"code-{p.pk}": "/" for p in pupils_4a}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(_url(class_4a), form).status_code == 302
    assert _membership_reads(queries) == 1


def test_outside_a_request_a_changed_role_counts_at_once(school, teacher_4a):
    # "Nothing else compares roles": a task or command asks the database every time, so a
    # teacher made office staff may amend marks straight away.
    ask = {"user": teacher_4a, "school_id": school.pk, "permission": permissions.AMEND_MARKS}
    assert not permissions.has_permission(**ask)
    Membership.objects.filter(user=teacher_4a, school=school).update(role=Role.OFFICE)
    assert permissions.has_permission(**ask)
