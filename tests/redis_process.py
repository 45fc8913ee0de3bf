"""A Redis server of a test's own, on a free port, to stop, freeze and start again.

Never the machine's Redis on 6379: a test that stopped that one would break every other
engineer's tests. And the site pointed at it in-process: the cache (as settings build it for a
REDIS_URL) and Celery's broker.
"""

import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.test import override_settings

from attendance_site import cache as fail_open
from attendance_site.celery import app as celery_app
from attendance_site.settings import redis_cache

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisProcess:
    def __init__(self) -> None:
        # Tests that start one are marked `redis_server`: without the program they are skipped,
        # or fail under REQUIRE_SERVICES=1, by the rule in the root conftest.py.
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed: mark the test `redis_server`.")
        self.server: str = REDIS_SERVER
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisProcess":
        """Started (again, after `stop`, empty: nothing is kept on disk)."""
        if self.process is not None:
            return self
        # No RDB or AOF file: nothing of a test outlives its server.
        self.process = subprocess.Popen(
            [self.server, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis.from_url(self.url, socket_connect_timeout=0.2) as client:
                    client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Stopped: a connection is refused at once."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Running, but answering nothing: connections are accepted and never answered, as
        from a Redis swapping, or behind a network that drops its packets."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)


def _forget_broker_state() -> None:
    """Drop what Celery built from its previous settings (tests/test_celery_worker.py)."""
    # celery-types leave out these private caches of the app.
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.__dict__.pop("amqp", None)
    celery_app._backend_cache = None  # type: ignore[attr-defined]
    celery_app._local.__dict__.pop("backend", None)  # type: ignore[attr-defined]


@contextmanager
def site_on(server: RedisProcess) -> Iterator[str]:
    """The cache, Celery's broker and its result store on `server`, as settings configure them
    for a REDIS_URL,
    with tasks sent to the broker rather than run in-process. Yields the queue tasks go to
    (this test's own)."""
    queue = f"test-without-redis-{uuid.uuid4().hex}"
    changed = {
        "broker_url": server.url,
        "result_backend": server.url,
        "task_always_eager": False,
        "task_default_queue": queue,
    }
    saved = {key: celery_app.conf[key] for key in changed}
    celery_app.conf.update(changed)
    _forget_broker_state()
    fail_open.forget_failures()
    try:
        with override_settings(CACHES={"default": redis_cache(server.url)}):
            yield queue
    finally:
        celery_app.conf.update(saved)
        _forget_broker_state()
        fail_open.forget_failures()
