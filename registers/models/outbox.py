"""The outbox: every message the system sends, written in the transaction of the decision
that causes it (issue 19: "letters and messages that are never lost").

A row is the promise that one message will go: a letter e-mailed to the parents (or drawn for
the post), a first-day absence e-mail or text, a register reminder, a parent's sign-in link.
A Celery task sends it once the decision is committed; should the broker be down, the worker be
killed or the mail server refuse, the row is still there, and the sweeper
(`registers.services.outbox.outbox_sweep`, every minute) queues it again, backing off from
minutes to hours. Sending claims the row under a row lock (`SELECT ... FOR UPDATE SKIP LOCKED`)
and marks it sent in the same transaction, so a second copy of the task sends nothing. A message
that finally fails is shown to the office, with why, and a button to try again.
"""

from django.db import models

from .schools import School


class MessageKind(models.TextChoices):
    LEAVE_DECISION_LETTER = "leave_decision_letter", "Leave decision letter"
    NOTICE_TO_IMPROVE = "notice_to_improve", "Notice to improve"
    LADDER_LETTER = "ladder_letter", "Absence letter or meeting invitation"
    UNAUTHORISED_ABSENCE_LETTER = "unauthorised_absence_letter", "Unauthorised absence letter"
    FIRST_DAY_EMAIL = "first_day_email", "First-day absence e-mail"
    FIRST_DAY_TEXT = "first_day_text", "First-day absence text message"
    REGISTER_REMINDERS = "register_reminders", "Register reminders"
    REGISTERS_TAKEN_LATE = "registers_taken_late", "Registers taken late (to the head)"
    SIGN_IN_LINK = "sign_in_link", "Parent's sign-in link"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    TEXT = "text", "Text message"
    # A letter nobody asked to e-mail (or to parents with no address): the system draws and
    # stores it, the school prints and posts it.
    POST = "post", "Drawn for the post"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    # Nothing was left to send when its turn came (the parent rang meanwhile, no address).
    NOT_NEEDED = "not_needed", "Not sent: not needed"
    FAILED = "failed", "Failed"


class OutboxMessage(models.Model):
    # Null for messages that belong to no one school (a parent's sign-in link, the heads'
    # weekly list): the admin shows those.
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=MessageKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    # The object the message is about (a letter, a first-day message, a reminder, a request).
    about_id = models.BigIntegerField()
    # Once per message: kind, object, channel and (for texts, one per number) the recipient.
    key = models.CharField(max_length=200, unique=True)
    # What and to whom, as the office reads them on its page.
    description = models.CharField(max_length=300)
    recipients = models.CharField(max_length=500, blank=True)
    # Small values the sender needs that are not in the database otherwise (ids, a URL).
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    created_at = models.DateTimeField()
    # When the sweeper next queues it, if it is still waiting.
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why the last attempt failed, or why nothing was sent; never in a log line.
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["school", "status"], name="outbox_school_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"
