"""Parents on their own pages: signing in with a one-time link, reporting an absence, asking
for leave of absence online.

Who may sign in: a contact with parental responsibility for at least one pupil on roll today
(both policies: "a parent means ... any person who has parental responsibility"). The link goes
only to the e-mail address on record; the form answers the same whether or not the address is
known, so it tells nobody who is on record.

Asking for a link (issue #21): the request itself does the same work whatever the address
(records the request, counts it against the limits, enqueues a task), so neither its answer nor
its timing nor a mail server that is down tells a known address from an unknown one. The task
(`sign_in_link_send`) looks the address up and sends the link. The limits are kept in the
database, so every worker and process counts the same requests, with or without Redis: per
address (three links in 15 minutes) and per client (ten requests in 15 minutes from one IP
address, whatever the addresses asked for).

The token is in the link's fragment (`.../confirm/#<token>`), which a browser never sends to a
server, so no access log or proxy holds it; the confirmation page reads it into its form, which
posts it; opening the page uses nothing up (a mail scanner opening the link signs nobody in).
"""

import hashlib
import secrets
from datetime import date, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from absences.access import ParentChild
from absences.models import (
    LeaveCategory,
    LeaveRequest,
    LeaveSource,
    ParentReport,
    ReportKind,
    SignInLink,
    SignInRequest,
)
from absences.selectors.pupils import days_not_on_roll
from absences.services.leave import leave_request_record
from core.errors import DomainError
from registers.lib.calendar import (
    AM,
    PM,
    SESSIONS,
    academic_year_end,
    day_label,
    session_order,
)
from registers.models import Contact, MessageKind
from registers.selectors import school_sessions_between, session_times_for
from registers.services.outbox import outbox_add

LINK_LIFETIME = timedelta(minutes=30)
# At most this many links per address in LINK_RATE_WINDOW: a mailbox cannot be flooded, and
# nobody can use the form to send a school's e-mails to an address over and over.
LINK_RATE_LIMIT = 3
LINK_RATE_WINDOW = timedelta(minutes=15)
LINK_SENT = (
    "If that address is on record, a link to sign in is on its way. It works once, within "
    "30 minutes."
)
LINK_NOT_VALID = (
    "This link has expired or has already been used. Ask for a new one: it is sent to the "
    "e-mail address the school has for you."
)
# What parents may ask for online: a part-time timetable is agreed with the school, not asked.
ONLINE_LEAVE_CATEGORIES = [c for c in LeaveCategory.choices if c[0] != LeaveCategory.PART_TIME]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _keyed_hash(kind: str, value: str) -> str:
    """A hash only this site can make (keyed by SECRET_KEY): an address or an IP address
    cannot be read back from it by trying every one."""
    return salted_hmac(f"parent-sign-in-{kind}", value, algorithm="sha256").hexdigest()


def contacts_who_may_sign_in() -> QuerySet[Contact]:
    """Contacts with parental responsibility for a pupil on roll today (at any school)."""
    today = timezone.localdate()
    return Contact.objects.filter(
        Q(pupil_contacts__pupil__enrolments__leaving_date__isnull=True)
        | Q(pupil_contacts__pupil__enrolments__leaving_date__gte=today),
        pupil_contacts__parental_responsibility=True,
        pupil_contacts__pupil__enrolments__start_date__lte=today,
    ).distinct()


def sign_in_link_request(*, email: str, client: str, confirm_url: str) -> str:
    """Take a parent's request for a link: return what to tell whoever asked, which is the same
    in every case, having done the same work in every case.

    Steps, in one transaction: normalise the address; forget requests older than the limits'
    window; count this address's and this client's (`client`: its IP address) recent requests;
    record this one, refused if either is at its limit; unless refused, once committed, enqueue
    `send_sign_in_link` with the request's id (the address stays in the database, not in the
    broker) and the page the link opens (`confirm_url`).
    """
    address = (email or "").strip().lower()
    if not address or "@" not in address:
        raise DomainError("Write the e-mail address the school has for you.")
    now = timezone.now()
    since = now - LINK_RATE_WINDOW
    address_hash, client_hash = _keyed_hash("address", address), _keyed_hash("client", client)
    with transaction.atomic():
        SignInRequest.objects.filter(requested_at__lt=since).delete()
        recent = SignInRequest.objects.filter(requested_at__gte=since)
        refused = (
            recent.filter(address_hash=address_hash).count() >= LINK_RATE_LIMIT
            or recent.filter(client_hash=client_hash).count()
            >= settings.PARENT_SIGN_IN_REQUESTS_PER_CLIENT
        )
        request = SignInRequest.objects.create(
            address="" if refused else address,
            address_hash=address_hash,
            client_hash=client_hash,
            requested_at=now,
            refused=refused,
        )
        if not refused:
            # Promised in the outbox with the request (the address stays in the request's
            # row, not in the outbox or the broker, and is forgotten once handled).
            outbox_add(
                kind=MessageKind.SIGN_IN_LINK,
                about_id=request.pk,
                description="A parent's sign-in link",
                payload={"confirm_url": confirm_url},
                now=now,
            )
    return LINK_SENT


def sign_in_link_send(*, request_id: int, confirm_url: str) -> bool:
    """E-mail a one-time link to the contact whose address a request gave, if there is one who
    may sign in and fewer than LINK_RATE_LIMIT links went to them in the window; True if sent.

    Once only: the request is claimed under a row lock and marked handled (its address
    forgotten) in the same transaction as the link is stored and the e-mail sent, so a retry
    after a failed send starts again and a second worker finds it handled. The contact's row
    is locked while its recent links are counted, so two workers cannot both send a fourth.
    """
    now = timezone.now()
    with transaction.atomic():
        request = (
            SignInRequest.objects.select_for_update()
            .filter(pk=request_id, handled_at__isnull=True, refused=False)
            .first()
        )
        if request is None:
            return False
        address = request.address
        request.address, request.handled_at = "", now
        request.save(update_fields=["address", "handled_at"])
        found = contacts_who_may_sign_in().filter(email__iexact=address).order_by("pk").first()
        if found is None:
            return False
        contact = Contact.objects.select_for_update().get(pk=found.pk)
        sent = SignInLink.objects.filter(contact=contact, created_at__gt=now - LINK_RATE_WINDOW)
        if sent.count() >= LINK_RATE_LIMIT:
            return False
        token = secrets.token_urlsafe(32)
        SignInLink.objects.create(
            contact=contact,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
        # The token exists only in this e-mail (made here, never handed to the broker).
        EmailMessage(
            subject="Your link to sign in to the school's attendance pages",
            body=(
                f"Hello {contact.name},\n\nOpen this link to sign in. It works once, within "
                f"30 minutes:\n\n{confirm_url}#{token}\n\nIf you did not ask for it, ignore "
                "this e-mail: nobody can sign in without it."
            ),
            to=[contact.email],
        ).send(fail_silently=False)
    return True


def sign_in_link_redeem(*, token: str) -> AbstractBaseUser:
    """Use a link once (its token posted from the confirmation page) and return the parent's
    account, created on their first sign-in.

    The link is claimed with a conditional UPDATE ... WHERE used_at IS NULL: of two requests
    with one link (a double click, a mail scanner), exactly one gets the row.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = SignInLink.objects.filter(
            token_hash=token_hash(token or ""), used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not claimed:
            raise DomainError(LINK_NOT_VALID)
        link = SignInLink.objects.select_related("contact__user").get(token_hash=token_hash(token))
        contact = link.contact
        if not contacts_who_may_sign_in().filter(pk=contact.pk).exists():
            raise DomainError(LINK_NOT_VALID)
        if contact.user is not None:
            return contact.user
        user = get_user_model()(
            username=f"parent-contact-{contact.pk}",
            first_name=contact.name[:150],
            email=contact.email,
        )
        # No password to forget: a parent signs in only with a link.
        user.set_unusable_password()
        user.save()
        Contact.objects.filter(pk=contact.pk, user__isnull=True).update(user=user)
        return user


# Reporting an absence -------------------------------------------------------------------------


def _appointment_session(*, child: ParentChild, at: time) -> str:
    """An appointment before the afternoon register opens is missed from the morning session."""
    times = session_times_for(school=child.school, year_group=child.pupil.year_group)
    if times is not None and at >= times.pm_register_opens:
        return PM
    return AM


def absence_report_submit(
    *,
    child: ParentChild,
    kind: str,
    first_day: date | None,
    first_session: str,
    last_day: date | None,
    appointment_time: time | None,
    details: str,
    by: AbstractBaseUser,
) -> ParentReport:
    """A parent reports an absence for today or days to come; it waits for the office.

    A medical appointment is one session: the one its time falls in. Every problem is reported
    at once and nothing is saved. A report made after registration reaches the office's queue
    at once like any other; the register changes only when the office accepts it.
    """
    today = timezone.localdate()
    details = (details or "").strip()
    problems = []
    if kind not in ReportKind.values:
        problems.append("Say why your child is absent.")
    if first_day is None:
        problems.append("Give the day of the absence.")
    elif first_day < today:
        problems.append(
            "Absences can be reported here for today or days to come; for an earlier day, "
            "please ring the school office."
        )
    if first_session not in SESSIONS:
        problems.append("Choose the morning or the afternoon.")
    if kind == ReportKind.MEDICAL and appointment_time is None:
        problems.append("Give the time of the appointment.")
    if kind == ReportKind.OTHER and not details:
        problems.append("Tell the school the reason for the absence.")
    if problems:
        raise DomainError(" ".join(problems))
    assert first_day is not None
    last_session = PM
    if kind == ReportKind.MEDICAL:
        assert appointment_time is not None
        last_day = first_day
        first_session = last_session = _appointment_session(child=child, at=appointment_time)
    else:
        appointment_time = None
        last_day = last_day or first_day
    if session_order(last_day, last_session) < session_order(first_day, first_session):
        raise DomainError("The last day of absence is before the first.")
    # Absences are reported for this school year; the office hears of later ones nearer the time.
    year_end = academic_year_end(today)
    if last_day > year_end:
        raise DomainError(
            f"Absences can be reported here up to the end of this school year "
            f"({day_label(year_end)}); for a later absence, please tell the school nearer "
            "the time."
        )
    sessions = school_sessions_between(
        school=child.school,
        first_day=first_day,
        first_session=first_session,
        last_day=last_day,
        last_session=last_session,
    )
    if not sessions:
        raise DomainError(
            f"There is no school session at {child.school.name} from {day_label(first_day)} "
            f"to {day_label(last_day)}."
        )
    if days_not_on_roll(school=child.school, pupil=child.pupil, days={first_day, last_day}):
        raise DomainError(
            f"{child.pupil.name} is not on roll at {child.school.name} on those days."
        )
    report = ParentReport(
        school=child.school,
        pupil=child.pupil,
        contact=child.contact,
        first_day=first_day,
        first_session=first_session,
        last_day=last_day,
        last_session=last_session,
        kind=kind,
        appointment_time=appointment_time,
        details=details[:500],
        submitted_at=timezone.now(),
        submitted_by=by,
    )
    report.full_clean()
    report.save()
    return report


# Asking for leave of absence ------------------------------------------------------------------


@transaction.atomic
def leave_request_online(
    *,
    child: ParentChild,
    category: str,
    first_day: date,
    first_session: str,
    last_day: date,
    last_session: str,
    reason: str,
    evidence: str,
    lives_with_pupil: bool,
    by: AbstractBaseUser,
) -> LeaveRequest:
    """A parent's request made online: the same request the office records from a paper form
    (`leave_request_record`), received today, made by the signed-in parent, marked as online;
    the head decides as usual."""
    if category not in dict(ONLINE_LEAVE_CATEGORIES):
        raise DomainError("Choose the kind of leave you are asking for.")
    if first_day < timezone.localdate():
        raise DomainError("Leave of absence is asked for in advance: the first day has passed.")
    leave = leave_request_record(
        school=child.school,
        pupil=child.pupil,
        first_day=first_day,
        first_session=first_session,
        last_day=last_day,
        last_session=last_session,
        category=category,
        reason=reason,
        evidence=evidence,
        received_on=timezone.localdate(),
        requested_by_name=child.contact.name,
        requester_lives_with_pupil=lives_with_pupil,
        by=by,
    )
    LeaveRequest.objects.filter(pk=leave.pk).update(source=LeaveSource.ONLINE)
    leave.source = LeaveSource.ONLINE
    return leave
