"""The suite itself: in CI (REQUIRE_SERVICES=1) it really runs on PostgreSQL and Redis."""

import os

import pytest
from django.db import connection


@pytest.mark.postgres
def test_ci_runs_on_postgresql(db):
    assert connection.vendor == "postgresql"


@pytest.mark.redis
def test_redis_answers_at_redis_url():
    import redis

    assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping() is True
