"""Real services that the outbox tests start for themselves, each on a port of its own on
127.0.0.1 (their Redis, which they stop and restart, is tests/redis_process.py's): a Celery
worker process they can kill, an SMTP server (aiosmtpd) that counts what it receives, and
a small server speaking GOV.UK Notify's API."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from aiosmtpd.controller import Controller

from tests.redis_process import free_port

__all__ = ["free_port"]  # for the outbox tests, with the servers here

ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll `condition` until it is truthy; fail the test, saying what was awaited, if not."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {timeout} s for {what}.")
        time.sleep(0.05)


class Worker:
    """`celery worker` as production runs it (prefork, one process, the project's settings),
    in its own process on the test's Redis, database and SMTP server."""

    def __init__(self, *, broker_url: str, database_url: str, smtp_port: int, media: str) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "attendance_site.settings",
            "DEBUG": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "3",
            "MEDIA_ROOT": media,
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "INFO",
        }
        self.log = Path(tempfile.mkstemp(prefix="outbox-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.log.write_text("")
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "attendance_site",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    "1",
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel",
                    "INFO",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: " ready." in self.log.read_text(), timeout=60, what="the worker")
        return self

    def pool_processes(self) -> list[int]:
        """The worker's pool processes (the children that run the tasks)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def kill_pool_process(self) -> None:
        """Kill the process running the task, as the kernel's OOM killer would: the worker
        sees WorkerLostError and starts another."""
        for pid in self.pool_processes():
            os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)
        self.process = None


class _Collect:
    def __init__(self) -> None:
        self.received: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a port chosen now; until `start`, the port refuses connections."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Collect()
        self.controller: Controller | None = None

    @property
    def received(self) -> list:
        return self.handler.received

    def recipients(self) -> list[str]:
        return sorted(address for _, rcpt_tos, _ in self.received for address in rcpt_tos)

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class SilentServer:
    """Accepts connections and never says a word (a mail server that hangs)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()


# GOV.UK Notify's API key: "{name}-{service id}-{secret}", the client reads the two UUIDs off
# the end and signs a JWT (HS256, iss = service id, iat) with the secret.
NOTIFY_SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
NOTIFY_SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
NOTIFY_API_KEY = f"outbox_test-{NOTIFY_SERVICE_ID}-{NOTIFY_SECRET}"
NOTIFY_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"


class NotifyServer:
    """A small server answering POST /v2/notifications/sms as GOV.UK Notify does: it checks the
    bearer token (a JWT signed with the key's secret, issued by the service), then gives the
    next scripted answer (201 by default) and records every request it accepted."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[int] = []  # statuses to give, in turn, before 201s
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # no request lines in the test output
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                try:
                    claims = jwt.decode(token, NOTIFY_SECRET, algorithms=["HS256"])
                    assert claims["iss"] == NOTIFY_SERVICE_ID and "iat" in claims
                except (jwt.PyJWTError, AssertionError, KeyError):
                    return self._answer(403, _error(403, "AuthError", "Invalid token: signature"))
                if self.path != "/v2/notifications/sms":
                    return self._answer(404, _error(404, "NotFoundError", "Not found"))
                status = server.answers.pop(0) if server.answers else 201
                if status != 201:
                    return self._answer(status, _error(status, *ERRORS[status]))
                server.requests.append(body)
                return self._answer(
                    201,
                    {
                        "id": f"740e5834-3a29-46b4-9a6f-16142fde{len(server.requests):04d}",
                        "reference": body.get("reference"),
                        "content": {"body": body["personalisation"].get("message", "")},
                        "template": {"id": body["template_id"], "version": 1},
                    },
                )

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


# Notify's error answers (its API documentation, "Error codes" of POST /v2/notifications/sms).
ERRORS = {
    400: ("ValidationError", "phone_number Not a UK mobile number"),
    403: ("AuthError", "Error: Your system clock must be accurate to within 30 seconds"),
    429: (
        "RateLimitError",
        "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
    ),
    500: ("Exception", "Internal server error"),
}


def _error(status: int, kind: str, message: str) -> dict:
    return {"status_code": status, "errors": [{"error": kind, "message": message}]}
