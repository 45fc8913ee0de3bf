"""The marks, the pupil weeks and the registers partitioned by school year (issue #24).

PostgreSQL declarative partitioning, by range of the table's date: a school year runs from
1 August to 31 July (`registers_mark_y2025` holds 1 August 2025 to 31 July 2026). The pupil
weeks are partitioned by their Monday, at the Monday on or before 1 August, so a week is never
split; a week may hold a few marks of the school year before (the days before 1 August).
Each table also has a default partition, so that no write is ever refused for want of a
partition (an import of old history, a date far ahead); `partitions_ensure`, run nightly,
gives every school year found there a partition of its own, moving its rows out.

Why: retention takes a whole school year at a time (retention/services.py), and a partition
is detached and dropped in milliseconds where deleting its ten million rows one by one took
minutes and left the table bloated; every figure for a period reads only its years.

What partitioning asks of the schema:
- a unique constraint or primary key must include the partition key: the primary keys become
  (id, date); the ids still come from one sequence, so `id` alone stays unique in practice
  and Django goes on using it;
- a foreign key to a partitioned table must name a unique key of it: the five tables pointing
  at a mark carry the mark's date too (`mark_date`, filled by a trigger from `mark_id`, so no
  writer has to know) and their foreign key is (mark_id, mark_date). Django's field keeps
  `mark_id` with `db_constraint=False`; the database enforces the pair.

SQLite (the laptop default) has no partitioning: nothing here runs there, and the tables stay
as Django made them. Takes a connection, never a model, so that migrations can call it.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from registers.lib import pupil_weeks
from registers.lib.calendar import academic_year_start

MARKS = "registers_mark"
# The tables whose rows point at a mark: they carry its date for the foreign key.
MARK_REFERENCE_FUNCTION = "registers_mark_date_fill"


@dataclass(frozen=True)
class PartitionedTable:
    name: str
    key: str
    # Bounds at the Monday on or before 1 August, for a table of weeks.
    weekly: bool = False

    def bounds(self, year: int) -> tuple[date, date]:
        """[first, end) of the school year beginning 1 August `year`."""
        first, end = date(year, 8, 1), date(year + 1, 8, 1)
        if self.weekly:
            return _monday(first), _monday(end)
        return first, end

    def year_of(self, day: date) -> int:
        """The school year whose partition holds a row keyed `day`."""
        year = academic_year_start(day)
        first, end = self.bounds(year)
        if day < first:
            return year - 1
        if day >= end:
            return year + 1
        return year

    def partition(self, year: int) -> str:
        return f"{self.name}_y{year}"

    @property
    def default(self) -> str:
        return f"{self.name}_default"


MARK_TABLE = PartitionedTable(MARKS, "date")
WEEK_TABLE = PartitionedTable(pupil_weeks.WEEKS, "week_start", weekly=True)
REGISTER_TABLE = PartitionedTable("registers_register", "date")
TABLES = (MARK_TABLE, WEEK_TABLE, REGISTER_TABLE)

YEAR_SUFFIX = re.compile(r"_y(\d{4})$")


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def is_partitioned(connection, table: str = MARKS) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partitions(connection, table: PartitionedTable) -> dict[int, str]:
    """The table's partitions by the school year they hold (the default one left out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [table.name],
        )
        names = [name for (name,) in cursor.fetchall()]
    found = {}
    for name in names:
        match = YEAR_SUFFIX.search(name)
        if match and name == table.partition(int(match.group(1))):
            found[int(match.group(1))] = name
    return found


def partitions_create(connection, table: PartitionedTable, years: set[int]) -> list[str]:
    """The table's partitions for the school years, those missing made, with the rows the
    default partition held for them moved in, in the caller's transaction; returns the names
    of those made.

    Each is made as a table of its own and filled, then attached: a partition cannot be
    created while the default one holds rows of its range. Rows moved fire no trigger on the
    parent (they are the same rows: the pupil weeks are unchanged). A foreign key to a moved
    mark would be checked against the default partition it left, so the default is detached
    while the new partitions are attached and then attached again; the detach is refused if a
    row still in the default is referred to, so callers move every year found there at once
    (`partitions_ensure`).
    """
    missing = sorted(set(years) - set(partitions(connection, table)))
    if not missing:
        return []
    moved = 0
    with connection.cursor() as cursor:
        default = _has_default(cursor, table)
        for year in missing:
            first, end = table.bounds(year)
            name = table.partition(year)
            cursor.execute(
                f"CREATE TABLE {name} (LIKE {table.name} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            )
            if default:
                cursor.execute(
                    f"WITH moved AS (DELETE FROM {table.default} "
                    f"WHERE {table.key} >= %s AND {table.key} < %s RETURNING *) "
                    f"INSERT INTO {name} SELECT * FROM moved",
                    [first, end],
                )
                moved += cursor.rowcount
        if moved:
            cursor.execute(f"ALTER TABLE {table.name} DETACH PARTITION {table.default}")
        for year in missing:
            first, end = table.bounds(year)
            cursor.execute(
                f"ALTER TABLE {table.name} ATTACH PARTITION {table.partition(year)} "
                "FOR VALUES FROM (%s) TO (%s)",
                [first, end],
            )
        if moved:
            cursor.execute(f"ALTER TABLE {table.name} ATTACH PARTITION {table.default} DEFAULT")
    return [table.partition(year) for year in missing]


def _has_default(cursor, table: PartitionedTable) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table.default])
    return bool(cursor.fetchone()[0])


def years_in_default(connection, table: PartitionedTable) -> set[int]:
    with connection.cursor() as cursor:
        if not _has_default(cursor, table):
            return set()
        cursor.execute(f"SELECT DISTINCT {table.key} FROM {table.default}")
        return {table.year_of(day) for (day,) in cursor.fetchall()}


def partitions_ensure(
    connection, *, today: date, also: tuple[date, date] | None = None
) -> list[str]:
    """Partitions for this school year and the next, for every year with rows in a default
    partition and (`also`) for every year from one day to another, for each partitioned table;
    returns the names of those made. Nothing on a database that is not partitioned."""
    if not is_partitioned(connection):
        return []
    with connection.cursor() as cursor:
        # Two runs at once (a task retried beside another) take turns: the second finds the
        # partitions made. Held until the caller's transaction ends.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('school-year partitions'))")
    made = []
    for table in TABLES:
        if not is_partitioned(connection, table.name):
            continue
        this_year = academic_year_start(today)
        years = {this_year, this_year + 1} | years_in_default(connection, table)
        if also is not None:
            years |= set(range(table.year_of(also[0]), table.year_of(also[1]) + 1))
        made += partitions_create(connection, table, years)
    return made


def partition_replace(
    connection,
    table: PartitionedTable,
    year: int,
    *,
    kept: str,
    params: dict | list | tuple = (),
    rows: int | None = None,
) -> tuple[int, int]:
    """Empty the table's partition for the school year but for the rows `kept` selects (a
    SELECT of whole rows of the table, over the year's dates), in the caller's transaction;
    returns (rows removed, rows kept). `rows`, the partition's rows if the caller knows them
    (counted from the pupil weeks, say), saves reading the whole partition to count them.

    The kept rows are copied to a new table, taken out of the old partition, and the old
    partition detached and dropped, the new one attached in its place: the time is that of the
    kept rows, not of the year's. A row pointing at a kept mark points at it in the new
    partition; one pointing at a mark not kept makes the detach fail (PostgreSQL checks the
    rows still in the partition), so a caller deletes those rows first. The checks the
    deletes left pending are run before the drop, which PostgreSQL refuses while any are.
    """
    name = table.partition(year)
    if year not in partitions(connection, table):
        return 0, 0
    first, end = table.bounds(year)
    replacement = f"{name}_replacement"
    with connection.cursor() as cursor:
        if rows is None:
            cursor.execute(f"SELECT count(*) FROM {name}")
            rows = cursor.fetchone()[0]
        cursor.execute(
            f"CREATE TABLE {replacement} (LIKE {table.name} INCLUDING DEFAULTS INCLUDING "
            "CONSTRAINTS)"
        )
        cursor.execute(f"INSERT INTO {replacement} {kept}", params)
        kept_rows = cursor.rowcount
        if kept_rows:
            # Out of the old partition first, so that the detach finds no row still referred to.
            cursor.execute(
                f"DELETE FROM {name} o USING {replacement} r "
                f"WHERE o.id = r.id AND o.{table.key} = r.{table.key}"
            )
        cursor.execute(f"ALTER TABLE {table.name} DETACH PARTITION {name}")
        cursor.execute(
            f"ALTER TABLE {table.name} ATTACH PARTITION {replacement} FOR VALUES FROM (%s) TO (%s)",
            [first, end],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP TABLE {name}")
        cursor.execute(f"ALTER TABLE {replacement} RENAME TO {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return rows - kept_rows, kept_rows


# The conversion (migration 0019), for a database made before the partitioning.


def _definitions(cursor, table: str) -> tuple[list[str], list[tuple[str, str]], str]:
    """The table's secondary indexes (CREATE statements), its constraints but the primary key
    (name, definition), and its primary key's name."""
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [table],
    )
    indexes = [definition for (definition,) in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass ORDER BY contype, conname",
        [table],
    )
    constraints, primary = [], ""
    for name, definition, kind in cursor.fetchall():
        if kind == "p":
            primary = name
        else:
            constraints.append((name, definition))
    return indexes, constraints, primary


def table_convert(connection, table: PartitionedTable, *, today: date) -> int:
    """Make `table` partitioned by school year with the same columns, rows, indexes and
    constraints, its primary key (id, key); returns the rows copied. In the migration's
    transaction: the table is locked against writes until it ends.

    Partitions for every school year holding rows, this one and the next, and a default one;
    the rows are copied before the indexes are built (once, not row by row).
    """
    old = f"{table.name}_unpartitioned"
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table.name} IN SHARE MODE")
        indexes, constraints, primary = _definitions(cursor, table.name)
        cursor.execute(f"SELECT DISTINCT {table.key} FROM {table.name}")
        years = {table.year_of(day) for (day,) in cursor.fetchall()}
        years |= {academic_year_start(today) + offset for offset in (0, 1)}
        cursor.execute(f"ALTER TABLE {table.name} RENAME TO {old}")
        cursor.execute(
            f"CREATE TABLE {table.name} (LIKE {old} INCLUDING DEFAULTS INCLUDING IDENTITY "
            f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({table.key})"
        )
        for year in sorted(years):
            first, end = table.bounds(year)
            cursor.execute(
                f"CREATE TABLE {table.partition(year)} PARTITION OF {table.name} "
                "FOR VALUES FROM (%s) TO (%s)",
                [first, end],
            )
        cursor.execute(f"CREATE TABLE {table.default} PARTITION OF {table.name} DEFAULT")
        cursor.execute(f"INSERT INTO {table.name} SELECT * FROM {old}")
        copied = cursor.rowcount
        cursor.execute(f"SELECT pg_get_serial_sequence('{old}', 'id')")
        (old_sequence,) = cursor.fetchone()
        cursor.execute(f"SELECT pg_get_serial_sequence('{table.name}', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute(
            "SELECT setval(%s::regclass, GREATEST((SELECT last_value FROM "
            f"{old_sequence}), 1), (SELECT is_called FROM {old_sequence}))",
            [sequence],
        )
        cursor.execute(f"DROP TABLE {old} CASCADE")
        cursor.execute(
            f"ALTER SEQUENCE {sequence} RENAME TO {old_sequence.split('.')[-1].strip(chr(34))}"
        )
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(
            f'ALTER TABLE {table.name} ADD CONSTRAINT "{primary}" PRIMARY KEY (id, {table.key})'
        )
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table.name} ADD CONSTRAINT "{name}" {definition}')
        for definition in indexes:
            cursor.execute(definition)
        cursor.execute(f"ANALYZE {table.name}")
    return copied


# A mark entered after the end of its school year (an import of old history, a correction over
# the summer): the only marks retention keeps from a year it removes, but for those amended
# since (2024 regulations: an entry is kept six years from the day it was entered). The date in
# London of its entry, on or after the 1 August following its session.
ENTERED_AFTER_ITS_YEAR = (
    "(recorded_at AT TIME ZONE 'Europe/London')::date >= "
    "make_date(extract(year FROM date + interval '5 months')::int, 8, 1)"
)


def mark_entered_late_index_add(connection) -> None:
    """A partial index of the marks entered after their school year: few, so it costs a write
    almost nothing, and retention finds them without reading the year."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX mark_entered_after_its_year_idx ON {MARKS} (school_id, recorded_at) "
            f"WHERE {ENTERED_AFTER_ITS_YEAR}"
        )


def mark_reference_function_install(connection) -> None:
    """The trigger function filling a row's `mark_date` from its `mark_id`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {MARK_REFERENCE_FUNCTION}() RETURNS trigger "
            "LANGUAGE plpgsql AS $body$ BEGIN "
            f"NEW.mark_date := (SELECT date FROM {MARKS} WHERE id = NEW.mark_id); "
            "RETURN NEW; END $body$"
        )


def mark_reference_add(connection, table: str) -> None:
    """Give `table` (a model with a `mark` field of `db_constraint=False`) its mark's date and a
    foreign key to the partitioned marks on (mark_id, mark_date): a row whose mark is missing
    is refused (its date is NULL), and a mark cannot be dropped while a row points at it."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN mark_date date")
        cursor.execute(
            f"UPDATE {table} r SET mark_date = m.date FROM {MARKS} m WHERE m.id = r.mark_id"
        )
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN mark_date SET NOT NULL")
        cursor.execute(
            f"CREATE TRIGGER {table}_mark_date BEFORE INSERT OR UPDATE OF mark_id ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {MARK_REFERENCE_FUNCTION}()"
        )
        cursor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_mark_fk FOREIGN KEY (mark_id, mark_date) "
            f"REFERENCES {MARKS} (id, date) DEFERRABLE INITIALLY DEFERRED"
        )


def mark_references_migration(tables: list[str]):
    """A migration's RunPython function giving each of `tables` its mark's date and the foreign
    key on (mark_id, mark_date) (`mark_reference_add`); nothing on SQLite."""

    def forwards(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            mark_reference_add(schema_editor.connection, table)

    return forwards
