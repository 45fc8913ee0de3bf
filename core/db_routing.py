"""Reads from a streaming replica, when there is one (REPLICA_DATABASE_URL, alias `replica`).

Which requests read there: GET and HEAD requests to views marked `reads_from_replica` (the
figures pages, the dashboards, the exports and the API's reads; `replica_reads` marks a function
view, a class attribute an API view). Everything else reads the primary, and so does every
query of a marked request

- inside a transaction (it reads what it is about to write, under its locks);
- after the request's first write (a request that writes reads its own writes), except a line of
  the disclosure log, which the request never reads back, and the sign-in tables below;
- of the sign-in tables (sessions, users, second factors, lockouts): signing in and out must
  take effect on the next page, whichever node serves it;
- while this user wrote something in the last REPLICA_STICKY_SECONDS (default 10), on any
  node: a head who records a decision and opens the dashboard sees it there (read-your-writes;
  the mark is kept in the shared cache);
- while the replica is more than REPLICA_MAX_LAG_SECONDS (default 30) behind, or unreachable
  (checked at most every REPLICA_LAG_CHECK_SECONDS per process): figures a few seconds old are
  tolerated, older ones are not served.

The register, amendments, decisions and every form stay on the primary: their views are not
marked, and they write.
"""

import contextvars
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
# Read on the primary whatever the request: what signing in, out and the lockouts depend on.
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "auth", "axes", "otp_totp", "otp_static", "django_otp", "authtoken"}
)
# Writes that do not make a request read its own writes: the disclosure log only appends.
WRITES_NOT_READ_BACK = frozenset({"registers.accesslog"})

logger = logging.getLogger(__name__)

_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_replica", default=False
)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("wrote", default=False)

View = TypeVar("View", bound=Callable[..., Any])


def replica_reads(view: View) -> View:
    """Mark a function view whose GET answers may come from the replica."""
    view.reads_from_replica = True  # type: ignore[attr-defined]
    return view


def replica_configured() -> bool:
    return settings.REPLICA_READS and REPLICA in connections.settings


_lag_checked: dict[str, float] = {}


def replica_lag_seconds() -> float | None:
    """How far the replica's replay is behind what it has received from the primary, in
    seconds (0 when it has replayed everything), or None when it cannot be asked."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
            )
            (lag,) = cursor.fetchone()
    except DatabaseError:
        logger.warning("The replica cannot be reached: reading from the primary.")
        return None
    return float(lag or 0)


def replica_usable() -> bool:
    """Whether the replica is configured and close enough behind, asked at most every
    REPLICA_LAG_CHECK_SECONDS in this process."""
    if not replica_configured():
        return False
    now = time.monotonic()
    if now - _lag_checked.get("at", -1e9) >= settings.REPLICA_LAG_CHECK_SECONDS:
        lag = replica_lag_seconds()
        usable = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
        _lag_checked.update(at=now, usable=float(usable))
    return bool(_lag_checked["usable"])


def replica_lag_forget() -> None:
    """Ask the replica's lag afresh at the next request (a test changing the lag)."""
    _lag_checked.clear()


def _sticky_key(user_id: int) -> str:
    return f"db-routing:wrote:{user_id}"


class ReplicaRouter:
    """Django's database router: reads to the replica only inside a request the middleware
    chose, and never once it has written or opened a transaction."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not _reading_replica.get() or _wrote.get():
            return None
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return None
        if connections[PRIMARY].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        # The session's own save (every request: the idle timeout) and sign-in records are
        # read from the primary anyway; they do not make a user's next pages read the primary.
        meta = model._meta
        if meta.app_label not in PRIMARY_ONLY_APPS and meta.label_lower not in WRITES_NOT_READ_BACK:
            _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == PRIMARY


def _marked(view_func: Callable[..., Any]) -> bool:
    for candidate in (
        getattr(view_func, "cls", None),
        getattr(view_func, "view_class", None),
        view_func,
    ):
        marked = getattr(candidate, "reads_from_replica", None)
        if marked is not None:
            return bool(marked)
    return False


def _user_id(request: HttpRequest) -> int | None:
    """The user behind the request: its session's, or its API token's (which DRF reads only
    later, in the view)."""
    if request.user.is_authenticated:
        return request.user.pk
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "token" and key:
        from rest_framework.authtoken.models import Token

        return Token.objects.filter(key=key.strip()).values_list("user_id", flat=True).first()
    return None


class ReplicaReads:
    """Chooses, per request, whether its reads may go to the replica (after authentication,
    so the user and session are read from the primary), and remembers a user's writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reading = _reading_replica.set(False)
        wrote = _wrote.set(False)
        try:
            response = self.get_response(request)
            user_id = getattr(getattr(request, "user", None), "pk", None)
            if _wrote.get() and user_id is not None and replica_configured():
                cache.set(_sticky_key(user_id), 1, settings.REPLICA_STICKY_SECONDS)
            return response
        finally:
            _reading_replica.reset(reading)
            _wrote.reset(wrote)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        if request.method not in ("GET", "HEAD") or not _marked(view_func):
            return None
        if not replica_configured():
            return None
        user_id = _user_id(request)
        if user_id is not None and cache.get(_sticky_key(user_id)):
            return None
        if replica_usable():
            _reading_replica.set(True)
        return None


def replica_write_noted() -> None:
    """A write sent as SQL rather than through a model (the register's fixed statements, which
    the router never sees): this request and its user's next pages read the primary."""
    _wrote.set(True)


def reading_from_replica() -> bool:
    """Whether this request's reads go to the replica (for a page that says so)."""
    return _reading_replica.get() and not _wrote.get()


def connection_for_reading(model: type[Model]) -> Any:
    """The connection a raw SQL read about `model` goes to: where the router sends the ORM's
    reads of it (a raw cursor on `django.db.connection` would always ask the primary)."""
    return connections[router.db_for_read(model) or DEFAULT_DB_ALIAS]
