"""Reads from a streaming replica (issue 24: "a database router sends the figures, dashboards,
exports and the API's reads to a replica ... and everything that must see its own writes
(registers, amendments, decisions) to the primary").

The replica is a real standby of the test database's PostgreSQL (`.ci/replica`, started by
`.ci/run`), at TEST_REPLICA_DATABASE_URL; the tests add it as the `replica` alias, as
REPLICA_DATABASE_URL does in production, and tell the two apart by `pg_is_in_recovery()` on the
connection each query went to. The tests commit (the replica sees only committed data).
"""

import os
import time
from collections.abc import Iterator
from datetime import date, datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from core.db_routing import REPLICA, replica_lag_forget, replica_lag_seconds
from registers.models import Mark, Role
from tests.conftest import LONDON
from tests.factories import MarkFactory, MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.replica,
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=["default", "replica"]
    ),
]

MONDAY = date(2025, 9, 8)


def _in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def _caught_up(condition, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"The replica did not catch up in {timeout} s.")
        time.sleep(0.05)


def _replayed_all_the_primary_wrote() -> None:
    """Wait until the standby has replayed everything the primary has written so far. A test
    that pauses replay must not pause it in the middle of an earlier test's flush: the standby
    would hold that TRUNCATE's lock on the marks and every read of them would wait for ever."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        row = cursor.fetchone()
    assert row is not None
    target = row[0]

    def replayed() -> bool:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            found = cursor.fetchone()
        return bool(found and found[0])

    _caught_up(replayed)


@pytest.fixture
def replica() -> Iterator[str]:
    """The `replica` alias (the primary's mirror in test_settings) pointed at the standby,
    reading the same test database, and reads from it turned on."""
    where = urlsplit(os.environ["TEST_REPLICA_DATABASE_URL"])
    standby = connections[REPLICA]
    standby.close()
    mirrored = standby.settings_dict
    standby.settings_dict = {**mirrored, "HOST": where.hostname, "PORT": str(where.port)}
    replica_lag_forget()
    cache.clear()
    try:
        with override_settings(REPLICA_READS=True):
            # The standby has the test database once it has replayed its creation.
            _caught_up(lambda: _connects(REPLICA))
            assert _in_recovery(REPLICA) and not _in_recovery("default")
            _replayed_all_the_primary_wrote()
            yield REPLICA
    finally:
        standby.close()
        standby.settings_dict = mirrored
        replica_lag_forget()
        cache.clear()


def _connects(alias: str) -> bool:
    try:
        connections[alias].ensure_connection()
    except Exception:
        connections[alias].close()
        return False
    return True


@pytest.fixture
def head(school):
    user = UserFactory(username="head", first_name="Helen", last_name="Headteacher")
    MembershipFactory(user=user, school=school, role=Role.HEAD, position="Headteacher")
    return user


def _marks_committed(school, pupils) -> list[Mark]:
    return [
        MarkFactory(pupil=pupil, school=school, date=MONDAY, session="AM", code_id="/")
        for pupil in pupils
    ]


def _visible_on_replica(model, **lookup) -> bool:
    return model.objects.using(REPLICA).filter(**lookup).exists()


def test_the_figures_page_reads_the_replica_and_the_primary_only_for_signing_in(
    replica, client, school, pupils_4a, head
):
    # Issue 24: "the figures, dashboards, exports ... to a replica".
    marks = _marks_committed(school, pupils_4a)
    _caught_up(lambda: _visible_on_replica(Mark, pk=marks[-1].pk))  # the lag, tolerated
    client.force_login(head)
    client.get(reverse("report_school", args=[school.pk]))  # a first page: the next still reads it
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
        time_machine.travel(MONDAY.replace(day=12), tick=False),
    ):
        answer = client.get(reverse("report_school", args=[school.pk]))
    assert answer.status_code == 200
    assert len(on_replica) > 3
    assert any("registers_mark" in query["sql"] for query in on_replica)
    # The primary answered who is signed in and nothing about the pupils' marks.
    assert not any("registers_mark" in query["sql"] for query in on_primary)
    assert all(
        any(table in query["sql"] for table in ("django_session", "auth_user", "otp_"))
        for query in on_primary
    ), [query["sql"][:80] for query in on_primary]


def test_the_api_reads_the_replica_but_the_register_stays_on_the_primary(
    replica, client, school, class_4a, pupils_4a, head
):
    # Issue 24: "the API's reads" to the replica; "registers" to the primary.
    marks = _marks_committed(school, pupils_4a)
    _caught_up(lambda: _visible_on_replica(Mark, pk=marks[-1].pk))
    token = Token.objects.create(user=head)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    _caught_up(lambda: _visible_on_replica(Token, key=token.key))
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        answer = client.get(f"/api/v1/marks/?school={school.pk}", **auth)
    assert answer.status_code == 200 and answer.json()["count"] == len(marks)
    assert any("registers_mark" in query["sql"] for query in on_replica)

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        answer = client.get(reverse("api:register", args=[class_4a.pk, MONDAY, "AM"]), **auth)
    assert answer.status_code == 200
    assert len(on_replica) == 0


def test_a_register_saved_writes_the_primary_only_and_its_author_then_reads_the_primary(
    replica, client, school, class_4a, pupils_4a, teacher_4a, head
):
    # Writes never go to the replica; after a write, that user reads their own writes.
    client.force_login(teacher_4a)
    body = {
        "marks": [{"pupil": pupil.pk, "code": "/", "seen_version": None} for pupil in pupils_4a]
    }
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        time_machine.travel(datetime(2025, 9, 8, 10, 0, tzinfo=LONDON), tick=False),
    ):
        saved = client.post(
            reverse("api:register", args=[class_4a.pk, MONDAY, "AM"]),
            body,
            content_type="application/json",
        )
    assert saved.status_code in (200, 201), saved.content[:300]
    assert Mark.objects.filter(date=MONDAY, session="AM").count() == len(pupils_4a)
    assert len(on_replica) == 0

    # The teacher's next figures page, within REPLICA_STICKY_SECONDS, reads the primary ...
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        answer = client.get(reverse("report_classes", args=[school.pk]))
    assert answer.status_code == 200 and len(on_replica) == 0
    # ... while another user (the head, who wrote nothing) reads the replica.
    client.force_login(head)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        client.get(reverse("report_school", args=[school.pk]))
    assert len(on_replica) > 0


def test_a_replica_too_far_behind_is_not_read(replica, client, school, pupils_4a, head):
    # Lag tolerated up to REPLICA_MAX_LAG_SECONDS, never beyond: replay paused on the standby,
    # a write on the primary, and the figures come from the primary until it catches up.
    client.force_login(head)
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        marks = _marks_committed(school, pupils_4a)
        time.sleep(1.2)
        assert not _visible_on_replica(Mark, pk=marks[-1].pk)
        assert replica_lag_seconds() >= 1
        replica_lag_forget()
        with (
            override_settings(REPLICA_MAX_LAG_SECONDS=1),
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            answer = client.get(reverse("report_school", args=[school.pk]))
        assert answer.status_code == 200
        assert [query["sql"] for query in on_replica if "registers_mark" in query["sql"]] == []
        assert any("registers_mark" in query["sql"] for query in on_primary)
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    _caught_up(lambda: _visible_on_replica(Mark, pk=marks[-1].pk))
    # Caught up again (other databases of the cluster may keep it a moment behind).
    _caught_up(lambda: replica_lag_seconds() < 1)
