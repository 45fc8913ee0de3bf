"""Loading generated marks and registers fast: the demo's and `generate_trust`'s one path.

Hundreds of thousands of marks through the ORM take a minute; here they go in as rows. On
PostgreSQL by COPY (through psycopg 3) with the marks table's indexes, constraints and triggers
set aside and rebuilt once at the end, as a restore would; on SQLite by `executemany` with the
triggers that count pupil weeks dropped for the load. Either way the pupil weeks and the term
totals are counted once afterwards (`pupil_weeks_rebuild`, `pupil_terms_rebuild`), so they
equal the marks as the triggers would keep them.

The rows are consistent by construction (their planner made them), which is what makes setting
the checks aside safe.
"""

import io
from collections.abc import Callable
from datetime import date, datetime

from django.db import DatabaseError, connection, transaction

from registers.lib.pupil_weeks import (
    pupil_terms_rebuild,
    pupil_weeks_rebuild,
    triggers_drop,
    triggers_install,
)
from registers.models import (
    Contact,
    Enrolment,
    Mark,
    MarkSource,
    Pupil,
    PupilWeek,
    Register,
    SchoolDay,
)

MARK_COLUMNS = (
    "pupil_id",
    "school_id",
    "date",
    "session",
    "code",
    "minutes_late",
    "source",
    "recorded_by_id",
    "recorded_at",
    "version",
)
REGISTER_COLUMNS = (
    "school_id",
    "group_id",
    "date",
    "session",
    "taken_by_id",
    "taken_at",
    "last_saved_by_id",
    "last_saved_at",
    "taken_after_close",
)


class BulkRows:
    """Marks and registers gathered as COPY text lines (PostgreSQL) or parameter tuples
    (SQLite), written by `flush`."""

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"
        self.marks: list = []
        self.registers: list = []
        self.count_marks = 0
        self.count_registers = 0
        self._stamps: dict[datetime, str] = {}
        self._days: dict[date, str] = {}
        self._source = MarkSource.REGISTER.value
        ops = connection.ops
        # COPY takes ISO text; another database (SQLite) its own text of the value.
        self._day_text: Callable[[date], str] = (
            date.isoformat if self.copy else lambda day: str(ops.adapt_datefield_value(day))
        )
        self._stamp_text: Callable[[datetime], str] = (
            datetime.isoformat
            if self.copy
            else lambda moment: str(ops.adapt_datetimefield_value(moment))
        )

    def stamp(self, moment: datetime) -> str:
        text = self._stamps.get(moment)
        if text is None:
            text = self._stamps[moment] = self._stamp_text(moment)
        return text

    def day(self, day: date) -> str:
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = self._day_text(day)
        return text

    def mark(self, pupil_id, school_id, day, session, code, minutes, user_id, at) -> None:
        self.count_marks += 1
        if self.copy:
            escaped = "\\\\" if code == "\\" else code
            late = "\\N" if minutes is None else str(minutes)
            self.marks.append(
                f"{pupil_id}\t{school_id}\t{self.day(day)}\t{session}\t{escaped}\t{late}\t"
                f"{self._source}\t{user_id}\t{self.stamp(at)}\t1\n"
            )
        else:
            self.marks.append(
                (
                    pupil_id,
                    school_id,
                    self.day(day),
                    session,
                    code,
                    minutes,
                    self._source,
                    user_id,
                    self.stamp(at),
                    1,
                )
            )

    def register(self, school_id, group_id, day, session, user_id, at, late=False) -> None:
        self.count_registers += 1
        stamp = self.stamp(at)
        if self.copy:
            self.registers.append(
                f"{school_id}\t{group_id}\t{self.day(day)}\t{session}\t{user_id}\t{stamp}\t"
                f"{user_id}\t{stamp}\t{'t' if late else 'f'}\n"
            )
        else:
            self.registers.append(
                (school_id, group_id, self.day(day), session, user_id, stamp, user_id, stamp, late)
            )

    def flush(self) -> None:
        with connection.cursor() as cursor:
            for table, columns, rows in (
                (Mark._meta.db_table, MARK_COLUMNS, self.marks),
                (Register._meta.db_table, REGISTER_COLUMNS, self.registers),
            ):
                if self.copy:
                    _copy(cursor, table, columns, rows)
                elif rows:
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"VALUES ({', '.join(['%s'] * len(columns))})",
                        rows,
                    )
        self.marks, self.registers = [], []


def _copy(cursor, table: str, columns: tuple[str, ...], lines: list[str]) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    # Django's cursor wrapper hands the psycopg 3 cursor over for COPY.
    with cursor.cursor.copy(statement) as copy:
        buffer = io.StringIO()
        for start in range(0, len(lines), 20000):
            buffer.seek(0)
            buffer.truncate()
            buffer.writelines(lines[start : start + 20000])
            copy.write(buffer.getvalue())


def bulk_load_begin() -> list[str]:
    """Set the marks table's per-row work aside for a load; returns the statements that end it.

    PostgreSQL: the rows' foreign-key checks (index probes and row locks for every mark) are
    skipped where the role may (superuser), and the marks table's secondary indexes and unique
    constraint are dropped, to be built once at the end rather than row by row: most of the
    load time otherwise, on a machine of two cores. SQLite: the pupil weeks' row triggers are
    dropped. Both: the weeks are counted once at the end (`bulk_load_end`).
    """
    if connection.vendor != "postgresql":
        triggers_drop(connection)
        return []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass  # not a superuser: the checks run
    table = Mark._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = %s::regclass AND NOT indisprimary",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    return [
        # A partitioned table's index is defined "ON ONLY" the parent; made again on the whole.
        *(definition.replace(" ON ONLY ", " ON ", 1) for _name, definition in indexes),
        *(
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for name, definition in constraints
        ),
        f"ALTER TABLE {table} ENABLE TRIGGER USER",
        "SET LOCAL session_replication_role = DEFAULT",
    ]


def bulk_load_end(statements: list[str]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in statements:
                cursor.execute(statement)
    else:
        triggers_install(connection)
    pupil_weeks_rebuild(connection)
    pupil_terms_rebuild(connection)


def vacuum() -> None:
    """Planner statistics and a visibility map for the new rows, as autovacuum would make."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return  # VACUUM cannot run in a transaction (a test's)
    with connection.cursor() as cursor:
        for model in (Mark, PupilWeek, Register, Enrolment, Pupil, SchoolDay, Contact):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
