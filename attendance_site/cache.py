"""A Redis cache that fails open: while Redis is down, the site runs without its cache.

Nothing the site keeps in the cache is needed to answer a page: drawn charts (drawn again),
the register-reminder banner's flag (the database is asked instead). Sessions, the sign-in
lockout and the parents' sign-in limit are all in the database. So when Redis stops, or stops
answering, a cache read is a miss and a write is dropped, rather than a 500 for every page.

Two things keep a page quick while Redis is down. The connection has short timeouts (the
OPTIONS in settings: a refused connection fails at once, a Redis that accepts and never answers
after `socket_timeout`). And after a failure the cache is not asked again for
RETRY_AFTER_SECONDS, in any thread of the process, so a page with several cache calls pays
for at most one of them, and a busy site does not queue up behind timeouts.
"""

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5.0
Result = TypeVar("Result")

# Per process, shared by its threads (Django gives each thread its own cache object). A race
# between two threads at worst asks Redis once more.
_unavailable_until = 0.0


def redis_available() -> bool:
    """False within RETRY_AFTER_SECONDS of the last failure."""
    return time.monotonic() >= _unavailable_until


def _note_failure(error: RedisError) -> None:
    global _unavailable_until
    if redis_available():  # once per outage, not for every call
        logger.warning(
            "The cache (Redis) did not answer (%s); running without it for %s s.",
            error.__class__.__name__,
            RETRY_AFTER_SECONDS,
        )
    _unavailable_until = time.monotonic() + RETRY_AFTER_SECONDS


def forget_failures() -> None:
    """Ask Redis again at the next call (tests restarting their Redis)."""
    global _unavailable_until
    _unavailable_until = 0.0


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache, answering as an empty cache when Redis fails."""

    def _or(self, fallback: Result, call: Callable[[], Result]) -> Result:
        if not redis_available():
            return fallback
        try:
            return call()
        except RedisError as error:
            _note_failure(error)
            return fallback

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        parent = super()
        return self._or(False, lambda: parent.add(key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        parent = super()
        return self._or(default, lambda: parent.get(key, default, version))

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        parent = super()
        self._or(None, lambda: parent.set(key, value, timeout, version))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        parent = super()
        return self._or(False, lambda: parent.touch(key, timeout, version))

    def delete(self, key: Any, version: Any = None) -> bool:
        parent = super()
        return self._or(False, lambda: parent.delete(key, version))

    def get_many(self, keys: Any, version: Any = None) -> dict:
        parent = super()
        return self._or({}, lambda: parent.get_many(keys, version))

    def has_key(self, key: Any, version: Any = None) -> bool:
        parent = super()
        return self._or(False, lambda: parent.has_key(key, version))

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list:
        # Every key "failed to insert", as Django's API reports a write it could not make.
        parent = super()
        return self._or(list(data), lambda: parent.set_many(data, timeout, version))

    def delete_many(self, keys: Any, version: Any = None) -> None:
        parent = super()
        self._or(None, lambda: parent.delete_many(keys, version))

    def clear(self) -> bool:
        parent = super()
        return self._or(False, lambda: parent.clear())

    # incr (and decr, which calls it) is left to fail: a counter that silently stayed at its
    # old value would be wrong, and nothing here counts in the cache.
