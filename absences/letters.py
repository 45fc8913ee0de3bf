"""Letters to parents as PDFs (a Django template extending `letters/base_letter.html`), and
e-mailing them to the parents.

Every letter the school sends (a leave decision now; later notices to improve and absence
letters) is rendered the same way, so the letterhead and layout live in one template, and drawn
by `registers.lib.pdf`, which fetches nothing but the site's own static files.
"""

from datetime import date
from typing import Any

from django.core.mail import EmailMessage, get_connection
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


def letter_email_to_parents(
    *, school: School, pupil: Pupil, subject: str, body: str, pdf: bytes, filename: str
) -> int:
    """E-mail a drawn letter to each of the pupil's contacts with parental responsibility who
    has an address; returns how many were sent. One e-mail each: parents who live apart do not
    see each other's address. Parents without one get the stored letter by post or by hand."""
    from absences.selectors.pupils import parents_with_responsibility

    recipients = list(
        dict.fromkeys(
            parent.contact.email
            for parent in parents_with_responsibility(pupil=pupil)
            if parent.contact.email
        )
    )
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
