"""A database made before the partitioning, migrated: run by tests/test_partitions.py in a
process of its own on a database of its own (DATABASE_URL), since the test database is made
partitioned. Migrates to registers 0018, writes marks in two school years with rows pointing
at them, migrates to the latest, and prints as JSON what the test compares.
"""

import json
import os
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_site.test_settings")

import django  # noqa: E402

LONDON = ZoneInfo("Europe/London")


def _rows(cursor, sql: str) -> list:
    cursor.execute(sql)
    return [list(map(str, row)) for row in cursor.fetchall()]


def snapshot() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        return {
            "marks": _rows(
                cursor, "SELECT id, date, session, code FROM registers_mark ORDER BY id"
            ),
            "weeks": _rows(
                cursor,
                "SELECT pupil_id, school_id, week_start, attended, authorised, unauthorised, "
                "not_possible FROM registers_pupilweek ORDER BY 1, 2, 3",
            ),
            "registers": _rows(
                cursor, "SELECT id, date, session FROM registers_register ORDER BY id"
            ),
            "amendments": _rows(cursor, "SELECT id, mark_id FROM registers_amendment ORDER BY id"),
            "flags": _rows(cursor, "SELECT id, mark_id FROM absences_overduenflag ORDER BY id"),
        }


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from absences.models import OverdueNFlag
    from registers.models import Amendment, Mark, Register
    from tests.factories import MarkFactory, RegistrationGroupFactory, UserFactory

    call_command("migrate", "auth", verbosity=0)
    for app, migration in (
        ("absences", "0008"),
        ("penalties", "0006"),
        ("registers", "0018"),
    ):
        call_command("migrate", app, migration, verbosity=0)
    staff = UserFactory()
    group = RegistrationGroupFactory()
    for day in (date(2024, 3, 4), date(2024, 3, 5), date(2025, 9, 8)):
        for session in ("AM", "PM"):
            MarkFactory(school=group.school, date=day, session=session, code_id="N")
            Register.objects.create(
                school=group.school,
                group=group,
                date=day,
                session=session,
                taken_by=staff,
                taken_at=datetime.combine(day, time(9), tzinfo=LONDON),
                last_saved_by=staff,
                last_saved_at=datetime.combine(day, time(9), tzinfo=LONDON),
            )
    first = Mark.objects.order_by("pk").first()
    assert first is not None
    Amendment.objects.create(
        mark=first,
        original_code_id="N",
        new_code_id="I",
        reason="Doctor's letter",
        amended_at=datetime(2024, 3, 6, 10, tzinfo=LONDON),
        amended_by=staff,
        amended_by_name="Olive Office",
        amended_by_position="Office manager",
    )
    OverdueNFlag.objects.create(school=group.school, mark=first, flagged_on=date(2024, 3, 11))
    before = snapshot()

    call_command("migrate", verbosity=0)

    after = snapshot()
    later = MarkFactory(school=group.school, date=date(2025, 9, 9))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text, count(*) FROM registers_mark GROUP BY 1 ORDER BY 1"
        )
        placed = dict(cursor.fetchall())
        cursor.execute("SELECT mark_date FROM registers_amendment")
        amendment_mark_date = str(cursor.fetchone()[0])
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'registers_mark'")
        kind = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "before": before,
                "after": after,
                "kind": kind,
                "placed": placed,
                "amendment_mark_date": amendment_mark_date,
                "first_date": str(first.date),
                "new_id_after_old": later.pk > max(int(row[0]) for row in before["marks"]),
            }
        )
    )


if __name__ == "__main__":
    main()
