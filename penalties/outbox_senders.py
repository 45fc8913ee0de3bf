"""How the penalties app's letters leave through the outbox (`registers.services.outbox`):
registered when Django starts (`PenaltiesConfig.ready`)."""

from registers.models import Channel, MessageKind, OutboxMessage
from registers.services.outbox import Sender, register_sender


def _notice_prepare(message: OutboxMessage) -> None:
    from penalties.services.notices_to_improve import notice_to_improve_letter_draw

    notice_to_improve_letter_draw(notice_id=message.about_id)


def _notice_send(message: OutboxMessage) -> str | None:
    from penalties.services.notices_to_improve import notice_to_improve_letter_email

    if message.channel == Channel.POST:
        return None  # drawn and stored: the school serves it by hand or by post
    return notice_to_improve_letter_email(notice_id=message.about_id)


def _ladder_prepare(message: OutboxMessage) -> None:
    from penalties.services.ladder import ladder_letter_draw

    ladder_letter_draw(letter_id=message.about_id)


def _ladder_send(message: OutboxMessage) -> str | None:
    from penalties.services.ladder import ladder_letter_email

    if message.channel == Channel.POST:
        return None
    return ladder_letter_email(letter_id=message.about_id)


def register() -> None:
    register_sender(
        MessageKind.NOTICE_TO_IMPROVE, Sender(send=_notice_send, prepare=_notice_prepare)
    )
    register_sender(MessageKind.LADDER_LETTER, Sender(send=_ladder_send, prepare=_ladder_prepare))
