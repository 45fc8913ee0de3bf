"""The retention job: entries past the federation's retention period go, and nothing newer.

The clock is frozen on 1 October 2026. With six years the cut-off is 1 August 2020 (the start
of the academic year containing 1 October 2020); with seven, 1 August 2019.

On PostgreSQL every test runs twice: with the old school years in the tables' default
partitions (deleted row by row) and with partitions of their own (each replaced by what it
keeps, registers/lib/partitions.py); the answers must be the same, and the pupil weeks must
equal the marks after either.
"""

import logging
from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import ForeignKey

from absences.models import OverdueNFlag
from registers.lib.partitions import partitions_ensure
from registers.lib.pupil_weeks import pupil_weeks_differing
from registers.models import (
    Amendment,
    Federation,
    LateArrival,
    Mark,
    Register,
    RegisterReminder,
    RetentionRun,
)
from retention import services as retention
from retention.services import retention_cutoff, retention_run
from retention.tasks import retention_run_for_every_federation
from tests.factories import (
    FederationFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 10, 1)
SIX_AND_A_HALF_YEARS_AGO = date(2020, 4, 1)
LAST_SUMMER_TERM_GONE = date(2020, 7, 20)  # 2019/20: before the six-year cut-off
FIRST_WEEK_KEPT = date(2020, 9, 7)  # 2020/21: kept


@pytest.fixture(
    autouse=True, params=["rows", pytest.param("partitions", marks=pytest.mark.postgres)]
)
def school_years(request, db):
    if request.param == "partitions":
        partitions_ensure(connection, today=TODAY, also=(date(2019, 8, 1), TODAY))
    yield request.param
    assert pupil_weeks_differing(connection) == {}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime(2026, 10, 1, 1, 30, tzinfo=LONDON), tick=False):
        yield


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=LONDON)


@pytest.fixture
def staff():
    return UserFactory(username="retention.office")


def _register_with_mark(*, school, group, day: date, staff, amended_on: date | None = None):
    """A taken register with one pupil's mark, optionally amended later, and a late-book line."""
    register = Register.objects.create(
        school=school,
        group=group,
        date=day,
        session="AM",
        taken_by=staff,
        taken_at=_at(day),
        last_saved_by=staff,
        last_saved_at=_at(day),
    )
    mark = MarkFactory(
        school=school, pupil=PupilFactory(), date=day, code_id="L", recorded_at=_at(day)
    )
    LateArrival.objects.create(
        pupil=mark.pupil,
        school=school,
        date=day,
        session="AM",
        arrived_at=time(9, 10),
        reason="Traffic",
        mark=mark,
        recorded_by=staff,
        recorded_at=_at(day),
    )
    if amended_on is not None:
        Amendment.objects.create(
            mark=mark,
            original_code_id="L",
            new_code_id="U",
            reason="Arrived after the register closed",
            amended_at=_at(amended_on),
            amended_by=staff,
            amended_by_name="Olive Office",
            amended_by_position="Office manager",
        )
    return register, mark


def test_the_cutoff_is_the_start_of_the_academic_year_six_years_back():
    # "Every entry is kept for at least six years from the date it was entered" (2024 regulations)
    assert retention_cutoff(retention_years=6, today=TODAY) == date(2020, 8, 1)
    assert retention_cutoff(retention_years=7, today=TODAY) == date(2019, 8, 1)
    # In July the academic year six years back began the August before.
    assert retention_cutoff(retention_years=6, today=date(2026, 7, 31)) == date(2019, 8, 1)
    # 29 February is no trouble.
    assert retention_cutoff(retention_years=6, today=date(2028, 2, 29)) == date(2021, 8, 1)


def test_a_period_below_six_years_is_never_used():
    # One seed policy still says three years, the older rule: "keep the longer one".
    assert retention_cutoff(retention_years=3, today=TODAY) == date(2020, 8, 1)


def test_exactly_the_old_entries_go_and_the_newer_stay(staff):
    # Entries older than the retention period are deleted with what only they referenced.
    school = SchoolFactory()
    group = RegistrationGroupFactory(school=school)
    old_register, old_mark = _register_with_mark(
        school=school,
        group=group,
        day=LAST_SUMMER_TERM_GONE,
        staff=staff,
        amended_on=date(2020, 7, 21),
    )
    OverdueNFlag.objects.create(school=school, mark=old_mark, flagged_on=date(2020, 7, 27))
    older_register, _ = _register_with_mark(
        school=school, group=group, day=SIX_AND_A_HALF_YEARS_AGO, staff=staff
    )
    new_register, new_mark = _register_with_mark(
        school=school, group=group, day=FIRST_WEEK_KEPT, staff=staff, amended_on=date(2020, 9, 8)
    )
    RegisterReminder.objects.create(
        school=school,
        group=group,
        date=LAST_SUMMER_TERM_GONE,
        session="PM",
        sent_at=_at(LAST_SUMMER_TERM_GONE),
    )

    run = retention_run(federation=school.federation, today=TODAY, dry_run=False)

    assert list(Mark.objects.all()) == [new_mark]
    assert list(Amendment.objects.values_list("mark_id", flat=True)) == [new_mark.pk]
    assert list(LateArrival.objects.values_list("mark_id", flat=True)) == [new_mark.pk]
    assert not OverdueNFlag.objects.exists()
    assert list(Register.objects.all()) == [new_register]
    assert not RegisterReminder.objects.exists()
    assert run.counts == {
        "marks": 2,
        "amendments": 1,
        "late_arrivals": 2,
        "overdue_n_flags": 1,
        "penalty_notice_evidence": 0,
        "unauthorised_letter_sessions": 0,
        "registers": 2,
        "register_reminders": 1,
    }
    assert run.cutoff == date(2020, 8, 1)
    assert not run.dry_run


def test_a_federation_keeping_seven_years_keeps_a_mark_six_and_a_half_years_old(staff):
    # Federation.retention_years: "Register entries are kept this long: at least 6 years".
    seven = SchoolFactory(federation=FederationFactory(retention_years=7))
    six = SchoolFactory()
    kept = MarkFactory(school=seven, date=SIX_AND_A_HALF_YEARS_AGO)
    MarkFactory(school=six, date=SIX_AND_A_HALF_YEARS_AGO)

    retention_run(federation=seven.federation, today=TODAY, dry_run=False)
    retention_run(federation=six.federation, today=TODAY, dry_run=False)

    assert list(Mark.objects.all()) == [kept]


def test_another_federations_old_entries_are_not_touched(staff):
    # The job runs per federation: each keeps its own period.
    ours = SchoolFactory()
    theirs = MarkFactory(school=SchoolFactory(), date=SIX_AND_A_HALF_YEARS_AGO)
    MarkFactory(school=ours, date=SIX_AND_A_HALF_YEARS_AGO)

    retention_run(federation=ours.federation, today=TODAY, dry_run=False)

    assert list(Mark.objects.all()) == [theirs]


def test_a_mark_amended_within_the_period_is_kept_with_its_register(staff):
    # An amendment is an entry too, kept for the period from the day it was made.
    school = SchoolFactory()
    group = RegistrationGroupFactory(school=school)
    register, mark = _register_with_mark(
        school=school,
        group=group,
        day=LAST_SUMMER_TERM_GONE,
        staff=staff,
        amended_on=date(2020, 9, 2),
    )

    run = retention_run(federation=school.federation, today=TODAY, dry_run=False)

    assert list(Mark.objects.all()) == [mark]
    assert Amendment.objects.filter(mark=mark).count() == 1
    assert list(Register.objects.all()) == [register]
    assert run.counts["marks"] == 0


def test_a_dry_run_deletes_nothing_and_records_what_would_go(staff):
    # "A dry run lists what would go."
    school = SchoolFactory()
    group = RegistrationGroupFactory(school=school)
    _register_with_mark(
        school=school,
        group=group,
        day=SIX_AND_A_HALF_YEARS_AGO,
        staff=staff,
        amended_on=date(2020, 4, 2),
    )
    _register_with_mark(school=school, group=group, day=FIRST_WEEK_KEPT, staff=staff)

    run = retention_run(federation=school.federation, today=TODAY, dry_run=True)

    assert Mark.objects.count() == 2
    assert Amendment.objects.count() == 1
    assert Register.objects.count() == 2
    assert run.dry_run
    assert run.counts == {
        "marks": 1,
        "amendments": 1,
        "late_arrivals": 1,
        "overdue_n_flags": 0,
        "penalty_notice_evidence": 0,
        "unauthorised_letter_sessions": 0,
        "registers": 1,
        "register_reminders": 0,
    }
    # What the dry run promised is what the real run then deletes.
    assert (
        retention_run(federation=school.federation, today=TODAY, dry_run=False).counts == run.counts
    )


def test_every_run_is_logged_with_counts_and_no_pupil_data(staff, caplog):
    # "Every run is logged with counts"; no pupil data in logs.
    school = SchoolFactory()
    pupil = PupilFactory(legal_forename="Zebedee", legal_surname="Quixote")
    MarkFactory(school=school, pupil=pupil, date=SIX_AND_A_HALF_YEARS_AGO)

    with caplog.at_level(logging.INFO, logger="retention.services"):
        retention_run(federation=school.federation, today=TODAY, dry_run=True)
        retention_run(federation=school.federation, today=TODAY, dry_run=False)

    runs = list(RetentionRun.objects.order_by("ran_at", "pk").values_list("dry_run", "counts"))
    assert [(dry, counts["marks"]) for dry, counts in runs] == [(True, 1), (False, 1)]
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    assert "dry run" in lines[0] and "marks 1" in lines[0] and "2020-08-01" in lines[0]
    assert "marks 1" in lines[1]
    assert not any(word in "".join(lines) for word in ("Zebedee", "Quixote", pupil.upn))


def test_deletes_go_in_batches_until_nothing_old_is_left(staff, monkeypatch):
    # In batches, one transaction per batch: a long history does not go in one lock.
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    school = SchoolFactory()
    for day in (
        date(2020, 3, 2),
        date(2020, 3, 3),
        date(2020, 3, 4),
        date(2020, 3, 5),
        date(2020, 3, 6),
    ):
        MarkFactory(school=school, date=day)

    run = retention_run(federation=school.federation, today=TODAY, dry_run=False)

    assert run.counts["marks"] == 5
    assert not Mark.objects.exists()


def test_every_model_pointing_at_a_mark_is_deleted_with_it():
    # "... and with them what only they referenced": a new foreign key to Mark must be listed.
    pointing = {
        relation.related_model
        for relation in Mark._meta.get_fields(include_hidden=True)  # related_name="+" too
        if relation.auto_created and isinstance(getattr(relation, "field", None), ForeignKey)
    }
    assert pointing == set(retention.MARK_DEPENDANTS.values())
    # Nothing points at an amendment or a register, so they can go as they are.
    assert not [
        field
        for field in Register._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete
    ]
    assert not [
        field
        for field in Amendment._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete
    ]


def test_the_command_prints_the_counts_and_deletes(staff):
    school = SchoolFactory(federation=FederationFactory(name="Oak Federation"))
    MarkFactory(school=school, date=SIX_AND_A_HALF_YEARS_AGO)
    out = StringIO()

    call_command("retention_run", "--federation", "Oak Federation", "--dry-run", stdout=out)
    assert "Oak Federation: entries before 2020-08-01: would delete marks 1" in out.getvalue()
    assert Mark.objects.count() == 1

    call_command("retention_run", "--federation", "Oak Federation", stdout=out)
    assert "deleted marks 1" in out.getvalue()
    assert not Mark.objects.exists()


def test_the_command_refuses_an_unknown_federation():
    with pytest.raises(CommandError, match="No federation is called 'Nowhere'"):
        call_command("retention_run", "--federation", "Nowhere", stdout=StringIO())


def test_the_nightly_task_runs_every_federation_and_a_second_run_deletes_nothing(staff):
    # Tasks are idempotent: a retry or a second worker finds nothing more to delete.
    first, second = SchoolFactory(), SchoolFactory()
    MarkFactory(school=first, date=SIX_AND_A_HALF_YEARS_AGO)
    MarkFactory(school=second, date=LAST_SUMMER_TERM_GONE)
    kept = MarkFactory(school=second, date=FIRST_WEEK_KEPT)

    counts = retention_run_for_every_federation.delay().get()
    again = retention_run_for_every_federation.delay().get()

    assert {key: value["marks"] for key, value in counts.items()} == {
        first.federation_id: 1,
        second.federation_id: 1,
    }
    assert all(value["marks"] == 0 for value in again.values())
    assert list(Mark.objects.all()) == [kept]
    assert RetentionRun.objects.filter(dry_run=False).count() == 2 * Federation.objects.count()
