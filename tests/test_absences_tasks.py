"""The daily task that flags N codes still open after five school days."""

import threading
from datetime import date, datetime

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.db import connection

from absences.models import OverdueNFlag
from absences.services.overdue import overdue_n_flag
from absences.tasks import flag_overdue_n_codes
from registers.models import Mark
from tests.conftest import LONDON
from tests.factories import EnrolmentFactory, MarkFactory, PupilFactory

pytestmark = pytest.mark.django_db

TUESDAY_16_SEPTEMBER = datetime(2025, 9, 16, 16, 30, tzinfo=LONDON)


def n_on(pupil, school, day: date, session: str = "AM") -> Mark:
    return MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id="N")


def test_the_task_flags_each_overdue_n_once_when_run_twice(school, other_school, pupils_4a):
    # House style: a retry or a second run of a task flags nothing twice.
    overdue = n_on(pupils_4a[0], school, date(2025, 9, 8))
    n_on(pupils_4a[1], school, date(2025, 9, 9))  # 5 school days before Tue 16: still in time
    elsewhere = PupilFactory()
    EnrolmentFactory(pupil=elsewhere, school=other_school)
    overdue_elsewhere = n_on(elsewhere, other_school, date(2025, 9, 8), "PM")
    with time_machine.travel(TUESDAY_16_SEPTEMBER, tick=False):
        assert flag_overdue_n_codes() == 2
        assert flag_overdue_n_codes.delay().get() == 0
    assert set(OverdueNFlag.objects.values_list("mark", "school", "flagged_on")) == {
        (overdue.pk, school.pk, date(2025, 9, 16)),
        (overdue_elsewhere.pk, other_school.pk, date(2025, 9, 16)),
    }


def test_a_later_run_flags_only_the_newly_overdue(school, pupils_4a):
    # Luston and Shobdon 4.5: each N is due 5 school days after its session, so each day's run
    # adds the N codes that became overdue that day.
    first = n_on(pupils_4a[0], school, date(2025, 9, 8))
    second = n_on(pupils_4a[1], school, date(2025, 9, 9))
    assert overdue_n_flag(school_id=school.pk, today=date(2025, 9, 16)) == 1
    assert overdue_n_flag(school_id=school.pk, today=date(2025, 9, 17)) == 1
    assert dict(OverdueNFlag.objects.values_list("mark", "flagged_on")) == {
        first.pk: date(2025, 9, 16),
        second.pk: date(2025, 9, 17),
    }


def test_the_task_can_be_run_for_a_given_day(school, pupils_4a):
    # House style: tasks take plain values (an ISO date), never model instances.
    n_on(pupils_4a[0], school, date(2025, 9, 8))
    assert flag_overdue_n_codes("2025-09-15") == 0
    assert flag_overdue_n_codes("2025-09-16") == 1


def test_beat_runs_the_task_every_day_at_half_past_four():
    # House style: beat schedules live in code.
    entry = settings.CELERY_BEAT_SCHEDULE["flag-overdue-n-codes"]
    assert entry["task"] == flag_overdue_n_codes.name
    assert entry["schedule"] == crontab(hour=16, minute=30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_flag_each_n_once(school, pupils_4a):
    # House style: a second worker cannot flag the same N twice (a unique mark per flag).
    marks = [n_on(pupil, school, date(2025, 9, 8)) for pupil in pupils_4a]
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def worker(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = overdue_n_flag(school_id=school.pk, today=date(2025, 9, 16))
        except Exception as error:  # the outcome under test, whatever it is
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sorted(OverdueNFlag.objects.values_list("mark", flat=True)) == sorted(
        m.pk for m in marks
    )
