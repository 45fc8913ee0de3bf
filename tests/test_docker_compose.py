"""The docker-compose installation: Redis persists, the web and worker are health-checked
(issue 19). The development machine has no Docker engine, so the file is read, and the web's
health check run as a command against a live server."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.test_settings import _settings_in_subprocess

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_redis_keeps_queued_tasks_across_a_restart():
    # Issue 19: "Redis restarted with a task waiting: the task was gone"; "Redis with AOF".
    command = SERVICES["redis"]["command"]
    assert "--appendonly yes" in command
    assert any(volume.endswith(":/data") for volume in SERVICES["redis"]["volumes"])
    assert "redisdata" in COMPOSE["volumes"]


def test_the_web_and_the_worker_are_health_checked():
    web = " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/health/" in web
    worker = " ".join(SERVICES["worker"]["healthcheck"]["test"])
    assert "inspect ping --destination celery@$$HOSTNAME" in worker


def test_database_connections_persist_and_are_checked_before_reuse():
    # Issue 19: "CONN_HEALTH_CHECKS on wherever connections persist".
    for env in ({}, {"CONN_MAX_AGE": "300"}):
        result = _settings_in_subprocess(
            {"DEBUG": "1", **env},
            "s.DATABASES['default']['CONN_MAX_AGE'], s.DATABASES['default']['CONN_HEALTH_CHECKS']",
        )
        max_age, checked = result.stdout.split()
        assert int(max_age) == int(env.get("CONN_MAX_AGE", 60))
        assert checked == "True"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_webs_health_check_command_passes_against_a_running_site(live_server):
    test = SERVICES["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    code = test[3].replace("http://127.0.0.1:8000", live_server.url)
    assert subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0
    unknown = code.replace("check=database", "check=nothing-of-the-sort")
    assert subprocess.run([sys.executable, "-c", unknown], timeout=30).returncode != 0
