"""Text messages through GOV.UK Notify, with its maintained client (notifications-python-client).

Notify's answers, and what the outbox does with them (Notify's API documentation, "Error
codes"): 201 sent; 400 (a number it cannot text, a template or placeholder wrong, a trial-mode
recipient) and 403 (the key refused, the token's clock) are failures that waiting will not mend:
the message is failed at once and the office shown why; 429 (over the rate or daily limit) and
500 (Notify's own fault) pass, and so does a connection that fails or times out (the client
reports it as 503): those are tried again later.
"""

from django.conf import settings
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

# Answers after which trying again later can succeed.
RETRY_LATER = frozenset({429, 500, 502, 503, 504})


class TextNotSent(Exception):
    """Notify did not take the message; `permanent` when waiting will not help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def text_message_send(
    *, phone_number: str, template_id: str, personalisation: dict, reference: str
) -> str:
    """Send one text message; returns Notify's id for it. `reference` (the outbox row's id)
    is shown against the message in Notify's own records."""
    if not settings.NOTIFY_API_KEY or not template_id:
        raise TextNotSent(
            "Text messages are not set up on this server (NOTIFY_API_KEY and the template id): "
            "ask whoever runs it, or choose e-mail for these messages.",
            permanent=True,
        )
    client = NotificationsAPIClient(
        settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=settings.NOTIFY_TIMEOUT
    )
    try:
        answer = client.send_sms_notification(
            phone_number=phone_number,
            template_id=template_id,
            personalisation=personalisation,
            reference=reference,
        )
    except APIError as error:
        status = error.status_code
        detail = error.message
        if isinstance(detail, list):
            detail = "; ".join(str(item.get("message", item)) for item in detail)
        raise TextNotSent(
            f"GOV.UK Notify answered {status}: {detail}", permanent=status not in RETRY_LATER
        ) from error
    return str(answer.get("id", ""))
