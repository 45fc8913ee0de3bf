"""First-day absence messages by text through GOV.UK Notify (issue 19: "a per-school choice of
e-mail, text or both, sent through GOV.UK Notify with its maintained client ... Tests run
against a small local server speaking Notify's HTTP API, including its error answers and rate
limiting").

The server (tests/outbox_services.py) checks the client's JWT and answers as Notify does. What
each answer means: 201 sent; 400 and 403 cannot be mended by waiting, so the message fails at
once and the office sees why; 429 and 500, and a server that does not answer, are tried again
later by the outbox's sweeper.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from absences.models import CallDirection, ParentCall
from absences.tasks import send_first_day_messages
from registers.models import FirstDayChannel, MessageKind, OutboxMessage, OutboxStatus
from registers.services.outbox import outbox_sweep
from tests.conftest import LONDON
from tests.outbox_services import (
    NOTIFY_API_KEY,
    NOTIFY_TEMPLATE_ID,
    NotifyServer,
    free_port,
)
from tests.test_first_day_messages import _absent_pupil

pytestmark = pytest.mark.django_db

AFTER_CLOSE = datetime(2025, 9, 8, 9, 20, tzinfo=LONDON)  # the AM register closed at 09:15
MUM, DAD = "07700 900001", "07700 900002"


@pytest.fixture
def notify():
    server = NotifyServer()
    with override_settings(
        NOTIFY_API_KEY=NOTIFY_API_KEY,
        NOTIFY_BASE_URL=server.url,
        NOTIFY_FIRST_DAY_TEMPLATE_ID=NOTIFY_TEMPLATE_ID,
        NOTIFY_TIMEOUT=2,
    ):
        yield server
    server.stop()


@pytest.fixture
def absent(school, pupils_4a, teacher_4a):
    """Sasha, coded N this morning; Mum and Dad (parental responsibility) have mobiles, Gran
    (an emergency contact only) has one too and is never texted."""
    pupil = _absent_pupil(school, pupils_4a, teacher_4a)
    for row, phone in zip(
        pupil.pupil_contacts.order_by("priority"), (MUM, DAD, "07700 900003"), strict=True
    ):
        row.contact.phone = phone
        row.contact.save()
    return pupil


def _choose(school, channel: str) -> None:
    school.first_day_message_channel = channel
    school.save()


def _run(captured) -> int:
    with captured(execute=True):
        return send_first_day_messages()


@time_machine.travel(AFTER_CLOSE, tick=False)
def test_each_parent_is_texted_once_through_notify_and_the_contact_log_says_so(
    school, absent, notify, django_capture_on_commit_callbacks
):
    # Issue 19: "a per-school choice of e-mail, text or both": text chosen, no e-mail goes.
    _choose(school, FirstDayChannel.TEXT)
    assert _run(django_capture_on_commit_callbacks) == 1
    assert mail.outbox == []
    assert sorted(request["phone_number"] for request in notify.requests) == [MUM, DAD]
    for request in notify.requests:
        assert request["template_id"] == NOTIFY_TEMPLATE_ID
        words = request["personalisation"]["message"]
        assert "Sasha" in words and school.name in words
        assert absent.legal_surname not in words
        assert request["reference"].startswith("first-day-")
    logged = ParentCall.objects.filter(pupil=absent).order_by("contact_name")
    assert [(c.direction, c.contact_name, c.automatic) for c in logged] == [
        (CallDirection.TEXTED, "Dad Example", True),
        (CallDirection.TEXTED, "Mum Example", True),
    ]
    assert logged[0].summary == "First-day text message sent to Dad Example"
    rows = OutboxMessage.objects.filter(kind=MessageKind.FIRST_DAY_TEXT)
    assert sorted(rows.values_list("status", flat=True)) == [OutboxStatus.SENT] * 2

    # The next run, and a second copy of each task, send nothing more.
    assert _run(django_capture_on_commit_callbacks) == 0
    for row in rows:
        from registers.services.outbox import outbox_send

        assert outbox_send(message_id=row.pk) == OutboxStatus.SENT
    assert len(notify.requests) == 2


@time_machine.travel(AFTER_CLOSE, tick=False)
def test_both_sends_the_email_and_the_texts(
    school, absent, notify, django_capture_on_commit_callbacks
):
    _choose(school, FirstDayChannel.BOTH)
    _run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["mum@example.org"]
    assert len(notify.requests) == 2
    assert ParentCall.objects.filter(pupil=absent, direction=CallDirection.EMAILED).count() == 1
    assert ParentCall.objects.filter(pupil=absent, direction=CallDirection.TEXTED).count() == 2


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (400, "GOV.UK Notify answered 400: phone_number Not a UK mobile number"),
        (403, "GOV.UK Notify answered 403: Error: Your system clock must be accurate"),
    ],
)
@time_machine.travel(AFTER_CLOSE, tick=False)
def test_a_refused_text_fails_at_once_and_the_office_sees_why(
    client, school, absent, notify, office, status, shown, django_capture_on_commit_callbacks
):
    # 400 (a number Notify cannot text) and 403 (the key or clock refused) will not mend by
    # waiting: failed at once, shown to the office "what, to whom, why".
    _choose(school, FirstDayChannel.TEXT)
    notify.answers = [status]  # Mum's text is refused; Dad's goes
    _run(django_capture_on_commit_callbacks)
    failed = OutboxMessage.objects.get(status=OutboxStatus.FAILED)
    assert failed.attempts == 1 and failed.last_error.startswith(shown)
    assert failed.recipients.startswith("Mum Example, " + MUM)
    assert len(notify.requests) == 1
    assert ParentCall.objects.filter(pupil=absent, direction=CallDirection.TEXTED).count() == 1

    client.force_login(office)
    page = client.get(reverse("school_messages", args=[school.pk])).content.decode()
    failed_part = page.split('id="failed-heading"')[1].split('id="unsent-heading"')[0]
    assert "First-day absence text message about" in failed_part
    assert MUM in failed_part and shown.split(": ", 1)[1][:30] in failed_part
    assert "Try again" in failed_part
    home = client.get(reverse("home")).content.decode()
    assert "1 failed" in home


@pytest.mark.parametrize("status", [429, 500])
@time_machine.travel(AFTER_CLOSE, tick=False)
def test_rate_limited_or_broken_notify_is_tried_again_later_and_texts_once(
    school, absent, notify, status, django_capture_on_commit_callbacks
):
    # 429 (over Notify's rate limit) and 500 pass: the outbox waits and tries again.
    _choose(school, FirstDayChannel.TEXT)
    notify.answers = [status, status]  # both parents' first attempts
    _run(django_capture_on_commit_callbacks)
    rows = list(OutboxMessage.objects.filter(kind=MessageKind.FIRST_DAY_TEXT))
    assert [row.status for row in rows] == [OutboxStatus.PENDING] * 2
    for row in rows:
        assert row.attempts == 1 and f"answered {status}" in row.last_error
        assert row.next_attempt_at == AFTER_CLOSE + timedelta(minutes=10)
    assert notify.requests == []

    # Too early: the sweeper leaves them; on time, each goes once.
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep(now=AFTER_CLOSE + timedelta(minutes=9)) == 0
        assert outbox_sweep(now=AFTER_CLOSE + timedelta(minutes=10)) == 2
    assert sorted(r["phone_number"] for r in notify.requests) == [MUM, DAD]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


@time_machine.travel(AFTER_CLOSE, tick=False)
def test_notify_not_answering_is_tried_again_and_unset_keys_fail_clearly(
    school, absent, django_capture_on_commit_callbacks
):
    _choose(school, FirstDayChannel.TEXT)
    closed = f"http://127.0.0.1:{free_port()}"
    with override_settings(
        NOTIFY_API_KEY=NOTIFY_API_KEY,
        NOTIFY_BASE_URL=closed,
        NOTIFY_FIRST_DAY_TEMPLATE_ID=NOTIFY_TEMPLATE_ID,
    ):
        _run(django_capture_on_commit_callbacks)
    row = OutboxMessage.objects.filter(kind=MessageKind.FIRST_DAY_TEXT).first()
    assert row.status == OutboxStatus.PENDING and "answered 503" in row.last_error

    OutboxMessage.objects.all().delete()
    absent.parent_calls.all().delete()
    from absences.models import FirstDayMessage

    FirstDayMessage.objects.all().delete()
    with override_settings(NOTIFY_API_KEY=""):
        _run(django_capture_on_commit_callbacks)
    row = OutboxMessage.objects.filter(kind=MessageKind.FIRST_DAY_TEXT).first()
    assert row.status == OutboxStatus.FAILED
    assert "Text messages are not set up on this server" in row.last_error
