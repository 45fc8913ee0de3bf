"""A form that creates something does so once, however many times it is sent.

Every such form carries a one-time token (`{% form_once %}`, a random UUID drawn with the
page). The first request to send it claims the token by inserting its row, in the same
transaction as whatever the form then does; a second request with the same token (a double
click, "back" and send again, a second tab) waits on that row until the first commits, then
finds it and creates nothing. If the first is refused (a 4xx or 5xx answer), its transaction is
rolled back, the token with it, so the corrected form can be sent again. The middleware that
applies this to every form post is `registers.middleware.SubmitOnce`.
"""

from datetime import datetime, timedelta
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from registers.models import SubmittedForm

FIELD = "form_once"
# Long enough for any page left open in a tab; the rows are forgotten after it.
KEPT = timedelta(days=7)


def submitted_form_claim(*, token: UUID) -> SubmittedForm | None:
    """Claim `token` in the caller's transaction: None if this request claimed it, else the
    earlier submission that did."""
    try:
        with transaction.atomic():
            SubmittedForm.objects.create(token=token, submitted_at=timezone.now())
    except IntegrityError:
        return SubmittedForm.objects.get(pk=token)
    return None


def submitted_form_done(*, token: UUID, redirect_to: str) -> None:
    """Where the first submission went on, to send a second one there too."""
    SubmittedForm.objects.filter(pk=token).update(redirect_to=redirect_to[:500])


def submitted_form_forget(*, token: UUID) -> None:
    """The form was drawn again rather than done: its token may be sent again."""
    SubmittedForm.objects.filter(pk=token).delete()


def submitted_forms_forget(*, now: datetime) -> int:
    """Forget the tokens of forms sent more than KEPT ago; returns how many."""
    deleted, _ = SubmittedForm.objects.filter(submitted_at__lt=now - KEPT).delete()
    return deleted
