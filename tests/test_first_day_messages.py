"""First-day absence e-mails: when the AM register closes, each pupil coded N with nothing
heard from home gets one e-mail to their parents, once a day, however many workers run."""

import threading
from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection

from absences.models import (
    CallDirection,
    CallOutcome,
    FirstDayMessage,
    ParentCall,
    ParentReport,
    ReportKind,
)
from absences.services.first_day import first_day_message_send, first_day_messages_claim
from absences.tasks import send_first_day_messages
from tests.conftest import LONDON, MONDAY
from tests.factories import ContactFactory, MarkFactory, PupilContactFactory, UserFactory

AFTER_CLOSE = datetime(2025, 9, 8, 9, 20, tzinfo=LONDON)  # the AM register closed at 09:15
BEFORE_CLOSE = datetime(2025, 9, 8, 9, 10, tzinfo=LONDON)


def _absent_pupil(school, pupils, teacher):
    """The first pupil coded N this morning, the rest present; their contacts in priority
    order: Mum and Dad (parental responsibility), Gran (an emergency contact only)."""
    absent = pupils[0]
    absent.legal_forename, absent.preferred_forename = "Alexandra", "Sasha"
    absent.save()
    for pupil in pupils:
        MarkFactory(
            pupil=pupil,
            school=school,
            date=MONDAY,
            session="AM",
            code_id="N" if pupil == absent else "/",
            recorded_by=teacher,
        )
    for priority, (name, email, responsible) in enumerate(
        [
            ("Mum Example", "mum@example.org", True),
            ("Dad Example", "dad@example.org", True),
            ("Gran Example", "gran@example.org", False),
        ],
        start=1,
    ):
        PupilContactFactory(
            pupil=absent,
            contact=ContactFactory(name=name, email=email),
            priority=priority,
            parental_responsibility=responsible,
        )
    school.first_day_message_enabled = True
    school.phone = "01432 000000"
    school.save()
    return absent


@pytest.fixture
def absent(school, pupils_4a, teacher_4a):
    return _absent_pupil(school, pupils_4a, teacher_4a)


def _run(captured) -> int:
    with captured(execute=True):
        return send_first_day_messages()


@pytest.mark.django_db
@time_machine.travel(AFTER_CLOSE, tick=False)
def test_one_email_goes_to_the_parents_in_priority_order_with_only_forename_and_school(
    school, absent, django_capture_on_commit_callbacks
):
    # Issue: "one email to their contacts in priority order"; HMFA 2 / L&S 3.6: a parent is
    # everyone with parental responsibility. "No pupil data goes to anyone but that pupil's
    # contacts": Gran, without parental responsibility, is not sent it; no surname in it.
    assert _run(django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["mum@example.org"]
    assert sent.bcc == ["dad@example.org"]
    assert "Sasha" in sent.body and school.name in sent.body and "Sasha" in sent.subject
    assert absent.legal_surname not in sent.body + sent.subject
    assert "Alexandra" not in sent.body + sent.subject
    # Recorded in the pupil's contact log.
    call = ParentCall.objects.get(pupil=absent)
    assert (call.direction, call.outcome, call.contact_name) == (
        CallDirection.EMAILED,
        CallOutcome.SENT,
        "Mum Example, Dad Example",
    )
    message = FirstDayMessage.objects.get()
    assert (message.pupil, message.date, message.recipients, message.call) == (
        absent,
        MONDAY,
        2,
        call,
    )


@pytest.mark.django_db
@time_machine.travel(AFTER_CLOSE, tick=False)
def test_the_schools_wording_is_used(school, absent, django_capture_on_commit_callbacks):
    # Issue: the school sets the wording, with {pupil_forename} and {school}.
    school.first_day_message_wording = "{pupil_forename} is not at {school}. Ring us {today}."
    school.save()
    _run(django_capture_on_commit_callbacks)
    assert mail.outbox[0].body.startswith(f"Sasha is not at {school.name}. Ring us {{today}}.")


@pytest.mark.django_db
@time_machine.travel(AFTER_CLOSE, tick=False)
def test_a_second_run_or_a_retry_sends_nothing_more(
    school, absent, django_capture_on_commit_callbacks
):
    # Issue: "once per pupil per day (a retry or second worker sends no duplicate)".
    _run(django_capture_on_commit_callbacks)
    assert _run(django_capture_on_commit_callbacks) == 0
    first_day_message_send(message_id=FirstDayMessage.objects.get().pk)  # a task retry
    assert len(mail.outbox) == 1
    assert ParentCall.objects.count() == 1


@pytest.mark.django_db
def test_nothing_is_sent_before_the_register_closes(
    school, absent, django_capture_on_commit_callbacks
):
    # Issue: "When the AM register closes".
    with time_machine.travel(BEFORE_CLOSE, tick=False):
        assert _run(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


@pytest.mark.django_db
@time_machine.travel(AFTER_CLOSE, tick=False)
def test_nothing_is_sent_when_the_school_has_them_off(
    school, absent, django_capture_on_commit_callbacks
):
    # Issue: "school setting: on/off".
    school.first_day_message_enabled = False
    school.save()
    assert _run(django_capture_on_commit_callbacks) == 0
    assert first_day_messages_claim(school_id=school.pk) == []
    assert mail.outbox == []


@pytest.mark.django_db
@time_machine.travel(AFTER_CLOSE, tick=False)
def test_nothing_is_sent_when_a_report_is_pending_or_a_parent_rang(
    school, absent, pupils_4a, teacher_4a, office, django_capture_on_commit_callbacks
):
    # Issue: "every pupil coded N with no report pending".
    mum = absent.pupil_contacts.get(priority=1).contact
    ParentReport.objects.create(
        school=school,
        pupil=absent,
        contact=mum,
        first_day=MONDAY,
        last_day=MONDAY,
        kind=ReportKind.ILLNESS,
        submitted_at=AFTER_CLOSE,
        submitted_by=UserFactory(username="parent-mum"),
    )
    other = pupils_4a[1]
    other.marks.update(code_id="N")
    ParentCall.objects.create(
        school=school,
        pupil=other,
        contact_name="Uncle",
        direction=CallDirection.THEY_RANG,
        outcome=CallOutcome.REACHED,
        called_at=AFTER_CLOSE,
        recorded_by=office,
    )
    PupilContactFactory(pupil=other, priority=1)
    assert _run(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


# Two workers at once, on PostgreSQL ---------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@time_machine.travel(AFTER_CLOSE, tick=False)
def test_two_workers_racing_send_exactly_one_email(school, pupils_4a, teacher_4a):
    # Issue: "a retry or second worker sends no duplicate": the INSERT under the unique
    # (pupil, date) decides; each worker in its own transaction, started together.
    absent = _absent_pupil(school, pupils_4a, teacher_4a)
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def worker(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = first_day_messages_claim(school_id=school.pk)
        except Exception as error:  # the outcome under test, whatever it is
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(len(o) for o in outcomes) == [0, 1], outcomes
    assert FirstDayMessage.objects.filter(pupil=absent).count() == 1
    assert len(mail.outbox) == 1
    assert ParentCall.objects.filter(pupil=absent, direction=CallDirection.EMAILED).count() == 1
