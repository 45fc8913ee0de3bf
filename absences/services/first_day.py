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
from functools import partial

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
from absences.selectors.pupils import parents_with_responsibility
from registers.codes import NOT_YET_ESTABLISHED
from registers.lib.calendar import AM
from registers.models import Mark, School, SessionTimes
from registers.models.schools import DEFAULT_FIRST_DAY_MESSAGE


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
    """Claim today's first-day e-mail for each pupil due one; enqueue each after commit.

    The claim is the INSERT under the unique (pupil, date): a retry, the next run of the beat
    task or a second worker racing this one fails to insert and sends nothing. Returns the ids
    of the messages this call claimed.
    """
    now = now or timezone.now()
    school = School.objects.get(pk=school_id)
    if not school.first_day_message_enabled:
        return []
    from absences.tasks import send_first_day_message

    claimed = []
    with transaction.atomic():
        for pupil_id in first_day_candidates(school=school, now=now):
            try:
                with transaction.atomic():
                    message = FirstDayMessage.objects.create(
                        school=school,
                        pupil_id=pupil_id,
                        date=timezone.localdate(now),
                        claimed_at=now,
                    )
            except IntegrityError:
                continue  # another worker claimed it
            claimed.append(message.pk)
            transaction.on_commit(partial(send_first_day_message.delay, message.pk), robust=True)
    return claimed


def first_day_message_send(*, message_id: int) -> FirstDayMessage:
    """Send a claimed first-day e-mail, once, and log it in the pupil's contact log.

    The row is locked and `sent_at` checked, so a retry of the task sends nothing twice. Not
    sent if the school turned the e-mails off, or the N was resolved since it was claimed (the
    parent rang in the meantime), or no parent has an e-mail address.
    """
    with transaction.atomic():
        message = (
            FirstDayMessage.objects.select_for_update(of=("self",))
            .select_related("school", "pupil")
            .get(pk=message_id)
        )
        school, pupil = message.school, message.pupil
        still_n = Mark.objects.filter(
            school=school,
            pupil=pupil,
            date=message.date,
            session=AM,
            code_id=NOT_YET_ESTABLISHED,
        ).exists()
        if message.sent_at is not None or not school.first_day_message_enabled or not still_n:
            return message
        parents = [
            pc.contact for pc in parents_with_responsibility(pupil=pupil) if pc.contact.email
        ]
        if not parents:
            return message
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
            return message
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
        message.sent_at, message.recipients, message.call = now, len(addresses), call
        message.save(update_fields=["sent_at", "recipients", "call"])
    return message
