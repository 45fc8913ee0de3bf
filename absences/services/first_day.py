"""First-day absence e-mails: when the morning register has closed with a pupil coded N and no
report from home, the pupil's parents are e-mailed once that day.

Both policies want the parents contacted on the first morning of an unexplained absence
(Luston and Shobdon 4.5, "Call the pupil's parent on the morning of the first day of
unexplained absence"; HMFA section 6, "the office staff ... will contact the parents or
carers"); the e-mail comes first, the office's calls follow. Who receives it: every contact
with parental responsibility who has an e-mail address, in the order the office calls them,
because both policies define a parent as "all those who have parental responsibility" (HMFA
section 2; Luston and Shobdon 3.6). It is one e-mail: to the first of them, the others in Bcc,
so parents who live apart do not see each other's address. It names only the pupil's forename
and the school.
"""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from absences.models import (
    CallDirection,
    CallOutcome,
    FirstDayMessage,
    ParentCall,
    ParentReport,
    ReportStatus,
)
from absences.selectors.pupils import contacts_in_priority_order, parents_with_responsibility
from registers.codes import NOT_YET_ESTABLISHED
from registers.lib.calendar import AM
from registers.lib.notify import text_message_send
from registers.models import (
    Channel,
    Contact,
    FirstDayChannel,
    Mark,
    MessageKind,
    Pupil,
    School,
    SessionTimes,
)
from registers.models.schools import DEFAULT_FIRST_DAY_MESSAGE
from registers.services.outbox import outbox_add


def first_day_message_text(*, school: School, forename: str) -> str:
    """The school's wording with {pupil_forename} and {school} filled in (replaced, not
    formatted: a stray brace in the wording cannot break the e-mail)."""
    wording = school.first_day_message_wording.strip() or DEFAULT_FIRST_DAY_MESSAGE
    return wording.replace("{pupil_forename}", forename).replace("{school}", school.name)


def first_day_candidates(*, school: School, now: datetime) -> list[int]:
    """The pupils to e-mail about now (one query): coded N this morning, in a phase whose
    morning register has closed, with no report from home pending for today, nobody heard from
    today, and no first-day e-mail yet today."""
    today = timezone.localdate(now)
    clock = timezone.localtime(now).time()
    closed = [
        year_group
        for times in SessionTimes.objects.filter(school=school)
        if clock >= times.am_register_closes
        for year_group in times.year_groups
    ]
    if not closed:
        return []
    report_pending = ParentReport.objects.filter(
        school=school,
        pupil=OuterRef("pupil_id"),
        status=ReportStatus.PENDING,
        first_day__lte=today,
        last_day__gte=today,
    )
    heard_today = ParentCall.objects.filter(
        school=school, pupil=OuterRef("pupil_id"), called_at__date=today
    ).filter(
        Q(direction__in=[CallDirection.THEY_RANG, CallDirection.ONLINE])
        | Q(outcome=CallOutcome.REACHED)
    )
    already = FirstDayMessage.objects.filter(pupil=OuterRef("pupil_id"), date=today)
    return list(
        Mark.objects.filter(
            school=school,
            date=today,
            session=AM,
            code_id=NOT_YET_ESTABLISHED,
            pupil__year_group__in=closed,
        )
        .exclude(Exists(report_pending))
        .exclude(Exists(heard_today))
        .exclude(Exists(already))
        .order_by("pupil_id")
        .values_list("pupil_id", flat=True)
    )


def first_day_messages_claim(*, school_id: int, now: datetime | None = None) -> list[int]:
    """Claim today's first-day message for each pupil due one, and promise it in the outbox
    (an e-mail, a text to each parent's phone, or both, as the school chose), in the same
    transaction; each is sent by a task once this commits.

    The claim is the INSERT under the unique (pupil, date): a retry, the next run of the beat
    task or a second worker racing this one fails to insert and sends nothing. Returns the ids
    of the messages this call claimed.
    """
    now = now or timezone.now()
    school = School.objects.get(pk=school_id)
    if not school.first_day_message_enabled:
        return []
    channel = school.first_day_message_channel
    claimed = []
    with transaction.atomic():
        candidates = first_day_candidates(school=school, now=now)
        pupils = {pupil.pk: pupil for pupil in Pupil.objects.filter(pk__in=candidates)}
        parents: dict[int, list[Contact]] = {pupil_id: [] for pupil_id in candidates}
        for row in contacts_in_priority_order().filter(
            pupil_id__in=candidates, parental_responsibility=True
        ):
            parents[row.pupil_id].append(row.contact)
        for pupil_id in candidates:
            try:
                with transaction.atomic():
                    message = FirstDayMessage.objects.create(
                        school=school,
                        pupil_id=pupil_id,
                        date=timezone.localdate(now),
                        claimed_at=now,
                    )
                    _promise(message, pupils[pupil_id], parents[pupil_id], channel, now)
            except IntegrityError:
                continue  # another worker claimed it
            claimed.append(message.pk)
    return claimed


def _promise(
    message: FirstDayMessage, pupil: Pupil, parents: list[Contact], channel: str, now: datetime
) -> None:
    """The outbox rows of one pupil's first-day message."""
    school = message.school
    forename = pupil.preferred_forename or pupil.legal_forename
    about = f"about {pupil.name}, {message.date:%-d %b}"
    if channel in (FirstDayChannel.EMAIL, FirstDayChannel.BOTH):
        addresses = list(dict.fromkeys(contact.email for contact in parents if contact.email))
        outbox_add(
            kind=MessageKind.FIRST_DAY_EMAIL,
            about_id=message.pk,
            school=school,
            channel=Channel.EMAIL,
            description=f"First-day absence e-mail {about}",
            recipients=", ".join(addresses),
            now=now,
        )
    if channel in (FirstDayChannel.TEXT, FirstDayChannel.BOTH):
        # One text per parent with a phone number: each is sent, or fails, on its own.
        numbers = {contact.phone.strip(): contact for contact in parents if contact.phone.strip()}
        for number, contact in numbers.items():
            outbox_add(
                kind=MessageKind.FIRST_DAY_TEXT,
                about_id=message.pk,
                school=school,
                channel=Channel.TEXT,
                recipient_key=str(contact.pk),
                description=f"First-day absence text message {about} ({forename})",
                recipients=f"{contact.name}, {number}",
                payload={"contact_id": contact.pk},
                now=now,
            )


def _still_due(message: FirstDayMessage) -> str | None:
    """Why a claimed message is no longer to be sent (the school turned the messages off, or
    the N was resolved meanwhile: the parent rang), or None."""
    if not message.school.first_day_message_enabled:
        return "First-day messages were turned off."
    still_n = Mark.objects.filter(
        school=message.school,
        pupil=message.pupil,
        date=message.date,
        session=AM,
        code_id=NOT_YET_ESTABLISHED,
    ).exists()
    return None if still_n else "The absence was resolved before the message went."


def first_day_email_send(*, message_id: int) -> str | None:
    """Send a claimed first-day e-mail, once, and log it in the pupil's contact log; None when
    sent, else why not.

    The row is locked and `sent_at` checked, so a retry of the task sends nothing twice. Not
    sent if the school turned the messages off, or the N was resolved since it was claimed (the
    parent rang in the meantime), or no parent has an e-mail address.
    """
    with transaction.atomic():
        message = (
            FirstDayMessage.objects.select_for_update(of=("self",))
            .select_related("school", "pupil")
            .get(pk=message_id)
        )
        school, pupil = message.school, message.pupil
        if message.sent_at is not None:
            return "Already e-mailed."
        if why_not := _still_due(message):
            return why_not
        parents = [
            pc.contact for pc in parents_with_responsibility(pupil=pupil) if pc.contact.email
        ]
        if not parents:
            return "No parent with parental responsibility has an e-mail address."
        forename = pupil.preferred_forename or pupil.legal_forename
        addresses = list(dict.fromkeys(contact.email for contact in parents))
        sent = EmailMessage(
            subject=f"{school.name}: {forename} is absent today",
            body=f"{first_day_message_text(school=school, forename=forename)}\n\n{school.name}"
            + (f"\n{school.phone}" if school.phone else ""),
            to=addresses[:1],
            bcc=addresses[1:],
            reply_to=[school.email] if school.email else None,
        ).send(fail_silently=False)
        if not sent:
            raise OSError("The mail server took no message.")
        now = timezone.now()
        call = ParentCall.objects.create(
            school=school,
            pupil=pupil,
            contact=None,
            contact_name=", ".join(contact.name for contact in parents)[:200],
            direction=CallDirection.EMAILED,
            outcome=CallOutcome.SENT,
            reason_given="",
            called_at=now,
            recorded_by=None,
        )
        message.sent_at, message.call = now, message.call or call
        message.recipients += len(addresses)
        message.save(update_fields=["sent_at", "recipients", "call"])
    return None


def first_day_message_send(*, message_id: int) -> FirstDayMessage:
    """`first_day_email_send`, returning the message (sent or not)."""
    first_day_email_send(message_id=message_id)
    return FirstDayMessage.objects.get(pk=message_id)


def first_day_text_send(*, message_id: int, contact_id: int, reference: str) -> str | None:
    """Text one parent the first-day message through GOV.UK Notify and log it in the contact
    log; None when sent, else why not. Called under the outbox row's lock (once per parent);
    the message's row is locked too, so the e-mail and the texts are logged one at a time."""
    with transaction.atomic():
        message = (
            FirstDayMessage.objects.select_for_update(of=("self",))
            .select_related("school", "pupil")
            .get(pk=message_id)
        )
        if why_not := _still_due(message):
            return why_not
        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is None or not contact.phone.strip():
            return "The parent's phone number was removed."
        school, pupil = message.school, message.pupil
        forename = pupil.preferred_forename or pupil.legal_forename
        text_message_send(
            phone_number=contact.phone.strip(),
            template_id=settings.NOTIFY_FIRST_DAY_TEMPLATE_ID,
            personalisation={
                "message": first_day_message_text(school=school, forename=forename),
                "pupil_forename": forename,
                "school": school.name,
            },
            reference=reference,
        )
        now = timezone.now()
        call = ParentCall.objects.create(
            school=school,
            pupil=pupil,
            contact=contact,
            contact_name=contact.name[:200],
            direction=CallDirection.TEXTED,
            outcome=CallOutcome.SENT,
            reason_given="",
            called_at=now,
            recorded_by=None,
        )
        message.recipients += 1
        update = ["recipients"]
        if message.call_id is None:
            message.call = call
            update.append("call")
        message.save(update_fields=update)
    return None
