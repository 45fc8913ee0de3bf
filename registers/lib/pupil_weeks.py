"""The database triggers that keep `PupilWeek` and `PupilTerm` equal to the marks, and their
recounts.

Triggers rather than application code because marks have many writers (the register, the
office's recodes, leave, closures, imports, COPY, retention, raw SQL in a migration): a count
kept by each of them would drift the first time one forgot. The triggers join the code table,
so what a code counts as stays data (registers/codes.py).

PostgreSQL: one statement-level trigger per event with transition tables, so a statement
writing 20 or 2 million marks updates each pupil's week once (sorted, so that two transactions
lock the same weeks in the same order). SQLite (the laptop default) has only row triggers.

The term totals (`PupilTerm`, issue #23) are kept by the same statements: a mark counts in
every term of its school containing its date. A term is counted again from its marks when it
is made or its dates or school change, by a row trigger on the terms table (terms are few and
rarely edited; on PostgreSQL it locks the marks against writes until its transaction ends, so
that a register saved meanwhile is counted under the term's new dates, once). A term deleted
takes its totals with it (the foreign key's cascade).

Used by migrations 0006 and 0017 and `rebuild_pupil_weeks`; takes a connection, never a model,
so that a migration can call it (0006 installs the triggers as they were then, without the
terms, whose table 0017 makes).
"""

from collections.abc import Collection
from datetime import date, timedelta

from registers.codes import CountsAs

MARKS = "registers_mark"
WEEKS = "registers_pupilweek"
CODES = "registers_attendancecode"
TERMS = "registers_term"
TOTALS = "registers_pupilterm"
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
TERM_FUNCTION = "registers_pupil_terms_count"
TERM_TRIGGERS = ("insert", "update")
# The terms of a mark `m`'s school that contain its date.
TERMS_OF_MARK = 't.school_id = {m}.school_id AND t.start <= {m}.date AND t."end" >= {m}.date'


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


def triggers_install(connection, *, terms: bool = True) -> None:
    """The triggers on the marks (and, with `terms`, those keeping the term totals, whose table
    exists from migration 0017)."""
    with connection.cursor() as cursor:
        for statement in _trigger_statements(connection.vendor, terms=terms):
            cursor.execute(statement)


def triggers_drop(connection) -> None:
    with connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        for event in TRIGGERS:
            on = f" ON {MARKS}" if postgresql else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION}_{event}{on}")
        for event in TERM_TRIGGERS:
            on = f" ON {TERMS}" if postgresql else ""
            if not postgresql or _table_exists(cursor, TERMS):
                cursor.execute(f"DROP TRIGGER IF EXISTS {TERM_FUNCTION}_{event}{on}")
        if postgresql:
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {TERM_FUNCTION}()")


def _table_exists(cursor, table: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
    return bool(cursor.fetchone()[0])


def _sums(mark: str = "m", code: str = "c") -> str:
    """Each count of the marks `mark` joined to their codes `code`, as SQL columns."""
    return ", ".join(
        f"SUM(CASE WHEN {code}.counts_as = '{COUNTS_AS[count]}' THEN 1 ELSE 0 END)"
        for count in COUNTS
    )


def pupil_terms_rebuild(connection, *, school_ids: Collection[int] | None = None) -> int:
    """Recount the term totals of the schools (every school if None) from their marks, in one
    transaction of the caller's; returns the number of totals. As `pupil_weeks_rebuild`, marks
    can be read but not written meanwhile on PostgreSQL."""
    where, params = "", []
    if school_ids is not None:
        school_ids = list(school_ids)
        if not school_ids:
            return 0
        where = f" WHERE school_id IN ({', '.join(['%s'] * len(school_ids))})"
        params = school_ids
    terms_where = where.replace("school_id", "t.school_id")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {MARKS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TOTALS}{where}", params)
        cursor.execute(
            f"INSERT INTO {TOTALS} (pupil_id, school_id, term_id, {', '.join(COUNTS)}) "
            f"SELECT m.pupil_id, m.school_id, t.id, {_sums()} "
            f"FROM {TERMS} t JOIN {MARKS} m ON {TERMS_OF_MARK.format(m='m')} "
            f"JOIN {CODES} c ON c.code = m.code{terms_where} "
            "GROUP BY m.pupil_id, m.school_id, t.id",
            params,
        )
        return cursor.rowcount


def _schools_where(school_ids: list[int] | None, column: str = "school_id") -> tuple[str, list]:
    if school_ids is None:
        return "", []
    return f" WHERE {column} IN ({', '.join(['%s'] * len(school_ids))})", list(school_ids)


def _counted_from_marks_sql(
    vendor: str, school_ids: list[int] | None, dates: tuple[date, date] | None = None
) -> tuple[str, list]:
    """SELECT pupil_id, school_id, week_start and the four counts, from the marks (of the
    schools, of the dates in [first, end)): what the pupil weeks must hold. The one statement
    the recounts write and the check compares."""
    where, params = _schools_where(school_ids, "m.school_id")
    if dates is not None:
        where += (" AND" if where else " WHERE") + " m.date >= %s AND m.date < %s"
        params += list(dates)
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


def pupil_weeks_recount_between(
    connection, *, school_ids: Collection[int], first: date, end: date
) -> int:
    """Recount the schools' pupil weeks whose Monday is in [first, end) (both Mondays) from the
    marks, in the caller's transaction; returns the weeks written. For retention, after a
    school year's marks went without their triggers firing (a partition dropped)."""
    school_ids = list(school_ids)
    if not school_ids:
        return 0
    where, params = _schools_where(school_ids)
    counted, counted_params = _counted_from_marks_sql(connection.vendor, school_ids, (first, end))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {WEEKS}{where} AND week_start >= %s AND week_start < %s",
            [*params, first, end],
        )
        cursor.execute(
            f"INSERT INTO {WEEKS} (pupil_id, school_id, week_start, {', '.join(COUNTS)}) "
            + counted,
            counted_params,
        )
        return cursor.rowcount


def marks_counted_between(
    connection, *, school_ids: Collection[int], first: date, end: date
) -> int:
    """How many marks the schools have in [first, end), from their pupil weeks (which equal
    the marks: the triggers, `check_pupil_weeks`), counting marks only in the part weeks at
    either end: a school year's marks counted from 40 times fewer rows."""
    school_ids = list(school_ids)
    if not school_ids:
        return 0
    whole_first = first + timedelta(days=-first.weekday() % 7)  # the first Monday on or after
    whole_end = end - timedelta(days=end.weekday())  # the Monday on or before
    where, params = _schools_where(school_ids)
    total = " + ".join(COUNTS)
    with connection.cursor() as cursor:
        if whole_first >= whole_end:
            cursor.execute(
                f"SELECT count(*) FROM {MARKS}{where} AND date >= %s AND date < %s",
                [*params, first, end],
            )
            return cursor.fetchone()[0]
        cursor.execute(
            f"SELECT (SELECT coalesce(sum({total}), 0) FROM {WEEKS}{where} "
            "AND week_start >= %s AND week_start < %s) "
            f"+ (SELECT count(*) FROM {MARKS}{where} AND (date >= %s AND date < %s "
            "OR date >= %s AND date < %s))",
            [*params, whole_first, whole_end, *params, first, whole_first, whole_end, end],
        )
        return int(cursor.fetchone()[0])


def pupil_terms_recount_between(
    connection, *, school_ids: Collection[int], first: date, end: date
) -> int:
    """Recount the totals of the schools' terms overlapping [first, end) from the marks, in the
    caller's transaction; returns the totals written (as `pupil_weeks_recount_between`)."""
    school_ids = list(school_ids)
    if not school_ids:
        return 0
    where, params = _schools_where(school_ids)
    overlapping = f'SELECT id FROM {TERMS}{where} AND start < %s AND "end" >= %s'
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TOTALS} WHERE term_id IN ({overlapping})", [*params, end, first]
        )
        cursor.execute(
            f"INSERT INTO {TOTALS} (pupil_id, school_id, term_id, {', '.join(COUNTS)}) "
            f"SELECT m.pupil_id, m.school_id, t.id, {_sums()} "
            f"FROM {TERMS} t JOIN {MARKS} m ON {TERMS_OF_MARK.format(m='m')} "
            f"JOIN {CODES} c ON c.code = m.code WHERE t.id IN ({overlapping}) "
            "GROUP BY m.pupil_id, m.school_id, t.id",
            [*params, end, first],
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


def _trigger_statements(vendor: str, *, terms: bool) -> list[str]:
    if vendor == "postgresql":
        return _postgresql_statements(terms=terms)
    if vendor == "sqlite":
        return _sqlite_statements(terms=terms)
    week_start_sql(vendor, "date")  # raises, naming the databases that work
    return []


def _postgresql_statements(*, terms: bool) -> list[str]:
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

    def quoted(sql: str) -> str:
        return sql.replace("'", "''")

    # The term totals: the same changes, once for each term of the mark's school containing
    # its date (sorted by term, then pupil, as the weeks are, for the order of their locks).
    in_terms = f"JOIN {TERMS} t ON {TERMS_OF_MARK.format(m='m')}"
    term_statements = f"""
    EXECUTE format(
        'INSERT INTO {TOTALS} AS w (pupil_id, school_id, term_id, {", ".join(COUNTS)}) '
        'SELECT m.pupil_id, m.school_id, t.id, {quoted(deltas)} '
        'FROM (%s) m JOIN {CODES} c ON c.code = m.code {quoted(in_terms)} '
        'GROUP BY 1, 2, 3 HAVING {quoted(nonzero)} ORDER BY 3, 1 '
        'ON CONFLICT (term_id, pupil_id) DO UPDATE SET {added}',
        changed);
    IF TG_OP <> 'INSERT' THEN
        EXECUTE format(
            'DELETE FROM {TOTALS} w USING (SELECT DISTINCT m.pupil_id, t.id AS term_id '
            'FROM (%s) m {quoted(in_terms)}) k '
            'WHERE w.term_id = k.term_id AND w.pupil_id = k.pupil_id AND {emptied}',
            changed);
    END IF;"""
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
        'SELECT m.pupil_id, m.school_id, {quoted(week)}, {quoted(deltas)} '
        'FROM (%s) m JOIN {CODES} c ON c.code = m.code '
        'GROUP BY 1, 2, 3 HAVING {quoted(nonzero)} ORDER BY 2, 3, 1 '
        'ON CONFLICT (school_id, week_start, pupil_id) DO UPDATE SET {added}',
        changed);
    IF TG_OP <> 'INSERT' THEN
        EXECUTE format(
            'DELETE FROM {WEEKS} w USING (SELECT DISTINCT m.pupil_id, m.school_id, '
            '{quoted(week)} AS week_start FROM (%s) m) k '
            'WHERE w.school_id = k.school_id AND w.week_start = k.week_start '
            'AND w.pupil_id = k.pupil_id AND {emptied}',
            changed);
    END IF;{term_statements if terms else ""}
    RETURN NULL;
END
$body$"""
    references = {
        "insert": "NEW TABLE AS new_marks",
        "update": "OLD TABLE AS old_marks NEW TABLE AS new_marks",
        "delete": "OLD TABLE AS old_marks",
    }
    statements = [function] + [
        f"CREATE TRIGGER {FUNCTION}_{event} AFTER {event.upper()} ON {MARKS} "
        f"REFERENCING {references[event]} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        for event in TRIGGERS
    ]
    if not terms:
        return statements
    # A term made, or moved: its totals counted again from the marks, which no other
    # transaction may write until this one ends (a register saved meanwhile would be counted
    # under the term's old dates, or twice).
    term_function = f"""
CREATE OR REPLACE FUNCTION {TERM_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    LOCK TABLE {MARKS} IN SHARE MODE;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM {TOTALS} WHERE term_id = OLD.id;
    END IF;
    INSERT INTO {TOTALS} (pupil_id, school_id, term_id, {", ".join(COUNTS)})
    SELECT m.pupil_id, m.school_id, NEW.id, {_sums()}
    FROM {MARKS} m JOIN {CODES} c ON c.code = m.code
    WHERE m.school_id = NEW.school_id AND m.date >= NEW.start AND m.date <= NEW."end"
    GROUP BY m.pupil_id, m.school_id;
    RETURN NULL;
END
$body$"""
    moved = 'OLD.school_id <> NEW.school_id OR OLD.start <> NEW.start OR OLD."end" <> NEW."end"'
    return [
        *statements,
        term_function,
        f"CREATE TRIGGER {TERM_FUNCTION}_insert AFTER INSERT ON {TERMS} "
        f"FOR EACH ROW EXECUTE FUNCTION {TERM_FUNCTION}()",
        f'CREATE TRIGGER {TERM_FUNCTION}_update AFTER UPDATE OF school_id, start, "end" '
        f"ON {TERMS} FOR EACH ROW WHEN ({moved}) EXECUTE FUNCTION {TERM_FUNCTION}()",
    ]


def _sqlite_statements(*, terms: bool) -> list[str]:
    def counted(row: str) -> list[str]:
        """1 or 0 for each count: what the row's code counts as."""
        return [
            f"(SELECT counts_as = '{COUNTS_AS[count]}' FROM {CODES} WHERE code = {row}.code)"
            for count in COUNTS
        ]

    added = ", ".join(f"{count} = {count} + excluded.{count}" for count in COUNTS)
    emptied = " AND ".join(f"{count} = 0" for count in COUNTS)

    def add(row: str) -> str:
        # "WHERE true": SQLite's parser needs a WHERE between the SELECT and ON CONFLICT.
        weeks = (
            f"INSERT INTO {WEEKS} (pupil_id, school_id, week_start, {', '.join(COUNTS)}) "
            f"SELECT {row}.pupil_id, {row}.school_id, {week_start_sql('sqlite', row + '.date')}, "
            f"{', '.join(counted(row))} WHERE true "
            f"ON CONFLICT (school_id, week_start, pupil_id) DO UPDATE SET {added};"
        )
        if not terms:
            return weeks
        return (
            f"{weeks} INSERT INTO {TOTALS} (pupil_id, school_id, term_id, {', '.join(COUNTS)}) "
            f"SELECT {row}.pupil_id, {row}.school_id, t.id, {', '.join(counted(row))} "
            f"FROM {TERMS} t WHERE {TERMS_OF_MARK.format(m=row)} "
            f"ON CONFLICT (term_id, pupil_id) DO UPDATE SET {added};"
        )

    def take_away(row: str) -> str:
        this_week = (
            f"school_id = {row}.school_id AND pupil_id = {row}.pupil_id "
            f"AND week_start = {week_start_sql('sqlite', row + '.date')}"
        )
        subtracted = ", ".join(
            f"{count} = {count} - {part}" for count, part in zip(COUNTS, counted(row), strict=True)
        )
        weeks = (
            f"UPDATE {WEEKS} SET {subtracted} WHERE {this_week}; "
            f"DELETE FROM {WEEKS} WHERE {this_week} AND {emptied};"
        )
        if not terms:
            return weeks
        these_terms = (
            f"pupil_id = {row}.pupil_id AND term_id IN "
            f"(SELECT t.id FROM {TERMS} t WHERE {TERMS_OF_MARK.format(m=row)})"
        )
        return (
            f"{weeks} UPDATE {TOTALS} SET {subtracted} WHERE {these_terms}; "
            f"DELETE FROM {TOTALS} WHERE {these_terms} AND {emptied};"
        )

    changed = " OR ".join(
        f"OLD.{column} IS NOT NEW.{column}" for column in ("pupil_id", "school_id", "date", "code")
    )
    statements = [
        f"CREATE TRIGGER {FUNCTION}_insert AFTER INSERT ON {MARKS} BEGIN {add('NEW')} END",
        f"CREATE TRIGGER {FUNCTION}_update AFTER UPDATE OF pupil_id, school_id, date, code "
        f"ON {MARKS} WHEN {changed} BEGIN {take_away('OLD')} {add('NEW')} END",
        f"CREATE TRIGGER {FUNCTION}_delete AFTER DELETE ON {MARKS} BEGIN {take_away('OLD')} END",
    ]
    if not terms:
        return statements
    recount = (
        f"INSERT INTO {TOTALS} (pupil_id, school_id, term_id, {', '.join(COUNTS)}) "
        f"SELECT m.pupil_id, m.school_id, NEW.id, {_sums()} "
        f"FROM {MARKS} m JOIN {CODES} c ON c.code = m.code "
        f'WHERE m.school_id = NEW.school_id AND m.date >= NEW.start AND m.date <= NEW."end" '
        "GROUP BY m.pupil_id, m.school_id;"
    )
    moved = " OR ".join(
        f"OLD.{column} IS NOT NEW.{column}" for column in ("school_id", "start", '"end"')
    )
    return [
        *statements,
        f"CREATE TRIGGER {TERM_FUNCTION}_insert AFTER INSERT ON {TERMS} BEGIN {recount} END",
        f'CREATE TRIGGER {TERM_FUNCTION}_update AFTER UPDATE OF school_id, start, "end" '
        f"ON {TERMS} WHEN {moved} BEGIN DELETE FROM {TOTALS} WHERE term_id = OLD.id; "
        f"{recount} END",
    ]
