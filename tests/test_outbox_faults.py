"""Stopping each part at each point of issue 19's table, with a real Celery worker (a process,
prefork, as production runs it), a Redis server and an SMTP server that the tests start on
ports of their own: every message is sent exactly once after they return.

Issue 19, "Done when": "Tests, with a real Celery worker and a Redis that the test starts
itself on a port of its own (never the machine's Redis on 6379), stop that Redis and the worker
at each point above and show every message sent exactly once after they return."

The message followed is the head's leave decision letter (drawn with WeasyPrint, then e-mailed
to the two parents with parental responsibility and an address): the longest task, and the one
the table lost. The worker reads the test database (committed data: transactional tests) and
writes letters to the test's MEDIA_ROOT. The sweeper runs in the test process with `now` a
few minutes on, as Celery beat would run it then.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from absences.models import LeaveDecision, LeaveRequest
from attendance_site.celery import app as celery_app
from penalties.models import ThresholdCase, ThresholdCheck
from penalties.tasks import check_thresholds_for_every_school
from registers.models import MessageKind, OutboxMessage, OutboxStatus
from registers.services.calendar import school_calendar_rebuild
from registers.services.outbox import outbox_sweep
from registers.tasks import send_outbox_message
from tests import test_absences_leave as leave_tests
from tests.factories import SchoolFactory, SessionTimesFactory, TermFactory
from tests.outbox_services import SmtpServer, Worker, wait_for
from tests.redis_process import RedisProcess
from tests.test_celery_worker import _forget_broker_state
from tests.test_thresholds import pupil_at, whole_days

# The leave tests' people: the pupil and the parents written to (the head who decides is the
# conftest's).
pupil, parents = leave_tests.pupil, leave_tests.parents
_record, _decide = leave_tests._record, leave_tests._decide

pytestmark = [
    pytest.mark.redis,
    pytest.mark.redis_server,
    pytest.mark.postgres,
    pytest.mark.pdf,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PARENTS = ["frank@example.org", "maria@example.org"]
SWEEP_LATER = timedelta(minutes=6)  # past the first sweep (5 minutes after the decision)


@dataclass
class Stack:
    redis: RedisProcess
    smtp: SmtpServer
    worker: Worker


def _database_url() -> str:
    db = connection.settings_dict
    login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def stack() -> Iterator[Stack]:
    """Redis started, the SMTP server and the worker not yet; this process's Celery app
    sending to that Redis (restored afterwards: the other tests run eagerly)."""
    redis_server = RedisProcess().start()
    smtp = SmtpServer()
    worker = Worker(
        broker_url=redis_server.url,
        database_url=_database_url(),
        smtp_port=smtp.port,
        media=str(settings.MEDIA_ROOT),
    )
    changed = {
        "broker_url": redis_server.url,
        "result_backend": redis_server.url,
        "task_always_eager": False,
    }
    saved = {key: celery_app.conf[key] for key in changed}
    celery_app.conf.update(changed)
    _forget_broker_state(celery_app)
    try:
        yield Stack(redis_server, smtp, worker)
    finally:
        worker.stop()
        smtp.stop()
        redis_server.stop()
        celery_app.conf.update(saved)
        _forget_broker_state(celery_app)


def _letter_row(leave: LeaveRequest) -> OutboxMessage:
    return OutboxMessage.objects.get(kind=MessageKind.LEAVE_DECISION_LETTER, about_id=leave.pk)


def _wait_sent(leave: LeaveRequest) -> OutboxMessage:
    wait_for(lambda: _letter_row(leave).status == OutboxStatus.SENT, timeout=90, what="the letter")
    return _letter_row(leave)


def _letter_files(leave: LeaveRequest) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "letters" / "leave"
    return sorted(folder.rglob(f"leave-{leave.pk}-*")) if folder.exists() else []


def _temporary_files() -> list[Path]:
    return sorted(Path(settings.MEDIA_ROOT).rglob(".drawing-*"))


def _sent_exactly_once(stack: Stack, leave: LeaveRequest) -> None:
    """Each parent received the letter once; one letter file, whole; none half-written."""
    assert stack.smtp.recipients() == PARENTS
    leave.refresh_from_db()
    assert leave.letter_emailed_at is not None
    [stored] = _letter_files(leave)
    assert stored.read_bytes().startswith(b"%PDF-") and stored.stat().st_size > 1000
    assert _temporary_files() == []


def _a_duplicate_sends_nothing(stack: Stack, leave: LeaveRequest) -> None:
    """A second copy of the task (a broker's redelivery, a sweep) changes nothing."""
    send_outbox_message.delay(_letter_row(leave).pk)
    wait_for(lambda: stack.redis.client().llen("celery") == 0, timeout=30, what="the copy to run")
    time.sleep(2)
    assert stack.smtp.recipients() == PARENTS


def test_redis_down_when_the_letter_is_queued_delays_it_and_loses_nothing(
    stack, monday_morning, school, pupil, parents, office, head
):
    # The table: "Redis down when a task is queued: the head's leave decision was saved; the
    # queueing call blocked 19.5 s ... the letter was never sent".
    stack.redis.stop()
    leave = _record(school, pupil, office)
    started = time.monotonic()
    _decide(leave, head)
    assert time.monotonic() - started < 5  # the page is not held by the broker
    leave.refresh_from_db()
    assert leave.decision == LeaveDecision.APPROVED
    row = _letter_row(leave)
    assert (row.status, row.attempts, row.recipients) == (
        OutboxStatus.PENDING,
        0,
        "maria@example.org, frank@example.org",
    )

    stack.redis.start()
    stack.smtp.start()
    stack.worker.start()
    assert outbox_sweep(now=timezone.now() + timedelta(minutes=4)) == 0  # not yet due
    assert outbox_sweep(now=timezone.now() + SWEEP_LATER) == 1
    _wait_sent(leave)
    _sent_exactly_once(stack, leave)
    _a_duplicate_sends_nothing(stack, leave)


def test_redis_restarted_with_the_task_waiting_loses_nothing(
    stack, monday_morning, school, pupil, parents, office, head
):
    # The table: "Redis restarted with a task waiting: the task was gone; the letter never
    # sent". This Redis keeps nothing across a restart (no AOF): the outbox still has the row.
    leave = _record(school, pupil, office)
    _decide(leave, head)
    assert stack.redis.client().llen("celery") == 1  # queued; no worker running
    stack.redis.stop()
    stack.redis.start()
    assert stack.redis.client().llen("celery") == 0  # the task is gone

    stack.smtp.start()
    stack.worker.start()
    time.sleep(1)
    assert _letter_row(leave).status == OutboxStatus.PENDING
    assert outbox_sweep(now=timezone.now() + SWEEP_LATER) == 1
    _wait_sent(leave)
    _sent_exactly_once(stack, leave)
    _a_duplicate_sends_nothing(stack, leave)


def test_the_worker_killed_while_drawing_the_letter_runs_it_again_once(
    stack, monday_morning, school, pupil, parents, office, head
):
    # The table: "the worker killed while drawing a letter: WorkerLostError; not re-run".
    # Late acknowledgement and reject-on-worker-lost give the task back to the queue; a new
    # pool process draws and sends it, once.
    stack.smtp.start()
    leave = _record(school, pupil, office)
    _decide(leave, head)
    # Hold the request locked from another connection, so the worker is caught in the middle
    # of drawing (it locks the request to store the letter), however fast it draws.
    blocker = psycopg.connect(_database_url().replace("postgres://", "postgresql://"))
    blocker.execute("SELECT 1 FROM absences_leaverequest WHERE id = %s FOR UPDATE", (leave.pk,))
    try:
        stack.worker.start()
        wait_for(
            lambda: stack.redis.client().hlen("unacked") == 1,
            timeout=30,
            what="the worker to take it",
        )
        wait_for(lambda: _waiting_on_a_lock(blocker), timeout=30, what="the worker to draw")
        assert _letter_row(leave).status == OutboxStatus.PENDING  # still drawing
        stack.worker.kill_pool_process()
    finally:
        blocker.rollback()
        blocker.close()
    row = _wait_sent(leave)
    assert "WorkerLostError" in stack.worker.log.read_text()
    assert row.attempts == 1  # the killed attempt never reached the send
    _sent_exactly_once(stack, leave)
    wait_for(
        lambda: stack.redis.client().hlen("unacked") == 0, timeout=30, what="the acknowledgement"
    )
    _a_duplicate_sends_nothing(stack, leave)


def test_smtp_refusing_leaves_the_letter_to_be_tried_again_and_no_orphan_file(
    stack, monday_morning, school, pupil, parents, office, head
):
    # The table: "SMTP refusing connections: the letter task gave up after about 25 s; ...
    # 6 orphan PDFs were left on disk". The SMTP server's port refuses until it starts.
    stack.worker.start()
    leave = _record(school, pupil, office)
    _decide(leave, head)
    wait_for(lambda: _letter_row(leave).attempts == 1, timeout=60, what="the first attempt")
    row = _letter_row(leave)
    assert row.status == OutboxStatus.PENDING
    assert row.last_error.startswith("ConnectionRefusedError")
    # Tried again later, by the sweeper; the letter is drawn and stored once.
    assert row.next_attempt_at > row.created_at + timedelta(minutes=5)
    assert len(_letter_files(leave)) == 1
    assert stack.smtp.received == []

    stack.smtp.start()
    assert outbox_sweep(now=row.next_attempt_at) == 1
    _wait_sent(leave)
    _sent_exactly_once(stack, leave)
    assert _letter_row(leave).attempts == 2


FRIDAY = date(2025, 9, 19)  # week 3 of the autumn term


def _school_with_a_pupil_at_the_threshold(name: str):
    school = SchoolFactory(name=name)
    SessionTimesFactory(school=school)
    TermFactory(school=school)
    school_calendar_rebuild(school=school)
    whole_days(pupil_at(school), school, date(2025, 9, 15), 5, "U")
    return school


def test_the_nightly_threshold_task_killed_mid_way_carries_on_where_it_stopped(stack):
    # The table: "the nightly threshold task killed at school 3 of 50: not re-run until the
    # next night". Each school is checked in its own transaction with its record; the task is
    # given back to the queue when its process dies, and the re-run skips the schools done.
    schools = [_school_with_a_pupil_at_the_threshold(f"School {n}") for n in range(1, 5)]
    stack.worker.start()
    # Hold school 3's record open in another transaction: the worker stops there, mid-run.
    blocker = psycopg.connect(_database_url().replace("postgres://", "postgresql://"))
    blocker.execute(
        "INSERT INTO penalties_thresholdcheck (school_id, as_of, cases_opened, finished_at) "
        "VALUES (%s, %s, 0, now())",
        (schools[2].pk, FRIDAY),
    )
    try:
        check_thresholds_for_every_school.delay(FRIDAY.isoformat())
        wait_for(lambda: ThresholdCheck.objects.count() == 2, timeout=60, what="schools 1 and 2")
        wait_for(
            lambda: _waiting_on_a_lock(blocker), timeout=30, what="the worker to reach school 3"
        )
        done_before = dict(ThresholdCheck.objects.values_list("school_id", "finished_at"))
        assert set(done_before) == {schools[0].pk, schools[1].pk}
        stack.worker.kill_pool_process()
    finally:
        blocker.rollback()
        blocker.close()

    wait_for(lambda: ThresholdCheck.objects.count() == 4, timeout=90, what="the re-run")
    assert "WorkerLostError" in stack.worker.log.read_text()
    # Schools 1 and 2 were not checked again; every school has its one case.
    for school_id, finished_at in done_before.items():
        assert ThresholdCheck.objects.get(school_id=school_id).finished_at == finished_at
    assert sorted(ThresholdCase.objects.values_list("school_id", flat=True)) == [
        school.pk for school in schools
    ]
    # A later run that night (the beat's next hour) finds nothing to do.
    result = check_thresholds_for_every_school.apply_async(
        (FRIDAY.isoformat(),), ignore_result=False
    )
    assert result.get(timeout=60) == 0
    assert ThresholdCase.objects.count() == 4


def _waiting_on_a_lock(blocker: psycopg.Connection) -> bool:
    with psycopg.connect(_database_url().replace("postgres://", "postgresql://")) as look:
        row = look.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (connection.settings_dict["NAME"],),
        ).fetchone()
        return row is not None and bool(row[0])
