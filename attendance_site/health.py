"""`/health/`: is the site able to work? For docker-compose, a load balancer or a monitor.

Each check is a function registered with `@health_check("name")`: it returns "ok" (or "not
used", for a part this installation runs without) or raises. The answer is JSON with each
check's status and how long it took, 200 when none is failing and 503 when any is;
`?check=name` (repeatable) runs only those. It names no pupil, school or error message, so it
is open to anyone: an error is logged by its class, for the operator.

It is answered by a middleware ahead of all the others: a probe from docker-compose or a load
balancer reaches the container by its own address, over plain HTTP, with no session, so it
must not meet the host check (ALLOWED_HOSTS), the HTTPS redirect or the sign-in.

More checks: decorate a function in a module imported at start-up (an app's `ready()`), e.g.
the outbox's oldest unsent message. Keep each to a second or two: a probe waits for them all.
"""

import logging
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

PATH = "/health/"
OK, NOT_USED, FAILING = "ok", "not used", "failing"

CHECKS: dict[str, Callable[[], str]] = {}


def health_check(name: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    """Register a check under `name` (the key of its answer)."""

    def register(check: Callable[[], str]) -> Callable[[], str]:
        CHECKS[name] = check
        return check

    return register


class Unhealthy(Exception):
    """A check's failure that is not an exception of the part it checks."""


@health_check("database")
def database() -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL statement_timeout = 2000")  # this transaction only
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


@health_check("redis")
def redis_server() -> str:
    """Celery's broker and the cache. Down, pages still work (slower); tasks wait."""
    if not settings.REDIS_URL:
        return NOT_USED  # tasks run in the web process, the cache in its memory
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return OK


@health_check("worker")
def worker() -> str:
    """A Celery worker answers a ping through the broker within a second."""
    from attendance_site.celery import app

    if app.conf.task_always_eager:
        return NOT_USED
    with app.connection_for_write() as broker:
        # Down, the broker is tried twice, not for the default 6 s.
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2)
        if not app.control.ping(timeout=1.0, limit=1, connection=broker):
            raise Unhealthy("no worker answered")
    return OK


def health_report(names: list[str] | None = None) -> dict:
    """Each check's status and seconds; "status" is "failing" when any of them is."""
    results = {}
    for name in names or list(CHECKS):
        started = time.perf_counter()
        try:
            status = CHECKS[name]()
        except Exception as error:  # any failure of the part checked is its answer
            logger.warning("Health check %s failing (%s).", name, error.__class__.__name__)
            status = FAILING
        results[name] = {"status": status, "seconds": round(time.perf_counter() - started, 3)}
    failing = any(result["status"] == FAILING for result in results.values())
    return {"status": FAILING if failing else OK, "checks": results}


def _answer(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response: HttpResponse = JsonResponse({"detail": "Use GET."}, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    names = request.GET.getlist("check")
    unknown = [name for name in names if name not in CHECKS]
    if unknown:
        return JsonResponse({"detail": "Unknown check.", "checks": sorted(CHECKS)}, status=400)
    report = health_report(names)
    response = JsonResponse(report, status=503 if report["status"] == FAILING else 200)
    response["Cache-Control"] = "no-store"
    return response


class HealthEndpoint:
    """Middleware, first of all: answers PATH itself, before any other middleware runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH:
            return _answer(request)
        return self.get_response(request)
