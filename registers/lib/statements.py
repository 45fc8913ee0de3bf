"""Fixed SQL statements on the hot paths (the register's open and save), prepared on PostgreSQL.

Django's PostgreSQL cursor binds parameters on the client, so PostgreSQL parses and plans every
statement afresh, and the ORM rebuilds and recompiles each query in Python on every request
(a fifth of a register's time). The register's reads and writes are a handful of statements
whose text never changes: written out once in the selector or service that owns the rule, they
are sent here through a cursor that binds on the server, which psycopg prepares once a
connection has sent the same text `prepare_threshold` times (DATABASES' OPTIONS in
`attendance_site/settings.py`). The cursor is Django's wrapper around it, so the statements
count as queries (`django_assert_max_num_queries`, the benchmarks) and database errors arrive
as Django's (`IntegrityError`).

Only PostgreSQL uses these; on SQLite (the embedded default of `make run`) the callers keep
their ORM path, which the tests run too.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import QuerySet

from core.db_routing import replica_write_noted


def prepared_statements(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this database takes the fixed statements (PostgreSQL with psycopg 3)."""
    return connections[using].vendor == "postgresql"


class _Logged(CursorDebugWrapper):
    """Logs a fixed statement with its values in place, as Django logs its own (it would log
    PostgreSQL's $1 placeholders, or nothing once the statement is prepared)."""

    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        try:
            shown = self.db.ops.compose_sql(sql, params)
        except Exception:  # a value the client cannot quote: the statement as written
            shown = sql
        return super().debug_sql(shown, params, use_last_executed_query=False, many=many)


def _cursor(using: str = DEFAULT_DB_ALIAS) -> Any:
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection = connections[using]
    connection.ensure_connection()
    with connection.wrap_database_errors:
        # Django's own wrapper (query logging, execute_wrapper, error translation) around a
        # server-binding cursor.
        # The stubs give psycopg's cursor no arguments; it takes its connection.
        cursor_class: Any = ServerBindingCursor
        raw = cursor_class(connection.connection)
        if connection.queries_logged:
            return _Logged(raw, connection)
        return connection.make_cursor(raw)


def fetch(
    sql: str, params: Sequence[Any] | Mapping[str, Any], *, using: str = DEFAULT_DB_ALIAS
) -> list[tuple]:
    """Every row of a fixed statement (one both databases read, on SQLite through Django's
    ordinary cursor); `using`: the database alias (a read the router may send to the replica)."""
    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        replica_write_noted()  # an INSERT ... RETURNING
    ordinary = connections[using].cursor
    with _cursor(using) if prepared_statements(using) else ordinary() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> int:
    """Run a fixed statement that returns no rows; how many rows it changed."""
    replica_write_noted()
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@dataclass(frozen=True)
class Compiled:
    """A query the ORM built and compiled once, sent again with each request's values.

    For a read whose shape is fixed but whose building is not cheap (the navigation bar's
    counts: a dozen subqueries from several apps' selectors, ORM expressions that took more CPU
    to build and compile than the rest of a register page). Built once with stand-in values
    (`compile_once`), whose places among the parameters are noted; `fetch` puts this request's
    values in those places. The text is the ORM's own, so it stays the selectors' rule.
    """

    sql: str
    slots: tuple[tuple[str, Any], ...]  # per parameter: (stand-in's name, "") or ("", constant)
    columns: tuple[str, ...]  # of a `values()` queryset, in the order the statement selects them

    def fetch(self, values: Mapping[str, Any], *, using: str) -> list[tuple]:
        """The rows for these values, from `using` (the alias the router reads from now)."""
        params = [values[name] if name else constant for name, constant in self.slots]
        return fetch(self.sql, params, using=using)


def compile_once(queryset: QuerySet, stand_ins: Mapping[str, Any]) -> Compiled:
    """`queryset`, built with `stand_ins` ({name: a value no real request has}), compiled for
    the database the router reads it from now (keep one per database vendor). Each parameter
    equal to a stand-in (of the same type) becomes that name's slot; a stand-in written into
    the text, or adapted to another type, is refused (it could not be sent with other values).
    """
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    slots: list[tuple[str, Any]] = []
    for param in params:
        names = [
            name
            for name, value in stand_ins.items()
            if type(param) is type(value) and param == value
        ]
        slots.append((names[0], "") if names else ("", param))
    # A stand-in the backend adapted (SQLite binds dates as text) is no longer recognised.
    constants = {str(constant) for name, constant in slots if not name}
    written = [
        name for name, value in stand_ins.items() if str(value) in sql or str(value) in constants
    ]
    if written:
        raise ValueError(f"Stand-ins written into the statement, not bound: {written}")
    query = queryset.query
    columns = (*query.extra_select, *query.values_select, *query.annotation_select)
    return Compiled(sql=sql, slots=tuple(slots), columns=columns)
