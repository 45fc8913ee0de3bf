"""The pupil weeks: each pupil's marks counted by school week, kept equal to the marks by
database triggers (registers/lib/pupil_weeks.py), whoever writes the marks and however.

Issue #6: the figures of whole weeks are read from these counts (registers/selectors/statistics.py),
so a count that drifted from the marks would be a wrong figure on a governors' paper.
"""

import threading
import time
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from registers.codes import code_catalogue
from registers.models import Mark, PupilWeek
from tests.factories import MarkFactory, PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2025, 9, 8)


def counted_from_marks() -> dict[tuple, tuple[int, int, int, int]]:
    """What the pupil weeks must be: the marks counted in Python, by pupil, school and the
    Monday of their week."""
    catalogue = code_catalogue()
    counts: dict[tuple, Counter] = {}
    for pupil_id, school_id, day, code in Mark.objects.values_list(
        "pupil_id", "school_id", "date", "code_id"
    ):
        key = (pupil_id, school_id, day - timedelta(days=day.weekday()))
        counts.setdefault(key, Counter())[catalogue[code].counts_as] += 1
    return {
        key: (c["attendance"], c["authorised"], c["unauthorised"], c["not_possible"])
        for key, c in counts.items()
    }


def pupil_weeks() -> dict[tuple, tuple[int, ...]]:
    return {
        (pupil_id, school_id, week): tuple(counts)
        for pupil_id, school_id, week, *counts in PupilWeek.objects.values_list(
            "pupil_id",
            "school_id",
            "week_start",
            "attended",
            "authorised",
            "unauthorised",
            "not_possible",
        )
    }


def assert_weeks_match_marks() -> None:
    assert pupil_weeks() == counted_from_marks()


def test_every_way_of_writing_marks_keeps_the_pupil_weeks_equal_to_them(school, other_school):
    pupil, sibling = PupilFactory(), PupilFactory()
    wednesday = MONDAY + timedelta(days=2)

    mark = MarkFactory(pupil=pupil, school=school, date=MONDAY, session="AM", code_id="/")
    MarkFactory(pupil=pupil, school=school, date=MONDAY, session="PM", code_id="N")
    assert pupil_weeks() == {(pupil.pk, school.pk, MONDAY): (1, 0, 1, 0)}

    # Many rows in one statement, in two weeks, two schools and codes of every kind.
    Mark.objects.bulk_create(
        MarkFactory.build(pupil=p, school=s, date=day, session=session, code_id=code)
        for p, s, day, session, code in [
            (pupil, school, wednesday, "AM", "I"),
            (pupil, school, wednesday, "PM", "X"),
            (pupil, school, MONDAY + timedelta(days=7), "AM", "G"),
            (sibling, school, MONDAY, "AM", "/"),
            (sibling, other_school, MONDAY, "PM", "D"),
        ]
    )
    assert_weeks_match_marks()
    assert pupil_weeks()[pupil.pk, school.pk, MONDAY] == (1, 1, 1, 1)

    mark.code_id = "M"  # an amendment, saved through the model
    mark.save()
    assert_weeks_match_marks()
    Mark.objects.filter(pupil=pupil, code_id="N").update(code_id="O")  # one UPDATE statement
    assert_weeks_match_marks()
    Mark.objects.filter(pupil=pupil, date=wednesday).update(date=wednesday + timedelta(days=7))
    assert_weeks_match_marks()  # moved into the next week: taken from one, added to the other
    Mark.objects.filter(pupil=sibling, school=school).update(
        pupil=pupil, date=MONDAY + timedelta(days=1)
    )
    assert_weeks_match_marks()
    Mark.objects.filter(pupil=pupil).update(minutes_late=5)  # no count changes
    assert_weeks_match_marks()

    Mark.objects.get(pupil=pupil, date=MONDAY, session="AM").delete()
    assert_weeks_match_marks()
    Mark.objects.filter(school=other_school).delete()  # the week's last mark: no row left
    assert (sibling.pk, other_school.pk, MONDAY) not in pupil_weeks()
    assert_weeks_match_marks()

    with connection.cursor() as cursor:  # SQL from outside the ORM (a migration, a restore)
        cursor.execute(
            "INSERT INTO registers_mark (pupil_id, school_id, date, session, code, source, "
            "recorded_at, version) VALUES (%s, %s, %s, 'AM', 'C', 'import', %s, 1)",
            [sibling.pk, school.pk, MONDAY + timedelta(days=14), "2025-09-22T09:00:00+00:00"],
        )
    assert_weeks_match_marks()
    Mark.objects.all().delete()
    assert pupil_weeks() == {}


def test_a_week_of_marks_that_are_not_possible_sessions_keeps_its_row(school):
    # Rule (attendance-rules.md, Statistics): X is not a possible session, but it is a mark;
    # the week is kept while it has one, counted as not possible.
    pupil = PupilFactory()
    MarkFactory(pupil=pupil, school=school, date=MONDAY, session="AM", code_id="X")

    assert pupil_weeks() == {(pupil.pk, school.pk, MONDAY): (0, 0, 0, 1)}


def test_a_week_runs_monday_to_sunday(school):
    pupil = PupilFactory()
    sunday = MONDAY + timedelta(days=6)
    MarkFactory(pupil=pupil, school=school, date=sunday, session="AM", code_id="/")
    MarkFactory(pupil=pupil, school=school, date=sunday + timedelta(days=1), code_id="/")

    assert set(pupil_weeks()) == {
        (pupil.pk, school.pk, MONDAY),
        (pupil.pk, school.pk, MONDAY + timedelta(days=7)),
    }


def test_rebuild_pupil_weeks_recounts_weeks_that_were_lost_or_wrong(school, capsys):
    pupil = PupilFactory()
    MarkFactory(pupil=pupil, school=school, date=MONDAY, session="AM", code_id="/")
    MarkFactory(pupil=pupil, school=school, date=MONDAY + timedelta(days=7), code_id="N")
    # As after a restore that loaded the marks with the triggers disabled.
    PupilWeek.objects.filter(week_start=MONDAY).delete()
    PupilWeek.objects.update(unauthorised=7)

    call_command("rebuild_pupil_weeks")

    assert_weeks_match_marks()
    assert "2 pupil weeks counted from the marks" in capsys.readouterr().out


def test_rebuild_pupil_weeks_for_one_school_leaves_the_others_and_refuses_an_unknown_urn(
    school, other_school
):
    pupil = PupilFactory()
    MarkFactory(pupil=pupil, school=school, date=MONDAY, code_id="/")
    MarkFactory(pupil=pupil, school=other_school, date=MONDAY, code_id="I")
    PupilWeek.objects.update(attended=9)

    call_command("rebuild_pupil_weeks", "--school", school.urn, stdout=StringIO())

    assert pupil_weeks() == {
        (pupil.pk, school.pk, MONDAY): (1, 0, 0, 0),
        (pupil.pk, other_school.pk, MONDAY): (9, 1, 0, 0),
    }
    with pytest.raises(CommandError, match="No school has the URN 999999."):
        call_command("rebuild_pupil_weeks", "--school", "999999")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_transactions_adding_marks_to_one_pupils_week_at_once_both_count(school):
    # The morning's register and the office's call log can write the same pupil's week at
    # once: each adds its own marks to the count, and neither is lost.
    pupil = PupilFactory()
    barrier = threading.Barrier(2)
    failures = []

    def add(session: str, code: str) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                MarkFactory(pupil=pupil, school=school, date=MONDAY, session=session, code_id=code)
                time.sleep(0.3)  # still open when the other writes the same week
        except Exception as error:  # the outcome under test
            failures.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=add, args=("AM", "/")),
        threading.Thread(target=add, args=("PM", "I")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert pupil_weeks() == {(pupil.pk, school.pk, MONDAY): (1, 1, 0, 0)}


def test_the_marks_of_a_period_are_counted_from_the_weeks_and_the_part_weeks_at_its_ends():
    # Retention counts a school year's marks this way (registers/lib/pupil_weeks.py): exact
    # only if the part weeks at each end are read from the marks. 1 August 2025 is a Friday.
    from registers.lib.pupil_weeks import marks_counted_between

    pupil, school = PupilFactory(), SchoolFactory()
    days = [date(2025, 7, 28), date(2025, 7, 31), date(2025, 8, 1), date(2025, 8, 4)]
    days += [date(2026, 7, 20), date(2026, 7, 31), date(2026, 8, 3), date(2026, 8, 7)]
    for day in days:
        for session in ("AM", "PM"):
            MarkFactory(pupil=pupil, school=school, date=day, session=session)
    MarkFactory(date=date(2025, 10, 6))  # another school's
    schools = [school.pk]
    for first, end in [
        (date(2025, 8, 1), date(2026, 8, 1)),  # a school year: part weeks at both ends
        (date(2025, 7, 28), date(2026, 7, 27)),  # Monday to Monday: whole weeks only
        (date(2025, 7, 29), date(2025, 8, 2)),  # inside one week
        (date(2026, 8, 1), date(2026, 8, 8)),
    ]:
        expected = Mark.objects.filter(school=school, date__gte=first, date__lt=end).count()
        counted = marks_counted_between(connection, school_ids=schools, first=first, end=end)
        assert counted == expected, (first, end)
