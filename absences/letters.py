"""Letters to parents as PDFs (a Django template extending `letters/base_letter.html`), and
e-mailing them to the parents.

Every letter the school sends (a leave decision now; later notices to improve and absence
letters) is rendered the same way, so the letterhead and layout live in one template, and drawn
by `registers.lib.pdf`, which fetches nothing but the site's own static files.
"""

from datetime import date
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.utils import timezone

from registers.lib.calendar import AM, PM
from registers.lib.pdf import pdf_from_html
from registers.models import Pupil, School


def letter_pdf(*, template: str, context: dict[str, Any]) -> bytes:
    """Render `template` (extending letters/base_letter.html) with `context` to PDF bytes.

    The context needs `school` (the letterhead); `letter_date` defaults to today.
    """
    html = render_to_string(template, {"letter_date": timezone.localdate(), **context})
    return pdf_from_html(html)


def long_date(day: date) -> str:
    """A date as a letter writes it: 'Monday 6 October 2025'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def span_label(first_day: date, first_session: str, last_day: date, last_session: str) -> str:
    """How a span of sessions reads in a letter: 'Monday 6 October 2025 to Friday 10 October
    2025', naming the half day only where the span starts in the afternoon or ends at midday."""
    if first_day == last_day:
        if first_session == last_session:
            half = "morning" if first_session == AM else "afternoon"
            return f"{long_date(first_day)} ({half})"
        return long_date(first_day)
    first = long_date(first_day) + (" (afternoon)" if first_session == PM else "")
    last = long_date(last_day) + (" (morning)" if last_session == AM else "")
    return f"{first} to {last}"


NO_ADDRESS = (
    "No parent with parental responsibility has an e-mail address: print the letter and post it."
)


def letter_addresses(*, pupil: Pupil) -> list[str]:
    """The e-mail addresses a letter about the pupil goes to: each contact with parental
    responsibility who has one, once each, in the order the office calls them."""
    from absences.selectors.pupils import parents_with_responsibility

    return list(
        dict.fromkeys(
            parent.contact.email
            for parent in parents_with_responsibility(pupil=pupil)
            if parent.contact.email
        )
    )


def letter_addresses_by_pupil(*, pupil_ids: list[int]) -> dict[int, list[str]]:
    """`letter_addresses` for many pupils in one query."""
    from absences.selectors.pupils import contacts_in_priority_order

    found: dict[int, list[str]] = {pupil_id: [] for pupil_id in pupil_ids}
    for row in contacts_in_priority_order().filter(
        pupil_id__in=pupil_ids, parental_responsibility=True
    ):
        if row.contact.email and row.contact.email not in found[row.pupil_id]:
            found[row.pupil_id].append(row.contact.email)
    return found


def letter_email_to_parents(
    *, school: School, pupil: Pupil, subject: str, body: str, pdf: bytes, filename: str
) -> int:
    """E-mail a drawn letter to each of the pupil's contacts with parental responsibility who
    has an address; returns how many were sent. One e-mail each: parents who live apart do not
    see each other's address. Parents without one get the stored letter by post or by hand."""
    recipients = letter_addresses(pupil=pupil)
    return (
        get_connection().send_messages(
            [
                EmailMessage(
                    subject=subject,
                    body=f"{body}\n\n{school.name}",
                    to=[address],
                    reply_to=[school.email] if school.email else None,
                    attachments=[(filename, pdf, "application/pdf")],
                )
                for address in recipients
            ]
        )
        or 0
    )


def stored_letter_email(
    record: Model,
    *,
    emailed: str,
    stored: FieldFile,
    school: School,
    pupil: Pupil,
    subject: str,
    body: str,
    filename: str,
) -> str | None:
    """E-mail a letter already drawn and stored (`stored`) to the parents, once, and mark
    `record`'s field `emailed` with the time. Called under the record's row lock, in the
    transaction that marks it, so a mail server that refuses leaves it unmarked to be tried
    again. None when sent, else why not."""
    if getattr(record, emailed) is not None:
        return "Already e-mailed."
    with stored.open("rb") as file:
        pdf = file.read()
    sent = letter_email_to_parents(
        school=school, pupil=pupil, subject=subject, body=body, pdf=pdf, filename=filename
    )
    if not sent:  # no parent has an address: nothing was e-mailed
        return NO_ADDRESS
    setattr(record, emailed, timezone.now())
    record.save(update_fields=[emailed])
    return None
