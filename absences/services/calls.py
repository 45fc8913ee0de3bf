"""The office's calls about absence: logging them, coding what they establish, and safeguarding.

Both policies: the office calls home on the morning of the first day of unexplained absence
(Luston and Shobdon 4.5; HMFA section 6, "the office staff ... will contact the parents or carers
to establish the reason"), enters the correct code as soon as the reason is known, and takes
safeguarding action when none of the pupil's emergency contacts can be reached.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from absences.models import (
    CallDirection,
    CallOutcome,
    ParentCall,
    ReportedAbsence,
    SafeguardingFlag,
)
from absences.selectors.pupils import days_not_on_roll
from core.errors import DomainError
from registers.codes import (
    NOT_YET_ESTABLISHED,
    CountsAs,
    code_catalogue,
    code_problem,
    counts_as,
)
from registers.lib.calendar import AM, PM, SESSIONS, session_order
from registers.models import Contact, MarkSource, Pupil, PupilContact, School, SchoolDay
from registers.selectors import school_sessions_between
from registers.services.marks import WriteResult, pupil_sessions_recode


@dataclass(frozen=True)
class CallRecorded:
    call: ParentCall
    recoded: WriteResult | None  # sessions up to today, coded from the call
    reported: ReportedAbsence | None  # days still to come, filled in when the register is taken
    flag: SafeguardingFlag | None  # every contact tried today without reaching anyone


def call_reason(contact_name: str) -> str:
    """The amendment's reason: it records who gave the reason (2024 regulations)."""
    return f"Parent call: {contact_name}"


def parent_call_record(
    *,
    school: School,
    pupil: Pupil,
    contact: Contact | None,
    contact_name: str,
    direction: str,
    outcome: str,
    reason_given: str,
    code: str | None,
    first_day: date | None,
    last_day: date | None,
    expected_return: date | None,
    by: User,
    first_session: str = AM,
    last_session: str = PM,
    amendment_reason: str | None = None,
) -> CallRecorded:
    """Log a call about a pupil's absence and code what it established.

    Steps: check everything (the pupil on roll, the contact one of theirs, a code that may be
    entered on every session it covers, the call able to establish a reason); then in one
    transaction log the call, recode the sessions up to today (amendments keep the original N;
    a session not yet marked gets an office mark), report the days still to come so their
    registers fill in the code, and raise a safeguarding flag if every contact has now been
    tried today without reaching anyone. `amendment_reason` replaces "Parent call: <name>"
    (an absence a parent reported online is "Reported by parent: <name>").
    """
    today = timezone.localdate()
    code = (code or "").strip().upper()
    contact_name = (contact_name or "").strip() or (contact.name if contact else "")
    reason_given = (reason_given or "").strip()
    problems = _call_problems(
        pupil=pupil,
        contact=contact,
        contact_name=contact_name,
        direction=direction,
        outcome=outcome,
        reason_given=reason_given,
        code=code,
    )
    sessions: list[tuple[date, str]] = []
    if code:
        sessions, span_problems = _coded_sessions(
            school=school,
            pupil=pupil,
            code=code,
            first_day=first_day,
            last_day=last_day,
            first_session=first_session,
            last_session=last_session,
        )
        problems += span_problems
    if expected_return and first_day and code and expected_return < first_day:
        problems.append("The day the pupil is expected back is before the first day of absence.")
    if problems:
        raise DomainError(" ".join(dict.fromkeys(problems)))
    # A call is about a pupil on roll: on the days it codes, or today when it codes none.
    days = {day for day, _ in sessions} or {today}
    if days_not_on_roll(school=school, pupil=pupil, days=days):
        raise DomainError(f"{pupil.name} is not on roll at {school.name} on those days.")
    call = ParentCall(
        school=school,
        pupil=pupil,
        contact=contact,
        contact_name=contact_name,
        direction=direction,
        outcome=outcome,
        reason_given=reason_given,
        expected_return=expected_return,
        called_at=timezone.now(),
        recorded_by=by,
    )
    try:
        call.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None
    return _write(
        school=school,
        pupil=pupil,
        call=call,
        code=code,
        sessions=sessions,
        by=by,
        reason=amendment_reason or call_reason(contact_name),
    )


def _call_problems(
    *,
    pupil: Pupil,
    contact: Contact | None,
    contact_name: str,
    direction: str,
    outcome: str,
    reason_given: str,
    code: str,
) -> list[str]:
    problems = []
    if direction not in CallDirection.values:
        problems.append("Say whether we called or the parent rang.")
    if outcome not in CallOutcome.values:
        problems.append("Say how the call went.")
    if not contact_name:
        problems.append("Write down who was called or who rang.")
    if contact and not PupilContact.objects.filter(pupil=pupil, contact=contact).exists():
        problems.append(f"{contact.name} is not one of {pupil.name}'s contacts.")
    if not code:
        return problems
    # "Call the pupil's parent ... to ascertain the reason": a message left establishes nothing.
    if direction == CallDirection.WE_CALLED and outcome != CallOutcome.REACHED:
        problems.append(
            "A call that reached nobody establishes no reason: log it without a code, "
            "and try the next contact."
        )
    if code == NOT_YET_ESTABLISHED:
        problems.append("N means the reason is not yet known: choose the code for the reason.")
    elif code not in code_catalogue():
        problems.append(f"{code_problem(code, on=timezone.localdate(), session=AM, born=None)}.")
    elif counts_as(code) == CountsAs.ATTENDANCE:
        problems.append(f"'{code}' is an attendance code; a call explains an absence.")
    if not reason_given:
        problems.append("Write down the reason the parent gave.")
    return problems


def _coded_sessions(
    *,
    school: School,
    pupil: Pupil,
    code: str,
    first_day: date | None,
    last_day: date | None,
    first_session: str,
    last_session: str,
) -> tuple[list[tuple[date, str]], list[str]]:
    """The school sessions a reason covers, and every reason they cannot all be coded."""
    if first_day is None or last_day is None:
        return [], ["Give the first and last day of the absence the reason covers."]
    if first_session not in SESSIONS or last_session not in SESSIONS:
        return [], ["A session is AM or PM."]
    if session_order(last_day, last_session) < session_order(first_day, first_session):
        return [], ["The last day of absence is before the first day."]
    open_days = set(
        SchoolDay.objects.filter(school=school, date__in=[first_day, last_day])
        .filter(Q(am=True) | Q(pm=True))
        .values_list("date", flat=True)
    )
    problems = [
        f"{day:%A %-d %B %Y} is not a school day at {school.name}."
        for day in dict.fromkeys((first_day, last_day))
        if day not in open_days
    ]
    sessions = school_sessions_between(
        school=school,
        first_day=first_day,
        last_day=last_day,
        first_session=first_session,
        last_session=last_session,
    )
    if not sessions and not problems:
        problems.append("There is no school session in those dates.")
    # Every session it covers: a code withdrawn in 2024 cannot go on a 2025 session.
    problems += list(
        dict.fromkeys(
            f"{problem}."
            for day, session in sessions
            if (problem := code_problem(code, on=day, session=session, born=pupil.date_of_birth))
        )
    )
    return sessions, problems


@transaction.atomic
def _write(
    *,
    school: School,
    pupil: Pupil,
    call: ParentCall,
    code: str,
    sessions: list[tuple[date, str]],
    by: User,
    reason: str,
) -> CallRecorded:
    call.save()
    today = timezone.localdate()
    recoded = reported = None
    past = [(day, session) for day, session in sessions if day <= today]
    future = [(day, session) for day, session in sessions if day > today]
    if past:
        # Amendments where the register already said N (the original kept); office marks where
        # nothing is saved yet, which the teacher's register then shows as already known.
        recoded = pupil_sessions_recode(
            school=school,
            pupil=pupil,
            sessions=past,
            code=code,
            reason=reason,
            by=by,
            source=MarkSource.OFFICE,
        )
    if future:
        reported = ReportedAbsence(
            school=school,
            pupil=pupil,
            first_day=future[0][0],
            first_session=future[0][1],
            last_day=future[-1][0],
            last_session=future[-1][1],
            code_id=code,
            reason=call.reason_given,
            call=call,
            logged_by=by,
            logged_at=call.called_at,
        )
        reported.save()
    flag = safeguarding_flag_raise_if_unreachable(school=school, pupil=pupil, by=by)
    return CallRecorded(call=call, recoded=recoded, reported=reported, flag=flag)


def safeguarding_flag_raise_if_unreachable(
    *, school: School, pupil: Pupil, by: User
) -> SafeguardingFlag | None:
    """Raise today's flag when every contact has been tried today and nobody was reached.

    Luston and Shobdon 4.5: "If the school cannot reach any of the pupil's emergency contacts,
    the school will take appropriate safeguarding actions." Unreachable means: at least one call
    today, none of today's calls reached anyone or came in from a parent, and every contact on
    the pupil's list has had a call today (a pupil with no contacts on record cannot be reached
    either). One flag a pupil a day (the unique constraint), however many calls follow.
    """
    today = timezone.localdate()
    calls = list(
        ParentCall.objects.filter(school=school, pupil=pupil, called_at__date=today).values_list(
            "contact_id", "direction", "outcome"
        )
    )
    if not calls or any(
        direction == CallDirection.THEY_RANG or outcome == CallOutcome.REACHED
        for _, direction, outcome in calls
    ):
        return None
    tried = {contact_id for contact_id, _, _ in calls}
    listed = set(PupilContact.objects.filter(pupil=pupil).values_list("contact_id", flat=True))
    if not listed <= tried:
        return None
    flag, _ = SafeguardingFlag.objects.get_or_create(
        school=school,
        pupil=pupil,
        raised_on=today,
        defaults={"raised_at": timezone.now(), "raised_by": by},
    )
    return flag


@transaction.atomic
def safeguarding_flag_resolve(
    *, flag: SafeguardingFlag, resolution: str, by: User
) -> SafeguardingFlag:
    """The attendance lead or head records what was done; a resolved flag stays resolved."""
    resolution = resolution.strip()
    if not resolution:
        raise DomainError("Write down what was done to make sure the pupil is safe.")
    # A conditional update: two people resolving at once cannot overwrite each other.
    updated = SafeguardingFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=by, resolution=resolution
    )
    if not updated:
        raise DomainError("This safeguarding follow-up has already been resolved.")
    flag.refresh_from_db()
    return flag
