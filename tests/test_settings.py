"""Settings come from the environment; production refuses to start without its secret."""

import os
import subprocess
import sys

from django.conf import settings


def _settings_in_subprocess(env: dict, expression: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "REDIS_URL")}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'attendance_site.settings'; "
        f"django.setup(); from django.conf import settings as s; print({expression})"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_production_without_a_secret_key_refuses_to_start():
    result = _settings_in_subprocess({"DEBUG": "0"}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_without_redis_celery_runs_tasks_in_process_and_the_cache_is_local():
    result = _settings_in_subprocess(
        {"DEBUG": "1"}, "s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND']"
    )
    assert result.stdout.strip() == "True django.core.cache.backends.locmem.LocMemCache"


def test_with_redis_celery_uses_it_as_broker():
    result = _settings_in_subprocess(
        {"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/3"},
        "s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL",
    )
    assert result.stdout.strip() == "False redis://127.0.0.1:6379/3"


def test_the_embedded_default_database_is_sqlite_under_var():
    result = _settings_in_subprocess(
        {"DEBUG": "1", "DATABASE_URL": ""}, "s.DATABASES['default']['NAME']"
    )
    assert result.stdout.strip().endswith("var/attendance.sqlite3")


def test_with_redis_sessions_stay_in_the_database_and_the_cache_fails_open():
    # Issue 19: "sessions in the database (not cached_db)"; the cache fails open; queueing a
    # task gives up within seconds and waits for no result.
    result = _settings_in_subprocess(
        {"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/3"},
        "s.SESSION_ENGINE, s.CACHES['default']['BACKEND'], s.CELERY_TASK_IGNORE_RESULT, "
        "s.CELERY_TASK_PUBLISH_RETRY_POLICY['max_retries'], "
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['socket_timeout']",
    )
    engine, backend, ignore_result, retries, read_timeout = result.stdout.split()
    assert engine == "django.contrib.sessions.backends.db"
    assert backend == "attendance_site.cache.FailOpenRedisCache"
    assert ignore_result == "True"
    assert int(retries) <= 1 and float(read_timeout) <= 5
