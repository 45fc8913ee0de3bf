"""Sending every message through the outbox (see `registers.models.outbox`).

The steps of one message:

1. `outbox_add`, inside the transaction of the decision, writes the row and, once that
   transaction commits, queues `send_outbox_message` with the row's id. Queueing gives up at
   once if the broker does not answer (a short connection timeout, no publish retries): the
   decision is saved, the page answers, and the row waits for the sweeper.
2. `outbox_send` (the task) runs the kind's `prepare` first, outside any lock (drawing a letter,
   itself done once under the letter's own row lock), then claims the row with
   `SELECT ... FOR UPDATE SKIP LOCKED` where it is still pending, sends, and marks it sent in the
   same transaction. A second copy of the task (the sweeper's, a broker's redelivery) finds the
   row locked or sent and does nothing; a worker killed mid-send holds no lock any more
   (PostgreSQL drops it with the connection), so the row is sent again later.
3. A failed attempt is recorded on the row (why, how many attempts) with the time of the next
   one; the sweeper (every minute, `outbox_sweep`) queues the rows whose time has come. The
   delays double from 5 minutes to 4 hours; after `MAX_ATTEMPTS` (about 13 hours) or an error
   that cannot pass by waiting (the number refused by GOV.UK Notify, a key not accepted) the
   message is failed and shown to the office, who can try it again.

The senders, one per kind, live in the apps that own the messages and register here when
Django starts (`register_sender`), as the base layer asks what the apps above it know.
"""

import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from registers.lib.notify import TextNotSent
from registers.models import Channel, OutboxMessage, OutboxStatus, School

logger = logging.getLogger(__name__)

# The task queued on commit normally sends within seconds; the sweeper steps in after this.
FIRST_SWEEP_AFTER = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=4)
# 5, 10, 20, 40, 80, 160, 240 and 240 minutes: about 13 hours of trying, then the office.
MAX_ATTEMPTS = 8
# The most rows one sweep queues (the rest next minute).
SWEEP_BATCH = 500


class PermanentFailure(Exception):
    """A sender's error that waiting will not mend: the message is failed at once."""


@dataclass(frozen=True)
class Sender:
    """How one kind of message is sent.

    `send(message)` runs under the row lock and returns None when the message went, or the
    reason nothing was sent (not needed any more); it raises `PermanentFailure` for an error
    that retrying cannot mend, anything else for one that it may. `prepare(message)`, if given,
    runs first without the lock (drawing a letter is slow) and must be idempotent.
    """

    send: Callable[[OutboxMessage], str | None]
    prepare: Callable[[OutboxMessage], None] | None = None


SENDERS: dict[str, Sender] = {}


def register_sender(kind: str, sender: Sender) -> None:
    SENDERS[kind] = sender


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after `attempts` failed attempts (0: the first sweep)."""
    return min(FIRST_SWEEP_AFTER * 2 ** min(attempts, 10), LONGEST_WAIT)


def outbox_add(
    *,
    kind: str,
    about_id: int,
    description: str,
    school: School | None = None,
    channel: str = Channel.EMAIL,
    recipients: str = "",
    recipient_key: str = "",
    payload: dict | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Promise a message, in the caller's transaction; queued for sending once it commits.

    The same message (kind, object, channel, recipient) promised twice is one row: the second
    call returns the first row and queues nothing more.
    """
    now = now or timezone.now()
    key = f"{kind}:{about_id}:{channel}:{recipient_key}"[:200]
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(
            key=key,
            defaults={
                "school": school,
                "kind": kind,
                "channel": channel,
                "about_id": about_id,
                "description": description[:300],
                "recipients": recipients[:500],
                "payload": payload or {},
                "created_at": now,
                "next_attempt_at": now + FIRST_SWEEP_AFTER,
            },
        )
        if created:
            transaction.on_commit(lambda pk=message.pk: outbox_queue([pk]))
    return message


def outbox_queue(message_ids: Iterable[int]) -> int:
    """Hand messages to the broker; returns how many it took. A broker that does not answer is
    logged (ids only) and left to the sweeper: this never raises and never waits long."""
    from registers.tasks import send_outbox_message

    queued = 0
    for message_id in message_ids:
        try:
            send_outbox_message.apply_async((message_id,), retry=False)
        except Exception as error:  # the broker's errors are many (kombu, redis, OSError)
            logger.warning(
                "Outbox message %s not queued (%s); the sweeper will queue it.",
                message_id,
                error.__class__.__name__,
            )
            continue
        queued += 1
    return queued


def _describe(error: BaseException) -> str:
    """Why an attempt failed, for the office's page (not for a log line: an SMTP refusal may
    name an address)."""
    text = str(error).strip()
    if isinstance(error, PermanentFailure | DomainError | TextNotSent) and text:
        return text[:1000]  # our own words already
    return f"{error.__class__.__name__}: {text}"[:1000] if text else error.__class__.__name__


def _is_permanent(error: BaseException) -> bool:
    if isinstance(error, PermanentFailure | DomainError):
        return True
    if isinstance(error, TextNotSent):
        return error.permanent
    # Every address refused by the mail server (a 5xx to RCPT TO): waiting will not help.
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def _record_failure(message_id: int, error: BaseException, now: datetime) -> None:
    permanent = _is_permanent(error)
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update()
            .filter(pk=message_id, status=OutboxStatus.PENDING)
            .first()
        )
        if message is None:
            return
        message.attempts += 1
        message.last_error = _describe(error)
        if permanent or message.attempts >= MAX_ATTEMPTS:
            message.status, message.failed_at = OutboxStatus.FAILED, now
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)
        message.save(
            update_fields=["attempts", "last_error", "status", "failed_at", "next_attempt_at"]
        )
    logger.warning(
        "Outbox message %s: attempt %s failed (%s)%s.",
        message_id,
        message.attempts,
        error.__class__.__name__,
        "; failed, shown to the office" if message.status == OutboxStatus.FAILED else "",
    )


def outbox_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one message if it is still waiting; returns its status afterwards ("busy" when
    another worker holds it). Never raises for the sender's errors: they are recorded."""
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None or message.status != OutboxStatus.PENDING:
        return message.status if message else "missing"
    try:
        sender = SENDERS[message.kind]
        if sender.prepare is not None:
            sender.prepare(message)
        with transaction.atomic():
            claimed = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, status=OutboxStatus.PENDING)
                .first()
            )
            if claimed is None:
                return "busy"
            why_not = sender.send(claimed)
            done = now or timezone.now()
            claimed.attempts += 1
            claimed.status = OutboxStatus.SENT if why_not is None else OutboxStatus.NOT_NEEDED
            claimed.sent_at = done if why_not is None else None
            claimed.last_error = why_not or ""
            claimed.save(update_fields=["attempts", "status", "sent_at", "last_error"])
            return claimed.status
    except Exception as error:
        _record_failure(message_id, error, now or timezone.now())
        return OutboxMessage.objects.values_list("status", flat=True).get(pk=message_id)


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Queue again every message still waiting whose time has come (never sent within a few
    minutes, or due another attempt), and put its next time back by the current delay, so that
    a message the broker loses again is queued again later. Returns how many were queued."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", "attempts")[:SWEEP_BATCH]
        )
        for pk, attempts in due:
            OutboxMessage.objects.filter(pk=pk).update(next_attempt_at=now + retry_delay(attempts))
    return outbox_queue(pk for pk, _ in due)


def outbox_retry(*, school: School, message_id: int, now: datetime | None = None) -> OutboxMessage:
    """The office's "Try again": a failed (or still waiting) message of the school is queued
    now, with its attempts counted afresh."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update().filter(pk=message_id, school=school).first()
        )
        if message is None:
            raise DomainError("There is no such message at this school.")
        if message.status not in (OutboxStatus.FAILED, OutboxStatus.PENDING):
            raise DomainError(f"This message was already {message.get_status_display().lower()}.")
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.PENDING,
            attempts=0,
            failed_at=None,
            next_attempt_at=now + FIRST_SWEEP_AFTER,
        )
        transaction.on_commit(lambda: outbox_queue([message.pk]))
    message.refresh_from_db()
    return message
