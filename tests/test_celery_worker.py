"""The nightly threshold task through a real Celery worker on the Redis broker (issue 5).

Every other test runs Celery eagerly (test_settings). This one sends the task through Redis to a
worker running in a thread of the test process, which reads the committed test data over its
own database connection, and reads the result back from the Redis result backend.
"""

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
import redis
from celery import Celery
from celery.backends.redis import RedisBackend
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult, EagerResult
from celery.signals import task_prerun

from attendance_site.celery import app as celery_app
from penalties.models import ThresholdCase
from penalties.tasks import check_thresholds_for_every_school
from tests.test_thresholds import pupil_at, whole_days

# transaction: the worker's connection sees only committed data. serialized_rollback: the flush
# after a transactional test would drop the attendance-code catalogue (migration data).
pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FRIDAY = date(2025, 9, 19)  # a school day of the `school` fixture's autumn term (week 3)


def _forget_broker_state(app: Celery) -> None:
    """Drop what the app built from its previous settings: broker pool, queues, result backend.

    Celery caches these on first use; without this, a change to `app.conf` would not reach them.
    """
    app._pool = None  # kombu keeps the pools by URL: the old one stays usable for its URL
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def worker_on_redis() -> Iterator[Celery]:
    """A worker thread on REDIS_URL, and the app sending tasks through it, for this test only.

    The queue is this test's own, so a developer's `make worker` on the same Redis cannot take
    the task (and run it against another database). The settings are restored afterwards, so
    the tests after this one run eagerly again.
    """
    url = os.environ["REDIS_URL"]
    changed = {
        "broker_url": url,
        "result_backend": url,
        "task_always_eager": False,
        "task_default_queue": f"test-celery-worker-{uuid.uuid4().hex}",
    }
    saved = {key: celery_app.conf[key] for key in changed}
    celery_app.conf.update(changed)
    _forget_broker_state(celery_app)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield celery_app
    finally:
        celery_app.conf.update(saved)
        _forget_broker_state(celery_app)
        with redis.Redis.from_url(url) as client:
            client.delete(changed["task_default_queue"])


@pytest.fixture
def task_threads() -> Iterator[list[int]]:
    """The threads the tasks ran in, to tell a worker's run from an eager one."""
    threads: list[int] = []

    def record(**kwargs: object) -> None:
        threads.append(threading.get_ident())

    task_prerun.connect(record, weak=False)
    yield threads
    task_prerun.disconnect(record)


def test_the_nightly_task_runs_on_a_worker_through_redis_and_opens_no_duplicate(
    worker_on_redis, task_threads, school
):
    # Issue 5: "CI runs one test with a real Celery worker on the Redis broker"; the task's
    # docstring: "Running it twice opens no duplicate case."
    pupil = pupil_at(school)
    whole_days(pupil, school, date(2025, 9, 15), 5, "U")
    assert worker_on_redis.conf.task_always_eager is False

    # Results are kept only when asked for (settings: nothing else reads them).
    first = check_thresholds_for_every_school.apply_async(
        (FRIDAY.isoformat(),), ignore_result=False
    )
    assert not isinstance(first, EagerResult)
    assert first.get(timeout=30) == 1
    case = ThresholdCase.objects.get()
    assert (case.school_id, case.pupil_id, case.sessions) == (school.pk, pupil.pk, 10)

    second = check_thresholds_for_every_school.apply_async(
        (FRIDAY.isoformat(),), ignore_result=False
    )
    assert second.get(timeout=30) == 0
    assert ThresholdCase.objects.count() == 1

    # Both went through the broker to the worker's thread, and their results through Redis.
    assert len(task_threads) == 2
    assert threading.get_ident() not in task_threads
    assert isinstance(worker_on_redis.backend, RedisBackend)
    for result in (first, second):
        fetched = AsyncResult(result.id, app=worker_on_redis)
        assert fetched.state == "SUCCESS"
        result.forget()
