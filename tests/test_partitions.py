"""The marks, pupil weeks and registers partitioned by school year (issue #24).

A school year runs from 1 August to 31 July (the DfE's academic year, as retention's cut-off,
2024 regulations: entries kept six years, a whole school year at a time). PostgreSQL only:
SQLite has no partitioning and keeps plain tables.
"""

import json
import os
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ForeignKey

from registers.lib import partitions
from registers.lib.pupil_weeks import pupil_weeks_differing
from registers.models import Amendment, Mark, PupilWeek, Register
from registers.tasks import ensure_school_year_partitions
from retention.services import retention_run
from tests.factories import MarkFactory, RegistrationGroupFactory, SchoolFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LONDON = ZoneInfo("Europe/London")


def _partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _oid(name: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)::oid", [name])
        return cursor.fetchone()[0]


def _amend(mark: Mark, *, on: date, staff) -> Amendment:
    return Amendment.objects.create(
        mark=mark,
        original_code_id=mark.code_id,
        new_code_id="U",
        reason="Arrived after the register closed",
        amended_at=datetime.combine(on, time(10, 0), tzinfo=LONDON),
        amended_by=staff,
        amended_by_name="Olive Office",
        amended_by_position="Office manager",
    )


def test_the_tables_are_partitioned_by_school_year_with_the_key_in_every_unique_index():
    for table in partitions.TABLES:
        assert partitions.is_partitioned(connection, table.name), table.name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'registers_mark'::regclass AND contype IN ('p', 'u') ORDER BY 1"
        )
        assert [definition for (definition,) in cursor.fetchall()] == [
            "PRIMARY KEY (id, date)",
            "UNIQUE (pupil_id, school_id, date, session)",
        ]
    # 1 August to 31 July; the weeks split at the Monday on or before 1 August (a Friday here).
    assert partitions.MARK_TABLE.bounds(2025) == (date(2025, 8, 1), date(2026, 8, 1))
    assert partitions.WEEK_TABLE.bounds(2025) == (date(2025, 7, 28), date(2026, 7, 27))
    assert partitions.WEEK_TABLE.year_of(date(2025, 7, 30)) == 2025
    assert partitions.MARK_TABLE.year_of(date(2025, 7, 30)) == 2024


def test_a_mark_lands_in_the_partition_of_its_school_year():
    summer = MarkFactory(date=date(2027, 7, 16))
    autumn = MarkFactory(date=date(2027, 9, 6))
    partitions.partitions_ensure(connection, today=date(2027, 9, 1))

    assert _partition_of("registers_mark", summer.pk) == "registers_mark_y2026"
    assert _partition_of("registers_mark", autumn.pk) == "registers_mark_y2027"
    week = PupilWeek.objects.get(pupil=autumn.pupil)
    assert _partition_of("registers_pupilweek", week.pk) == "registers_pupilweek_y2027"


def test_the_nightly_task_gives_a_year_imported_into_the_default_partition_its_own():
    # History imported from another system (a CTF, 2015/16) arrives before its partition.
    staff = UserFactory()
    mark = MarkFactory(date=date(2015, 11, 2), code_id="O")
    amendment = _amend(mark, on=date(2015, 11, 3), staff=staff)
    assert _partition_of("registers_mark", mark.pk) == "registers_mark_default"

    made = ensure_school_year_partitions()

    assert {"registers_mark_y2015", "registers_pupilweek_y2015"} <= set(made)
    assert _partition_of("registers_mark", mark.pk) == "registers_mark_y2015"
    # What points at the mark follows it, and the weeks are the same rows, moved.
    assert Amendment.objects.get(pk=amendment.pk).mark == mark
    assert pupil_weeks_differing(connection) == {}
    assert ensure_school_year_partitions() == []


def test_a_row_pointing_at_no_mark_is_refused():
    staff = UserFactory()
    mark = MarkFactory(date=date(2026, 9, 7))
    with pytest.raises(IntegrityError), transaction.atomic():
        _amend(Mark(pk=mark.pk + 1000, date=mark.date), on=date(2026, 9, 8), staff=staff)


def test_a_mark_cannot_go_while_a_row_points_at_it():
    staff = UserFactory()
    mark = MarkFactory(date=date(2026, 9, 7))
    _amend(mark, on=date(2026, 9, 8), staff=staff)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM registers_mark WHERE id = %s", [mark.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_retention_replaces_an_expired_years_partition_with_what_it_keeps():
    # 2024 regulations: kept six years from entry; an amendment is an entry of its own, and a
    # federation keeping ten years keeps its own (Federation.retention_years).
    staff = UserFactory()
    school = SchoolFactory()
    group = RegistrationGroupFactory(school=school)
    longer = SchoolFactory(federation__retention_years=10)
    day = date(2018, 3, 5)
    gone = MarkFactory(school=school, date=day)
    amended = MarkFactory(school=school, date=day, session="PM")
    _amend(amended, on=date(2025, 1, 6), staff=staff)
    entered_late = MarkFactory(
        school=school,
        date=date(2018, 3, 6),
        recorded_at=datetime(2024, 9, 2, 9, 0, tzinfo=LONDON),
    )
    theirs = MarkFactory(school=longer, date=day)
    for session in ("AM", "PM"):
        Register.objects.create(
            school=school,
            group=group,
            date=day,
            session=session,
            taken_by=staff,
            taken_at=datetime.combine(day, time(9, 0), tzinfo=LONDON),
            last_saved_by=staff,
            last_saved_at=datetime.combine(day, time(9, 0), tzinfo=LONDON),
        )
    partitions.partitions_ensure(connection, today=date(2026, 10, 1))
    before = _oid("registers_mark_y2017")

    run = retention_run(federation=school.federation, today=date(2026, 10, 1), dry_run=False)

    assert _oid("registers_mark_y2017") not in (None, before)  # a new table, not row deletes
    assert set(Mark.objects.all()) == {amended, entered_late, theirs}
    assert not Mark.objects.filter(pk=gone.pk).exists()
    assert list(Register.objects.values_list("session", flat=True)) == ["PM"]
    assert run.counts["marks"] == 1
    assert run.counts["registers"] == 1
    assert pupil_weeks_differing(connection) == {}
    assert (
        retention_run(federation=school.federation, today=date(2026, 10, 1), dry_run=False).counts[
            "marks"
        ]
        == 0
    )


def test_a_partition_is_not_replaced_while_a_row_points_at_a_mark_it_drops():
    # Retention deletes what points at the marks that go first; forgetting one is refused.
    staff = UserFactory()
    mark = MarkFactory(date=date(2018, 3, 5))
    _amend(mark, on=date(2018, 3, 6), staff=staff)
    partitions.partitions_ensure(connection, today=date(2026, 10, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        partitions.partition_replace(
            connection, partitions.MARK_TABLE, 2017, kept="SELECT * FROM registers_mark WHERE false"
        )
    assert Mark.objects.filter(pk=mark.pk).exists()


def test_a_database_made_before_the_partitioning_is_converted_with_every_row_kept():
    # Migration 0019 on a database with marks in two school years and rows pointing at them.
    settings = connection.settings_dict
    name = f"{settings['NAME']}_conversion"
    url = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
    url += f"{settings['PORT'] or 5432}/{name}"
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {name}")
        server.execute(f"CREATE DATABASE {name}")
        try:
            result = subprocess.run(
                [sys.executable, str(Path(__file__).parent / "partition_conversion.py")],
                env={**os.environ, "DATABASE_URL": url},
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        finally:
            server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])

    assert found["kind"] == "p"
    assert found["after"] == found["before"]  # marks, weeks, registers and what points at them
    assert found["placed"] == {"registers_mark_y2023": 4, "registers_mark_y2025": 3}
    assert found["amendment_mark_date"] == found["first_date"]
    assert found["new_id_after_old"]


def test_every_table_pointing_at_a_mark_has_the_key_of_mark_and_date():
    # A new model with a foreign key to Mark needs `db_constraint=False` and its migration's
    # `partitions.mark_references_migration`, or the database would hold no key at all.
    pointing = {
        relation.related_model._meta.db_table
        for relation in Mark._meta.get_fields(include_hidden=True)
        if relation.auto_created and isinstance(getattr(relation, "field", None), ForeignKey)
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
            "AND confrelid = 'registers_mark'::regclass "
            "AND pg_get_constraintdef(oid) = "
            "'FOREIGN KEY (mark_id, mark_date) REFERENCES registers_mark(id, date) "
            "DEFERRABLE INITIALLY DEFERRED'"
        )
        keyed = {table for (table,) in cursor.fetchall()}
    assert len(pointing) == 5
    assert keyed == pointing


def test_an_aggregate_over_partitioned_rows_groups_by_every_column_it_selects():
    # Django groups by the primary key alone where the database allows it; the partitioned
    # tables' key is (id, date), so the backend (core/backends/postgresql) groups by all.
    from django.db.models import Count

    staff = UserFactory()
    mark = MarkFactory(date=date(2026, 9, 7))
    _amend(mark, on=date(2026, 9, 8), staff=staff)
    counted = Mark.objects.annotate(amended=Count("amendments")).get(pk=mark.pk)
    assert counted.amended == 1
