"""How the registers app's messages (reminders to staff) leave through the outbox: registered
when Django starts (`RegistersConfig.ready`)."""

from datetime import date

from registers.models import MessageKind, OutboxMessage
from registers.services.outbox import Sender, register_sender


def _reminders_send(message: OutboxMessage) -> str | None:
    from registers.services.reminders import register_reminder_emails_send

    sent = register_reminder_emails_send(
        reminder_ids=[int(pk) for pk in message.payload["reminder_ids"]]
    )
    return None if sent else "The registers were taken before the reminder went."


def _taken_late_send(message: OutboxMessage) -> str | None:
    from registers.services.reminders import registers_taken_late_email_heads

    sent = registers_taken_late_email_heads(any_day=date.fromisoformat(message.payload["any_day"]))
    return None if sent else "No register was taken after its close that week."


def register() -> None:
    register_sender(MessageKind.REGISTER_REMINDERS, Sender(send=_reminders_send))
    register_sender(MessageKind.REGISTERS_TAKEN_LATE, Sender(send=_taken_late_send))
