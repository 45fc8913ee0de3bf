"""`/health/`: the database, Redis, a Celery worker and the outbox, each with its status (issue 19).

Issue 19: "A health endpoint that checks the database, Redis, the worker [...] used by
docker-compose." The worker is a real one, in a thread, on a Redis of the test's own
(tests/redis_process.py), stopped and started by the test.
"""

import json
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import override_settings
from django.utils import timezone

from attendance_site import health
from attendance_site.celery import app as celery_app
from registers.models import MessageKind, OutboxMessage, OutboxStatus
from registers.services.outbox import outbox_add
from tests.redis_process import RedisProcess, site_on

pytestmark = pytest.mark.django_db

URL = "/health/"


@pytest.fixture
def redis_server():
    server = RedisProcess()
    server.start()
    with site_on(server), override_settings(REDIS_URL=server.url):
        yield server
    server.stop()


def _statuses(response) -> dict:
    body = response.json()
    return {"": body["status"], **{name: c["status"] for name, c in body["checks"].items()}}


def test_healthy_with_tasks_run_in_process_and_no_redis(client):
    # The embedded set-up (`make run`): no Redis, no worker; neither is failing.
    with override_settings(REDIS_URL=""):
        response = client.get(URL)
    assert response.status_code == 200
    assert _statuses(response) == {
        "": "ok",
        "database": "ok",
        "redis": "not used",
        "worker": "not used",
        "outbox": "ok",
    }
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.redis_server
def test_a_worker_answering_through_redis_is_healthy_and_without_either_it_is_503(
    client, redis_server
):
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        response = client.get(URL)
        assert response.status_code == 200, response.json()
        assert _statuses(response) == {
            "": "ok",
            "database": "ok",
            "redis": "ok",
            "worker": "ok",
            "outbox": "ok",
        }

    # The worker gone: Redis still answers, nobody answers the ping.
    response = client.get(URL)
    assert response.status_code == 503
    assert _statuses(response) == {
        "": "failing",
        "database": "ok",
        "redis": "ok",
        "worker": "failing",
        "outbox": "ok",
    }
    assert response.json()["checks"]["worker"]["seconds"] < 3

    # Redis stopped too: both failing, soon.
    redis_server.stop()
    response = client.get(URL)
    assert response.status_code == 503
    statuses = _statuses(response)
    assert (statuses["redis"], statuses["worker"], statuses["database"]) == (
        "failing",
        "failing",
        "ok",
    )
    assert sum(c["seconds"] for c in response.json()["checks"].values()) < 5


def test_one_check_can_be_asked_for_alone_and_an_unknown_one_is_refused(client):
    response = client.get(URL, {"check": "database"})
    assert response.status_code == 200
    assert list(response.json()["checks"]) == ["database"]
    response = client.get(URL, {"check": "pupils"})
    assert response.status_code == 400
    assert response.json()["checks"] == sorted(health.CHECKS)


def test_a_check_registered_by_an_app_is_run_and_its_failure_makes_it_503(client):
    # Built so more checks can be added (the outbox's oldest unsent message).
    @health.health_check("outbox-test")
    def failing() -> str:
        raise RuntimeError("Pupil Surname's letter")  # never shown

    try:
        response = client.get(URL)
    finally:
        del health.CHECKS["outbox-test"]
    assert response.status_code == 503
    assert response.json()["checks"]["outbox-test"]["status"] == "failing"
    assert "Surname" not in response.content.decode()


def test_it_answers_anyone_and_reveals_nothing_else(client):
    # Open without signing in: statuses and timings only, no session opened.
    response = client.get(URL)
    body = json.loads(response.content)
    assert set(body) == {"status", "checks"}
    for check in body["checks"].values():
        assert set(check) == {"status", "seconds"}
    assert "sessionid" not in response.cookies
    assert client.post(URL).status_code == 405


@override_settings(ALLOWED_HOSTS=["attendance.example.org"], SECURE_SSL_REDIRECT=True, DEBUG=False)
def test_a_probe_from_inside_the_container_over_plain_http_is_answered(client):
    # docker-compose probes the container by its own address, without TLS: no redirect to
    # HTTPS and no refusal of the host name, for this path only.
    response = client.get(URL, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400


def test_a_message_waiting_longer_than_three_sweeps_makes_it_503(client):
    # Issue 19: the health endpoint checks "the outbox's oldest unsent message". One queued
    # normally is sent within seconds; one still waiting after 15 minutes means the broker, the
    # worker or the mail server has been failing that long.
    with override_settings(REDIS_URL=""):
        message = outbox_add(
            kind=MessageKind.REGISTER_REMINDERS, about_id=1, description="Register reminders"
        )
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.PENDING, created_at=timezone.now() - timedelta(minutes=14)
        )
        assert _statuses(client.get(URL + "?check=outbox"))["outbox"] == "ok"

        OutboxMessage.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - timedelta(minutes=16)
        )
        response = client.get(URL + "?check=outbox")
    assert response.status_code == 503
    assert _statuses(response) == {"": "failing", "outbox": "failing"}
    # Nothing about the message itself is told.
    assert "Register reminders" not in response.content.decode()
