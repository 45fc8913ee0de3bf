"""The missing-register monitor: reminders for registers not taken, the office's live page, and
registers taken after their close listed for the head.

Issue rule: when a register is still not taken some minutes after it opened (a school setting,
default 10), the group's teachers are reminded (e-mail and a banner on their next page) and the
office is told, once; registers taken after the close time are recorded as such and listed
weekly for the head.
"""

import threading
from datetime import date, datetime, time

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registers.models import Register, RegisterReminder, Role
from registers.selectors.monitor import reminder_banner_key
from registers.services.register import RegisterEntry, register_submit
from registers.services.reminders import register_reminders_send
from registers.tasks import email_registers_taken_late, remind_missing_registers
from tests.conftest import LONDON, MONDAY
from tests.factories import (
    MembershipFactory,
    RegistrationGroupFactory,
    SessionTimesFactory,
    UserFactory,
    enrol_in_group,
)

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int, day: date = MONDAY):
    return time_machine.travel(datetime.combine(day, time(hour, minute), tzinfo=LONDON), tick=False)


@pytest.fixture(autouse=True)
def _clear_banner_flags(db, django_user_model):
    """The banner's flags live in the cache, which outlives a test's database."""
    yield
    cache.delete_many(
        [
            reminder_banner_key(user_id=user_id, day=day)
            for day in RegisterReminder.objects.values_list("date", flat=True).distinct()
            for user_id in django_user_model.objects.values_list("pk", flat=True)
        ]
    )


@pytest.fixture
def staff_emails(teacher_4a, office):
    teacher_4a.email = "tess.teacher@school.example"
    teacher_4a.save()
    office.email = "olive.office@school.example"
    office.save()


@pytest.fixture
def head(school):
    user = UserFactory(username="head", first_name="Hana", last_name="Head", email="head@x.example")
    MembershipFactory(user=user, school=school, role=Role.HEAD, position="Headteacher")
    return user


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """The beat task, with the e-mails it enqueues after commit sent as they would be."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return remind_missing_registers()

    return run


def take(group, pupils, by, session="AM", day=MONDAY):
    code = "/" if session == "AM" else "\\"
    return register_submit(
        group=group,
        day=day,
        session=session,
        entries=[RegisterEntry(pupil_id=p.pk, code=code) for p in pupils],
        by=by,
    )


# --- reminders, with a frozen clock (the AM register opens at 08:45) -------------------------


def test_no_reminder_before_the_schools_minutes_have_passed(
    class_4a, pupils_4a, staff_emails, remind
):
    # Default setting: remind 10 minutes after the register opens.
    with at(8, 54):
        assert remind() == 0
    assert not RegisterReminder.objects.exists()
    assert mail.outbox == []


def test_a_register_not_taken_ten_minutes_after_it_opened_is_reminded_once(
    class_4a, pupils_4a, teacher_4a, staff_emails, remind
):
    # Remind the group's teachers (e-mail) and tell the office, once.
    with at(8, 55):
        assert remind() == 1
    reminder = RegisterReminder.objects.get()
    assert (reminder.group, reminder.date, reminder.session) == (class_4a, MONDAY, "AM")
    teacher_mail = [m for m in mail.outbox if m.to == ["tess.teacher@school.example"]]
    office_mail = [m for m in mail.outbox if m.to == ["olive.office@school.example"]]
    assert len(teacher_mail) == 1 and len(office_mail) == 1 and len(mail.outbox) == 2
    assert "4A AM" in teacher_mail[0].subject
    assert "opened at 08:45" in teacher_mail[0].body
    assert "- 4A AM" in office_mail[0].body
    # The e-mails name the class and the session, never a pupil.
    for message in mail.outbox:
        for pupil in pupils_4a:
            assert pupil.legal_surname not in message.body + message.subject

    with at(8, 56):
        assert remind() == 0
    with at(9, 30):
        assert remind() == 0
    assert RegisterReminder.objects.count() == 1
    assert len(mail.outbox) == 2


def test_a_register_taken_in_time_is_not_reminded(
    class_4a, pupils_4a, teacher_4a, staff_emails, remind
):
    # Only a register still not taken is reminded.
    with at(8, 50):
        take(class_4a, pupils_4a, teacher_4a)
    with at(8, 55):
        assert remind() == 0
    assert not RegisterReminder.objects.exists()
    assert mail.outbox == []


def test_the_schools_own_setting_decides_the_minutes(
    school, class_4a, pupils_4a, teacher_4a, staff_emails, remind
):
    # "some minutes after it opened (a school setting, default 10)".
    school.register_reminder_minutes = 5
    school.save()
    with at(8, 49):
        assert remind() == 0
    with at(8, 50):
        assert remind() == 1


def test_the_afternoon_register_is_reminded_from_when_it_opens(
    class_4a, pupils_4a, teacher_4a, staff_emails, remind
):
    # Each register is reminded from its own opening (PM opens at 13:15).
    with at(8, 50):
        take(class_4a, pupils_4a, teacher_4a)
    with at(13, 24):
        assert remind() == 0
    with at(13, 25):
        assert remind() == 1
    assert RegisterReminder.objects.get().session == "PM"


def test_a_class_without_pupils_or_on_a_day_without_school_is_not_reminded(
    school, class_4a, pupils_4a, staff_emails, remind
):
    # Only registers due: a school session, a class with pupils on its register.
    RegistrationGroupFactory(school=school, name="Empty")
    with at(8, 55, day=date(2025, 10, 28)):  # half term
        assert remind() == 0
    with at(8, 55):
        assert remind() == 1
    assert RegisterReminder.objects.get().group == class_4a


def test_each_phase_is_reminded_from_its_own_opening(school, teacher_4a, staff_emails, remind):
    # Lord Scudamore: each phase keeps its own day (reception 8.50).
    times = school.session_times.get()
    times.year_groups = ["1", "2", "3", "4", "5", "6"]
    times.save()
    SessionTimesFactory(school=school, phase="Reception", year_groups=["R"], am_start=time(8, 50))
    reception = RegistrationGroupFactory(school=school, name="Robins")
    robins = enrol_in_group(reception, 2)
    for pupil in robins:
        pupil.year_group = "R"
        pupil.save()
    from registers.models import RegistrationGroup

    enrol_in_group(RegistrationGroup.objects.get(name="4A"), 2)
    with at(8, 55):
        remind()
    assert [r.group.name for r in RegisterReminder.objects.all()] == ["4A"]
    with at(9, 0):
        remind()
    assert sorted(r.group.name for r in RegisterReminder.objects.all()) == ["4A", "Robins"]


def test_the_reminder_task_runs_every_minute_from_beat():
    # The reminder is "some minutes after": it is checked every minute.
    entry = settings.CELERY_BEAT_SCHEDULE["remind-missing-registers"]
    assert entry["task"] == "registers.tasks.remind_missing_registers"
    assert entry["schedule"].minute == set(range(60))
    weekly = settings.CELERY_BEAT_SCHEDULE["registers-taken-late-weekly"]
    assert weekly["task"] == "registers.tasks.email_registers_taken_late"
    assert weekly["schedule"].day_of_week == {1}


# --- the banner ---------------------------------------------------------------------------------


def test_a_reminded_teacher_sees_a_banner_until_the_register_is_taken(
    client, class_4a, pupils_4a, teacher_4a, office, django_assert_max_num_queries, remind
):
    # "a banner on their next page".
    client.force_login(teacher_4a)
    with at(8, 52):
        assert "still not taken" not in client.get(reverse("home")).content.decode()
    with at(8, 55):
        remind()
        with django_assert_max_num_queries(9):
            page = client.get(reverse("home")).content.decode()
    assert "A register of yours is still not taken" in page
    assert reverse("register", args=[class_4a.pk, MONDAY, "AM"]) in page
    # Only the class's teachers: the office is told by e-mail.
    client.force_login(office)
    with at(8, 56):
        assert "still not taken" not in client.get(reverse("home")).content.decode()
    with at(8, 57):
        take(class_4a, pupils_4a, teacher_4a)
        client.force_login(teacher_4a)
        assert "still not taken" not in client.get(reverse("home")).content.decode()


# --- taken after the close ----------------------------------------------------------------------


def test_a_register_first_taken_after_its_close_is_recorded_as_such(
    school, class_4a, pupils_4a, teacher_4a
):
    # Registers taken after the close time are recorded as such (the AM register closes 09:15;
    # the minute of the close is still in time, as for a late arrival).
    with at(9, 15):
        take(class_4a, pupils_4a, teacher_4a)
    with at(13, 31):
        take(class_4a, pupils_4a, teacher_4a, session="PM")
    am, pm = Register.objects.order_by("session")
    assert am.taken_after_close is False
    assert pm.taken_after_close is True
    # Saving it again later does not change when it was first taken.
    with at(14, 0):
        take(class_4a, pupils_4a, teacher_4a)
    am.refresh_from_db()
    assert am.taken_after_close is False


def test_a_register_taken_on_a_later_day_is_taken_after_its_close(class_4a, pupils_4a, teacher_4a):
    # A register belongs to its session: taking it the next day is after its close.
    with at(8, 50, day=date(2025, 9, 9)):
        take(class_4a, pupils_4a, teacher_4a, day=MONDAY)
    assert Register.objects.get().taken_after_close is True


# --- the monitor page ---------------------------------------------------------------------------


def test_the_office_sees_every_register_due_with_its_state(
    client, school, class_4a, pupils_4a, teacher_4a, office, remind
):
    # Every register due this session with its state, who took it and when.
    late_class = RegistrationGroupFactory(school=school, name="5B")
    late_pupils = enrol_in_group(late_class, 2)
    missing = RegistrationGroupFactory(school=school, name="6C")
    enrol_in_group(missing, 2)
    with at(8, 50):
        take(class_4a, pupils_4a, teacher_4a)
    with at(8, 55):
        remind()
    with at(9, 20):
        take(late_class, late_pupils, office)
        client.force_login(office)
        response = client.get(reverse("missing_registers", args=[school.pk]))
    assert response.status_code == 200
    rows = {row.group.name: row for row in response.context["monitor"].rows}
    assert {name: row.state for name, row in rows.items()} == {
        "4A": "taken",
        "5B": "taken late",
        "6C": "not taken",
    }
    page = response.content.decode()
    assert "Taken by Tess Teacher at 08:50" in page
    assert "Taken by Olive Office at 09:20" in page
    assert "reminded at 08:55" in page
    assert "1 of 3 AM registers not taken" in page
    # The head's weekly list is not the office's.
    assert "Registers taken after the close" not in page


def test_the_page_polls_while_registration_is_open_and_stops_after(
    client, school, class_4a, pupils_4a, office
):
    # Live while registration is open (htmx, served from our own static files: no CDN).
    client.force_login(office)
    with at(9, 0):
        page = client.get(reverse("missing_registers", args=[school.pk])).content.decode()
    assert 'hx-trigger="every 30s"' in page
    assert reverse("missing_registers_live", args=[school.pk]) in page
    assert "/static/js/htmx.min.js" in page and "https://" not in page
    assert finders.find("js/htmx.min.js")
    with at(9, 16):
        live = client.get(reverse("missing_registers_live", args=[school.pk]))
    assert live.status_code == 200
    assert "hx-trigger" not in live.content.decode()
    assert "registration has closed" in live.content.decode()


def test_the_afternoon_is_shown_once_its_registers_open(
    client, school, class_4a, pupils_4a, office
):
    # "this session": AM in the morning, PM from the afternoon register.
    client.force_login(office)
    with at(13, 16):
        response = client.get(reverse("missing_registers", args=[school.pk]))
    assert response.context["monitor"].session == "PM"
    with at(13, 16):
        response = client.get(reverse("missing_registers", args=[school.pk]) + "?session=AM")
    assert response.context["monitor"].session == "AM"


def test_the_page_takes_the_same_queries_whatever_the_number_of_classes(
    client, school, class_4a, pupils_4a, teacher_4a, office
):
    # Constant queries per page, however many classes.
    client.force_login(office)
    counts = []
    for extra in (1, 8):
        for index in range(extra):
            group = RegistrationGroupFactory(school=school, name=f"Class {extra}-{index}")
            pupils = enrol_in_group(group, 2)
            if index % 2:
                with at(8, 50):
                    take(group, pupils, teacher_4a)
        with at(9, 0), CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("missing_registers", args=[school.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 13


def test_teachers_and_other_schools_cannot_see_the_monitor(
    client, school, class_4a, teacher_4a, head_elsewhere
):
    # The page is for the office, the attendance lead and the head of that school (issue #21:
    # another school's is not found).
    for user, refused in ((teacher_4a, 403), (head_elsewhere, 404)):
        client.force_login(user)
        with at(9, 0):
            assert client.get(reverse("missing_registers", args=[school.pk])).status_code == refused
            assert (
                client.get(reverse("missing_registers_live", args=[school.pk])).status_code
                == refused
            )
    assert client.get(reverse("missing_registers", args=[987654])).status_code == 404


# --- the head's weekly list ---------------------------------------------------------------------


def test_the_head_sees_the_registers_taken_after_the_close_week_by_week(
    client, school, class_4a, pupils_4a, teacher_4a, head
):
    # Registers taken after the close time are listed weekly for the head.
    with at(9, 40):
        take(class_4a, pupils_4a, teacher_4a)
    with at(13, 20, day=date(2025, 9, 15)):
        take(class_4a, pupils_4a, teacher_4a, session="PM", day=date(2025, 9, 15))  # in time
    client.force_login(head)
    with at(10, 0, day=date(2025, 9, 16)):
        this_week = client.get(reverse("missing_registers", args=[school.pk]))
        week_before = client.get(
            reverse("missing_registers", args=[school.pk]) + "?week=2025-09-10"
        )
        bad = client.get(reverse("missing_registers", args=[school.pk]) + "?week=next-tuesday")
    assert this_week.context["late"].registers == []
    assert week_before.context["late"].first_day == MONDAY
    assert [r.group.name for r in week_before.context["late"].registers] == ["4A"]
    assert "Tess Teacher" in week_before.content.decode()
    assert bad.status_code == 200
    assert "Give the week as a date" in bad.content.decode()


def test_on_monday_morning_the_head_is_emailed_last_weeks_late_registers(
    school, class_4a, pupils_4a, teacher_4a, office, head, django_capture_on_commit_callbacks
):
    # Listed weekly for the head: each Monday, the week before (sent through the outbox once
    # the promise commits).
    with at(9, 40):
        take(class_4a, pupils_4a, teacher_4a)
    with at(7, 0, day=date(2025, 9, 15)), django_capture_on_commit_callbacks(execute=True):
        assert email_registers_taken_late() == 1
    (message,) = mail.outbox
    assert message.to == ["head@x.example"]
    assert "4A" in message.body and "taken at 09:40 by Tess Teacher" in message.body
    for pupil in pupils_4a:
        assert pupil.legal_surname not in message.body
    mail.outbox.clear()
    with at(7, 0, day=date(2025, 9, 22)):
        assert email_registers_taken_late() == 0
    assert mail.outbox == []


# --- two workers at the same minute (PostgreSQL) -----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_the_same_minute_send_one_reminder(
    class_4a, pupils_4a, teacher_4a, office, staff_emails
):
    # Once only: the unique reminder per register decides between two racing workers.
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = register_reminders_send()
        except Exception as error:  # the outcome under test, whatever it is
            outcomes[index] = error
        finally:
            connection.close()

    with at(8, 55):
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(len(o) for o in outcomes) == [0, 1], outcomes
    assert RegisterReminder.objects.count() == 1
    teacher_mail = [m for m in mail.outbox if m.to == ["tess.teacher@school.example"]]
    assert len(teacher_mail) == 1
    assert len(mail.outbox) == 2  # and one summary to the office
