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
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper

from core.db_routing import replica_write_noted


def prepared_statements() -> bool:
    """Whether this database takes the fixed statements (PostgreSQL with psycopg 3)."""
    return connection.vendor == "postgresql"


class _Logged(CursorDebugWrapper):
    """Logs a fixed statement with its values in place, as Django logs its own (it would log
    PostgreSQL's $1 placeholders, or nothing once the statement is prepared)."""

    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        try:
            shown = self.db.ops.compose_sql(sql, params)
        except Exception:  # a value the client cannot quote: the statement as written
            shown = sql
        return super().debug_sql(shown, params, use_last_executed_query=False, many=many)


def _cursor() -> Any:
    from django.db.backends.postgresql.base import ServerBindingCursor

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


def fetch(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> list[tuple]:
    """Every row of a fixed statement (one both databases read, on SQLite through Django's
    ordinary cursor)."""
    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        replica_write_noted()  # an INSERT ... RETURNING
    with _cursor() if prepared_statements() else connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> int:
    """Run a fixed statement that returns no rows; how many rows it changed."""
    replica_write_noted()
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
