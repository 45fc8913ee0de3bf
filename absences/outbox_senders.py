"""How the absences app's messages leave through the outbox (`registers.services.outbox`):
registered when Django starts (`AbsencesConfig.ready`)."""

from datetime import timedelta

from django.utils import timezone

from registers.models import Channel, MessageKind, OutboxMessage
from registers.services.outbox import Sender, register_sender

# A sign-in link still unsent after this is no use to the parent waiting for it: they ask
# again (the form says the link comes within minutes).
SIGN_IN_LINK_USEFUL_FOR = timedelta(hours=1)


def _leave_letter_prepare(message: OutboxMessage) -> None:
    from absences.services.leave import leave_decision_letter_store

    leave_decision_letter_store(leave_id=message.about_id)


def _leave_letter_send(message: OutboxMessage) -> str | None:
    from absences.services.leave import leave_decision_letter_email

    if message.channel == Channel.POST:
        return None  # drawn and stored: the school prints and posts it
    return leave_decision_letter_email(leave_id=message.about_id)


def _unauthorised_letter_prepare(message: OutboxMessage) -> None:
    from absences.services.unauthorised_letters import unauthorised_letter_draw

    unauthorised_letter_draw(letter_id=message.about_id)


def _unauthorised_letter_send(message: OutboxMessage) -> str | None:
    from absences.services.unauthorised_letters import unauthorised_letter_email

    if message.channel == Channel.POST:
        return None
    return unauthorised_letter_email(letter_id=message.about_id)


def _first_day_email_send(message: OutboxMessage) -> str | None:
    from absences.services.first_day import first_day_email_send

    return first_day_email_send(message_id=message.about_id)


def _first_day_text_send(message: OutboxMessage) -> str | None:
    from absences.services.first_day import first_day_text_send

    return first_day_text_send(
        message_id=message.about_id,
        contact_id=int(message.payload["contact_id"]),
        reference=f"first-day-{message.pk}",
    )


def _sign_in_link_send(message: OutboxMessage) -> str | None:
    from absences.services.parents import sign_in_link_send

    if timezone.now() - message.created_at > SIGN_IN_LINK_USEFUL_FOR:
        return "Too late to be of use: the parent can ask for another link."
    sent = sign_in_link_send(
        request_id=message.about_id, confirm_url=str(message.payload["confirm_url"])
    )
    # Not sent (no such address, or three links already): the same to whoever asked.
    return None if sent else "No link was due for the address given."


def register() -> None:
    register_sender(
        MessageKind.LEAVE_DECISION_LETTER,
        Sender(send=_leave_letter_send, prepare=_leave_letter_prepare),
    )
    register_sender(
        MessageKind.UNAUTHORISED_ABSENCE_LETTER,
        Sender(send=_unauthorised_letter_send, prepare=_unauthorised_letter_prepare),
    )
    register_sender(MessageKind.FIRST_DAY_EMAIL, Sender(send=_first_day_email_send))
    register_sender(MessageKind.FIRST_DAY_TEXT, Sender(send=_first_day_text_send))
    register_sender(MessageKind.SIGN_IN_LINK, Sender(send=_sign_in_link_send))
