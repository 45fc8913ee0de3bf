"""Reminding staff of registers still not taken, and telling heads of registers taken late.

A register still not taken some minutes after it opened (the school's
`register_reminder_minutes`, default 10) gets one reminder: the group's teachers are e-mailed
and see a banner on their next page, and the office and attendance lead get one summary. The
unique constraint on `RegisterReminder` (one per class, date and session) is what makes the
reminder once-only when two workers run at the same minute: the second insert fails and that
worker sends nothing.

E-mails name the class, the session and the times, never a pupil.
"""

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from registers.lib.calendar import week_start
from registers.models import (
    Membership,
    MessageKind,
    Register,
    RegisterReminder,
    RegistrationGroup,
    Role,
    School,
)
from registers.selectors.monitor import (
    register_windows,
    registers_to_remind,
    reminder_banner_key,
)
from registers.services.outbox import outbox_add

logger = logging.getLogger(__name__)

# Who is told of every register still missing at their school (the policies: the office
# follows up registers not returned; the attendance lead works with them).
SUMMARY_ROLES = (Role.OFFICE, Role.ATTENDANCE_LEAD)
# A day: the flag only says "ask the database"; the reminder itself is what is true.
BANNER_FLAG_SECONDS = 24 * 60 * 60


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def register_reminders_send(*, now: datetime | None = None) -> list[int]:
    """Record a reminder for every register due one (see `registers_to_remind`) and e-mail them
    once the reminders are committed. Returns the ids of the reminders this call recorded.

    Each insert runs in its own transaction: a register another worker has just reminded fails
    the unique constraint (waiting for that worker's commit if it is still in flight) and is
    skipped, so it is neither recorded nor e-mailed twice.
    """
    now = timezone.localtime(now)
    created: list[int] = []
    reminded_groups: list[int] = []
    for item in registers_to_remind(now=now):
        try:
            with transaction.atomic():
                reminder = RegisterReminder.objects.create(
                    school_id=item.school_id,
                    group_id=item.group_id,
                    date=now.date(),
                    session=item.session,
                    sent_at=now,
                )
        except IntegrityError:
            continue  # reminded by another worker
        created.append(reminder.pk)
        reminded_groups.append(item.group_id)
    if created:
        # One message per school through the outbox: the teachers' e-mails and the office's
        # summary are sent together, once, and tried again until they go.
        by_school: dict[int, list[int]] = defaultdict(list)
        for reminder in RegisterReminder.objects.filter(pk__in=created).order_by("pk"):
            by_school[reminder.school_id].append(reminder.pk)
        with transaction.atomic():
            for school_id, reminder_ids in by_school.items():
                outbox_add(
                    kind=MessageKind.REGISTER_REMINDERS,
                    about_id=reminder_ids[0],
                    school=School(pk=school_id),
                    description=f"Register reminders: {len(reminder_ids)} "
                    f"{'register' if len(reminder_ids) == 1 else 'registers'} not taken",
                    recipients="The classes' teachers, the office and the attendance lead",
                    payload={"reminder_ids": reminder_ids},
                    now=now,
                )
        # The banner on the teachers' next page (see registers.context_processors); without
        # the cache they still have the e-mail.
        teacher_ids = list(
            RegistrationGroup.teachers.through.objects.filter(
                registrationgroup_id__in=reminded_groups
            ).values_list("user_id", flat=True)
        )
        try:
            cache.set_many(
                {reminder_banner_key(user_id=pk, day=now.date()): True for pk in teacher_ids},
                timeout=BANNER_FLAG_SECONDS,
            )
        except Exception:
            logger.warning("Register-reminder banners not flagged: the cache did not answer.")
    return created


def register_reminder_emails_send(*, reminder_ids: list[int]) -> int:
    """E-mail each reminded class's teachers, and one summary to each school's office and
    attendance lead. A register taken since its reminder was recorded is left out. Returns the
    number of e-mails sent (a fixed number of queries, however many reminders)."""
    reminders = list(
        RegisterReminder.objects.filter(pk__in=reminder_ids)
        .select_related("group__school")
        .prefetch_related("group__teachers")
        .order_by("school__name", "session", "group__name")
    )
    if not reminders:
        return 0
    taken = set(
        Register.objects.filter(
            group__in=[r.group_id for r in reminders], date__in={r.date for r in reminders}
        ).values_list("group_id", "date", "session")
    )
    reminders = [r for r in reminders if (r.group_id, r.date, r.session) not in taken]
    windows: dict = {}
    for day in {r.date for r in reminders}:
        windows.update(
            {
                (group_id, day, session): window
                for (group_id, session), window in register_windows(
                    groups=[r.group for r in reminders if r.date == day], day=day
                ).items()
            }
        )
    summaries: dict[int, list[str]] = defaultdict(list)
    messages = []
    for reminder in reminders:
        group, school = reminder.group, reminder.group.school
        window = windows.get((group.pk, reminder.date, reminder.session))
        sent = timezone.localtime(reminder.sent_at)
        times = (
            f"It opened at {window.opens:%H:%M} and closes at {window.closes:%H:%M}; "
            if window
            else ""
        )
        line = f"{group.name} {reminder.session}"
        summaries[school.pk].append(line)
        addresses = [t.email for t in group.teachers.all() if t.email]
        if not addresses:
            continue
        messages.append(
            EmailMessage(
                subject=f"Register not taken: {line}, {_long_date(reminder.date)}",
                body=(
                    f"The {reminder.session} register for {group.name} at {school.name} on "
                    f"{_long_date(reminder.date)} was still not taken at {sent:%H:%M}.\n\n"
                    f"{times}please take it now from your home page in the attendance system."
                    f"\n\n{school.name}"
                ),
                to=addresses,
            )
        )
    schools = {r.group.school_id: r.group.school for r in reminders}
    office: dict[int, list[str]] = defaultdict(list)
    for school_id, email in (
        Membership.objects.filter(school__in=list(schools), role__in=SUMMARY_ROLES)
        .exclude(user__email="")
        .values_list("school_id", "user__email")
        .order_by("user__email")
    ):
        office[school_id].append(email)
    for school_id, lines in summaries.items():
        if not office[school_id]:
            continue
        school = schools[school_id]
        listing = "\n".join(f"- {line}" for line in lines)
        messages.append(
            EmailMessage(
                subject=f"Registers not taken at {school.name}: {len(lines)}",
                body=(
                    f"These registers were still not taken some minutes after they opened; "
                    f"their teachers have been reminded:\n\n{listing}\n\n"
                    f"The missing-registers page of {school.name} shows them as they are taken."
                ),
                to=office[school_id],
            )
        )
    return (get_connection().send_messages(messages) or 0) if messages else 0


def registers_taken_late_promise(*, any_day: date) -> int:
    """Promise the heads' weekly list of registers taken late, if any was (the outbox: once
    per week, however often the beat task runs). Returns how many messages were promised."""
    monday = week_start(any_day)
    if not Register.objects.filter(
        taken_after_close=True, date__range=(monday, monday + timedelta(days=6))
    ).exists():
        return 0
    outbox_add(
        kind=MessageKind.REGISTERS_TAKEN_LATE,
        about_id=monday.toordinal(),
        description=f"Registers taken after the close, week of {_long_date(monday)}",
        recipients="Each school's head",
        payload={"any_day": monday.isoformat()},
    )
    return 1


def registers_taken_late_email_heads(*, any_day: date) -> int:
    """E-mail each school's head the registers first taken after their close in the week
    (Monday to Sunday) containing `any_day`; a school with none is not written to. Returns
    the number of e-mails sent."""
    monday = week_start(any_day)
    late = defaultdict(list)
    for register in (
        Register.objects.filter(
            taken_after_close=True, date__range=(monday, monday + timedelta(days=6))
        )
        .select_related("group", "taken_by")
        .order_by("date", "session", "group__name")
    ):
        late[register.school_id].append(register)
    if not late:
        return 0
    heads: dict[int, list[str]] = defaultdict(list)
    for school_id, email in (
        Membership.objects.filter(school__in=list(late), role=Role.HEAD)
        .exclude(user__email="")
        .values_list("school_id", "user__email")
    ):
        heads[school_id].append(email)
    messages = []
    for school in School.objects.filter(pk__in=list(heads)).order_by("name"):
        registers = late[school.pk]
        listing = "\n".join(
            f"- {r.date:%a %d %b} {r.session}, {r.group.name}: taken at "
            f"{timezone.localtime(r.taken_at):%H:%M} by "
            f"{r.taken_by.get_full_name() or r.taken_by.get_username()}"
            for r in registers
        )
        messages.append(
            EmailMessage(
                subject=(
                    f"Registers taken after the close at {school.name}, week of "
                    f"{_long_date(monday)}: {len(registers)}"
                ),
                body=(
                    f"These registers were first taken after their register-close time in the "
                    f"week of {_long_date(monday)}:\n\n{listing}\n\n{school.name}"
                ),
                to=heads[school.pk],
            )
        )
    return (get_connection().send_messages(messages) or 0) if messages else 0
