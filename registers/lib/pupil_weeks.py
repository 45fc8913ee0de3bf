"""The database triggers that keep `PupilWeek` equal to the marks, and its recount.

Triggers rather than application code because marks have many writers (the register, the
office's recodes, leave, closures, imports, COPY, retention, raw SQL in a migration): a count
kept by each of them would drift the first time one forgot. The triggers join the code table,
so what a code counts as stays data (registers/codes.py).

PostgreSQL: one statement-level trigger per event with transition tables, so a statement
writing 20 or 2 million marks updates each pupil's week once (sorted, so that two transactions
lock the same weeks in the same order). SQLite (the laptop default) has only row triggers.

Used by migration 0006 and `rebuild_pupil_weeks`; takes a connection, never a model, so that
the migration can call it.
"""

from collections.abc import Collection

from registers.codes import CountsAs

MARKS = "registers_mark"
WEEKS = "registers_pupilweek"
CODES = "registers_attendancecode"
COUNTS = ("attended", "authorised", "unauthorised", "not_possible")
# What each count adds up: the codes whose AttendanceCode.counts_as is this.
COUNTS_AS = {
    "attended": CountsAs.ATTENDANCE.value,
    "authorised": CountsAs.AUTHORISED.value,
    "unauthorised": CountsAs.UNAUTHORISED.value,
    "not_possible": CountsAs.NOT_POSSIBLE.value,
}
TRIGGERS = ("insert", "update", "delete")
FUNCTION = "registers_pupil_weeks_count"


def week_start_sql(vendor: str, column: str) -> str:
    """The Monday of the week of a date column, in the database's dialect."""
    if vendor == "postgresql":
        return f"date_trunc('week', {column}::timestamp)::date"
    if vendor == "sqlite":
        return f"date({column}, 'weekday 0', '-6 days')"
    raise NotImplementedError(
        f"Attendance figures need PostgreSQL or SQLite, not {vendor}: the pupil weeks are kept "
        "by database triggers written for those two."
    )


def triggers_install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _trigger_statements(connection.vendor):
            cursor.execute(statement)


def triggers_drop(connection) -> None:
    with connection.cursor() as cursor:
        on_marks = f" ON {MARKS}" if connection.vendor == "postgresql" else ""
        for event in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION}_{event}{on_marks}")
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def _schools_where(school_ids: list[int] | None, column: str = "school_id") -> tuple[str, list]:
    if school_ids is None:
        return "", []
    return f" WHERE {column} IN ({', '.join(['%s'] * len(school_ids))})", list(school_ids)


def _counted_from_marks_sql(vendor: str, school_ids: list[int] | None) -> tuple[str, list]:
    """SELECT pupil_id, school_id, week_start and the four counts, from the marks: what the
    pupil weeks must hold. The one statement the recount writes and the check compares."""
    where, params = _schools_where(school_ids, "m.school_id")
    week = week_start_sql(vendor, "m.date")
    sums = ", ".join(
        f"SUM(CASE WHEN c.counts_as = '{COUNTS_AS[count]}' THEN 1 ELSE 0 END) AS {count}"
        for count in COUNTS
    )
    return (
        f"SELECT m.pupil_id AS pupil_id, m.school_id AS school_id, {week} AS week_start, {sums} "
        f"FROM {MARKS} m JOIN {CODES} c ON c.code = m.code{where} "
        "GROUP BY 1, 2, 3",
        params,
    )


def pupil_weeks_rebuild(connection, *, school_ids: Collection[int] | None = None) -> int:
    """Recount the pupil weeks of the schools (every school if None) from their marks, in one
    transaction of the caller's; returns the number of weeks. On PostgreSQL marks can be read
    but not written until that transaction ends (a write meanwhile would be counted twice or
    not at all)."""
    if school_ids is not None:
        school_ids = list(school_ids)
        if not school_ids:
            return 0
    where, params = _schools_where(school_ids)
    counted, counted_params = _counted_from_marks_sql(connection.vendor, school_ids)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {MARKS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {WEEKS}{where}", params)
        cursor.execute(
            f"INSERT INTO {WEEKS} (pupil_id, school_id, week_start, {', '.join(COUNTS)}) "
            + counted,
            counted_params,
        )
        return cursor.rowcount


def pupil_weeks_differing(
    connection, *, school_ids: Collection[int] | None = None
) -> dict[int, int]:
    """For each school (of `school_ids`, or every one) whose pupil weeks differ from its marks,
    how many pupil weeks differ: a count wrong, a week missing or a week with no marks.

    One statement, so one snapshot: marks written meanwhile are seen with their counts or not
    at all (the triggers write both in one transaction). What the marks give is added and what
    is stored taken away, week by week; a week where anything is left over differs
    (`week_rows` catches a stored week with no marks, even one of zeros).
    """
    if school_ids is not None:
        school_ids = list(school_ids)
        if not school_ids:
            return {}
    where, params = _schools_where(school_ids)
    counted, counted_params = _counted_from_marks_sql(connection.vendor, school_ids)
    counts = ", ".join(COUNTS)
    stored = ", ".join(f"-{count}" for count in COUNTS)
    differs = " OR ".join(f"SUM({count}) <> 0" for count in ("week_rows", *COUNTS))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT school_id, COUNT(*) FROM ("
            "  SELECT pupil_id, school_id, week_start FROM ("
            f"    SELECT 1 AS week_rows, pupil_id, school_id, week_start, {counts}"
            f"    FROM ({counted}) d"
            f"    UNION ALL SELECT -1, pupil_id, school_id, week_start, {stored} FROM {WEEKS}"
            f"{where}"
            "  ) both_sides GROUP BY pupil_id, school_id, week_start"
            f"  HAVING {differs}"
            ") differing GROUP BY school_id",
            counted_params + params,
        )
        return dict(cursor.fetchall())


def _trigger_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return _postgresql_statements()
    if vendor == "sqlite":
        return _sqlite_statements()
    week_start_sql(vendor, "date")  # raises, naming the databases that work
    return []


def _postgresql_statements() -> list[str]:
    week = week_start_sql("postgresql", "m.date")
    deltas = ", ".join(
        f"COALESCE(SUM(m.sign) FILTER (WHERE c.counts_as = '{COUNTS_AS[count]}'), 0)"
        for count in COUNTS
    )
    nonzero = " OR ".join(
        f"COALESCE(SUM(m.sign) FILTER (WHERE c.counts_as = '{COUNTS_AS[count]}'), 0) <> 0"
        for count in COUNTS
    )
    added = ", ".join(f"{count} = w.{count} + EXCLUDED.{count}" for count in COUNTS)
    emptied = " AND ".join(f"w.{count} = 0" for count in COUNTS)
    columns = "pupil_id, school_id, date, code"
    # The changed marks as (pupil, school, date, code, +1 or -1); an update is its old row
    # taken away and its new row added, so a save that changes no code changes no week.
    function = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    changed text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        changed := 'SELECT {columns}, 1 AS sign FROM new_marks';
    ELSIF TG_OP = 'DELETE' THEN
        changed := 'SELECT {columns}, -1 AS sign FROM old_marks';
    ELSE
        changed := 'SELECT {columns}, 1 AS sign FROM new_marks '
                   'UNION ALL SELECT {columns}, -1 AS sign FROM old_marks';
    END IF;
    EXECUTE format(
        'INSERT INTO {WEEKS} AS w (pupil_id, school_id, week_start, {", ".join(COUNTS)}) '
        'SELECT m.pupil_id, m.school_id, {week.replace("'", "''")}, {deltas.replace("'", "''")} '
        'FROM (%s) m JOIN {CODES} c ON c.code = m.code '
        'GROUP BY 1, 2, 3 HAVING {nonzero.replace("'", "''")} ORDER BY 2, 3, 1 '
        'ON CONFLICT (school_id, week_start, pupil_id) DO UPDATE SET {added}',
        changed);
    IF TG_OP <> 'INSERT' THEN
        EXECUTE format(
            'DELETE FROM {WEEKS} w USING (SELECT DISTINCT m.pupil_id, m.school_id, '
            '{week.replace("'", "''")} AS week_start FROM (%s) m) k '
            'WHERE w.school_id = k.school_id AND w.week_start = k.week_start '
            'AND w.pupil_id = k.pupil_id AND {emptied}',
            changed);
    END IF;
    RETURN NULL;
END
$body$"""
    references = {
        "insert": "NEW TABLE AS new_marks",
        "update": "OLD TABLE AS old_marks NEW TABLE AS new_marks",
        "delete": "OLD TABLE AS old_marks",
    }
    return [function] + [
        f"CREATE TRIGGER {FUNCTION}_{event} AFTER {event.upper()} ON {MARKS} "
        f"REFERENCING {references[event]} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        for event in TRIGGERS
    ]


def _sqlite_statements() -> list[str]:
    def counted(row: str) -> list[str]:
        """1 or 0 for each count: what the row's code counts as."""
        return [
            f"(SELECT counts_as = '{COUNTS_AS[count]}' FROM {CODES} WHERE code = {row}.code)"
            for count in COUNTS
        ]

    def add(row: str) -> str:
        added = ", ".join(f"{count} = {count} + excluded.{count}" for count in COUNTS)
        # "WHERE true": SQLite's parser needs a WHERE between the SELECT and ON CONFLICT.
        return (
            f"INSERT INTO {WEEKS} (pupil_id, school_id, week_start, {', '.join(COUNTS)}) "
            f"SELECT {row}.pupil_id, {row}.school_id, {week_start_sql('sqlite', row + '.date')}, "
            f"{', '.join(counted(row))} WHERE true "
            f"ON CONFLICT (school_id, week_start, pupil_id) DO UPDATE SET {added};"
        )

    def take_away(row: str) -> str:
        this_week = (
            f"school_id = {row}.school_id AND pupil_id = {row}.pupil_id "
            f"AND week_start = {week_start_sql('sqlite', row + '.date')}"
        )
        subtracted = ", ".join(
            f"{count} = {count} - {part}" for count, part in zip(COUNTS, counted(row), strict=True)
        )
        emptied = " AND ".join(f"{count} = 0" for count in COUNTS)
        return (
            f"UPDATE {WEEKS} SET {subtracted} WHERE {this_week}; "
            f"DELETE FROM {WEEKS} WHERE {this_week} AND {emptied};"
        )

    changed = " OR ".join(
        f"OLD.{column} IS NOT NEW.{column}" for column in ("pupil_id", "school_id", "date", "code")
    )
    return [
        f"CREATE TRIGGER {FUNCTION}_insert AFTER INSERT ON {MARKS} BEGIN {add('NEW')} END",
        f"CREATE TRIGGER {FUNCTION}_update AFTER UPDATE OF pupil_id, school_id, date, code "
        f"ON {MARKS} WHEN {changed} BEGIN {take_away('OLD')} {add('NEW')} END",
        f"CREATE TRIGGER {FUNCTION}_delete AFTER DELETE ON {MARKS} BEGIN {take_away('OLD')} END",
    ]
