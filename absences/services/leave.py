"""Leave of absence: the office records a parent's request, the head decides, parents are told.

The rules (2024 regulations; Luston and Shobdon 5.1; the Herefordshire policy, "Holidays during
Term Time"): leave is granted only for a regulated performance or employment abroad (C1), an
interview (J1), study leave (S), a part-time timetable (C2) or exceptional circumstances (C);
never for a holiday. Parents apply in writing, at least three weeks ahead where possible; the
head decides, including for how many days, and tells the parents in writing. Refused leave
taken anyway is unauthorised, coded G.

Approved leave fills in sessions still to come when the register is taken
(`absences.selectors.expected_codes`); only sessions already past are written here.
"""

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from absences.letters import (
    letter_addresses,
    letter_pdf,
    span_label,
    stored_letter_email,
)
from absences.models import LeaveCategory, LeaveDecision, LeaveRequest
from absences.selectors.pupils import days_not_on_roll, parents_with_responsibility
from core.errors import AlreadyRecorded, DomainError
from registers.codes import HOLIDAY_NOT_GRANTED, code_catalogue
from registers.lib.calendar import AM, PM, SESSIONS, day_label, session_order
from registers.lib.stored_files import files_kept_if_committed, pdf_file_save
from registers.models import Channel, MessageKind, Pupil, School
from registers.selectors import school_sessions_between
from registers.services.marks import pupil_sessions_recode, staff_name, staff_position
from registers.services.outbox import outbox_add

APPROVED_REASON = "Leave of absence approved"
TAKEN_ANYWAY_REASON = "Leave refused, taken anyway"
HOLIDAY_NOT_ALLOWED = (
    "The 2024 regulations do not allow leave of absence for a holiday: refuse the request, or, "
    "if the circumstances are truly exceptional, ask the office to record it again under "
    "exceptional circumstances."
)


def _asked_for(leave: LeaveRequest) -> str:
    return span_label(leave.first_day, leave.first_session, leave.last_day, leave.last_session)


def _session_problems(*sessions: str) -> list[str]:
    return [f"'{s}' is not a session: choose AM or PM." for s in sessions if s not in SESSIONS]


@transaction.atomic
def leave_request_record(
    *,
    school: School,
    pupil: Pupil,
    first_day: date,
    first_session: str,
    last_day: date,
    last_session: str,
    category: str,
    reason: str,
    evidence: str,
    received_on: date,
    by: User,
    requested_by_name: str = "",
    requester_lives_with_pupil: bool | None = None,
) -> LeaveRequest:
    """The office records a parent's written request, for the head to decide.

    Every problem is reported at once and nothing is saved. Less than three weeks' notice is
    allowed ("where possible") and flagged for the head (`LeaveRequest.short_notice`); so is a
    request received after the leave began (`LeaveRequest.retrospective`), which cannot be
    approved for the kinds of leave the regulations grant only on a request made in advance.
    """
    today = timezone.localdate()
    problems = _session_problems(first_session, last_session)
    if category not in LeaveCategory.values:
        problems.append("Choose the kind of leave asked for.")
    if not reason.strip():
        problems.append("Write down the reason the parent gives.")
    if received_on > today:
        problems.append(
            f"The request cannot have been received on {day_label(received_on)}: "
            "that is still to come."
        )
    if problems:
        raise DomainError(" ".join(problems))
    if session_order(last_day, last_session) < session_order(first_day, first_session):
        raise DomainError("The last day is before the first day.")
    sessions = school_sessions_between(
        school=school,
        first_day=first_day,
        first_session=first_session,
        last_day=last_day,
        last_session=last_session,
    )
    school_days = {day for day, _ in sessions}
    if not sessions:
        problems.append(
            f"There is no school session at {school.name} from {day_label(first_day)} to "
            f"{day_label(last_day)}: leave is asked for in term time."
        )
    else:
        problems += [
            f"{day_label(day)} is not a school day at {school.name} (outside its terms, a "
            f"weekend, a holiday or a closure): the {end} day of leave must be a school day."
            for day, end in ((first_day, "first"), (last_day, "last"))
            if day not in school_days
        ]
    problems += [
        f"{pupil.name} is not on roll at {school.name} on {day_label(day)}."
        for day in days_not_on_roll(school=school, pupil=pupil, days={first_day, last_day})
    ]
    if problems:
        raise DomainError(" ".join(dict.fromkeys(problems)))
    _refuse_overlap(
        school=school,
        pupil=pupil,
        first=(first_day, first_session),
        last=(last_day, last_session),
    )
    leave = LeaveRequest(
        school=school,
        pupil=pupil,
        first_day=first_day,
        first_session=first_session,
        last_day=last_day,
        last_session=last_session,
        category=category,
        reason=reason.strip(),
        evidence=evidence.strip(),
        received_on=received_on,
        requested_by_name=requested_by_name.strip(),
        requester_lives_with_pupil=requester_lives_with_pupil,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    leave.full_clean()
    leave.save()
    return leave


def _refuse_overlap(
    *, school: School, pupil: Pupil, first: tuple[date, str], last: tuple[date, str]
) -> None:
    """A request for sessions already asked for (waiting for the head, or approved) is the
    same request again: refused, naming the one recorded. A refused request may be asked
    again. The pupil's row is locked first, so two requests sent at once are taken in turn."""
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    (first_day, first_session), (last_day, last_session) = first, last
    # Sessions order as (day, "AM" < "PM"): the spans overlap when each starts before the
    # other ends.
    starts_by_end = Q(first_day__lt=last_day) | Q(
        first_day=last_day, first_session__lte=last_session
    )
    ends_after_start = Q(last_day__gt=first_day) | Q(
        last_day=first_day, last_session__gte=first_session
    )
    existing = (
        LeaveRequest.objects.filter(
            starts_by_end,
            ends_after_start,
            school=school,
            pupil=pupil,
            decision__in=[LeaveDecision.PENDING, LeaveDecision.APPROVED],
        )
        .order_by("first_day", "pk")
        .first()
    )
    if existing is not None:
        state = (
            "waiting for the head"
            if existing.decision == LeaveDecision.PENDING
            else "already approved"
        )
        raise AlreadyRecorded(
            f"Leave for {pupil.name} from {_asked_for(existing)} is {state}; a request for any "
            "of those days is not recorded twice.",
            existing=existing,
        )


@transaction.atomic
def leave_request_decide(
    *,
    leave: LeaveRequest,
    approve: bool,
    reason: str,
    approved_first_day: date | None = None,
    approved_first_session: str = AM,
    approved_last_day: date | None = None,
    approved_last_session: str = PM,
    by: User,
) -> LeaveRequest:
    """The head approves (for the days asked, or fewer) or refuses, giving the reason.

    Steps: check the decision against the rules; claim the pending request with a conditional
    update, so a second decision (a double submit, two heads at once) changes nothing; write the
    leave's code for approved sessions already past or today (amending marks already saved);
    after commit, send the letter. An approved day left out is the day (and session) asked for.
    """
    if not reason.strip():
        raise DomainError(
            "Give the reason for the decision: it is written in the letter to the parents."
        )
    if leave.decision != LeaveDecision.PENDING:
        raise DomainError(_already_decided(leave))
    past: list[tuple[date, str]] = []
    if approve:
        if leave.category == LeaveCategory.HOLIDAY:
            raise DomainError(HOLIDAY_NOT_ALLOWED)
        if problem := approval_problem(leave):
            raise DomainError(problem)
        if approved_first_day is None:
            approved_first_day, approved_first_session = leave.first_day, leave.first_session
        if approved_last_day is None:
            approved_last_day, approved_last_session = leave.last_day, leave.last_session
        problems = _session_problems(approved_first_session, approved_last_session)
        if problems:
            raise DomainError(" ".join(problems))
        first = session_order(approved_first_day, approved_first_session)
        last = session_order(approved_last_day, approved_last_session)
        if last < first:
            raise DomainError("The last approved day is before the first.")
        if first < session_order(leave.first_day, leave.first_session) or last > session_order(
            leave.last_day, leave.last_session
        ):
            raise DomainError(
                "The head may approve the days asked for or fewer, not others: approve within "
                f"{_asked_for(leave)}."
            )
        sessions = school_sessions_between(
            school=leave.school,
            first_day=approved_first_day,
            first_session=approved_first_session,
            last_day=approved_last_day,
            last_session=approved_last_session,
        )
        if not sessions:
            raise DomainError("There is no school session in the approved days.")
        today = timezone.localdate()
        past = [(day, session) for day, session in sessions if day <= today]
        approved = {
            "approved_first_day": approved_first_day,
            "approved_first_session": approved_first_session,
            "approved_last_day": approved_last_day,
            "approved_last_session": approved_last_session,
        }
    else:
        approved = {
            "approved_first_day": None,
            "approved_first_session": "",
            "approved_last_day": None,
            "approved_last_session": "",
        }
    claimed = LeaveRequest.objects.filter(pk=leave.pk, decision=LeaveDecision.PENDING).update(
        decision=LeaveDecision.APPROVED if approve else LeaveDecision.REFUSED,
        decision_reason=reason.strip(),
        decided_by=by,
        decided_at=timezone.now(),
        **approved,
    )
    if not claimed:
        leave.refresh_from_db()
        raise DomainError(_already_decided(leave))
    if past:
        pupil_sessions_recode(
            school=leave.school,
            pupil=leave.pupil,
            sessions=past,
            code=leave.category,
            reason=APPROVED_REASON,
            by=by,
        )
    leave.refresh_from_db()
    # The letter is promised in the decision's transaction (the outbox): drawn and e-mailed by
    # a task once it commits, tried again until it goes, and shown to the office if it fails.
    addresses = letter_addresses(pupil=leave.pupil)
    outbox_add(
        kind=MessageKind.LEAVE_DECISION_LETTER,
        about_id=leave.pk,
        school=leave.school,
        channel=Channel.EMAIL if addresses else Channel.POST,
        description=f"Leave decision letter about {leave.pupil.name}",
        recipients=", ".join(addresses),
    )
    return leave


# Regulation 11 of the 2024 regulations grants these only on a request made in advance: leave in
# exceptional circumstances on an application by a parent the pupil normally lives with,
# interview leave (J1) if asked for in advance, study leave (S) if agreed in advance.
IN_ADVANCE_ONLY = (LeaveCategory.EXCEPTIONAL, LeaveCategory.INTERVIEW, LeaveCategory.STUDY)


def approval_problem(leave: LeaveRequest) -> str | None:
    """Why the head cannot approve this request under the regulations, or None; the decision
    page shows it before the head decides."""
    if leave.category in IN_ADVANCE_ONLY and leave.retrospective:
        return (
            f"{leave.get_category_display()} can be granted only on a request made in advance "
            "(2024 regulations, regulation 11): this one was received on "
            f"{day_label(leave.received_on)}, after the leave began on "
            f"{day_label(leave.first_day)}. Refuse it; the sessions stay unauthorised unless "
            "another code applies."
        )
    if leave.category == LeaveCategory.EXCEPTIONAL and not leave.requester_lives_with_pupil:
        return (
            "Leave in exceptional circumstances is granted only on a request by a parent the "
            f"pupil normally lives with (regulation 11); {leave.requested_by_name or 'who asked'} "
            "is not recorded as one. Record the request again, made by such a parent, or refuse it."
        )
    return None


def _already_decided(leave: LeaveRequest) -> str:
    when = timezone.localtime(leave.decided_at) if leave.decided_at else None
    return (
        f"This request was already {leave.get_decision_display().lower()}"
        + (f" on {day_label(when.date())}" if when else "")
        + ": a decided request is not decided again."
    )


def leave_decision_letter(*, leave: LeaveRequest) -> bytes:
    """The decision letter to the parents, as PDF bytes (not saved): dated the day of the
    decision, signed by the head, and for a refusal warning that absence will be coded G."""
    catalogue = code_catalogue()
    decided_by = leave.decided_by
    assert decided_by is not None  # a letter is drawn for a decided request
    context = {
        "school": leave.school,
        "letter_date": timezone.localdate(leave.decided_at),
        "leave": leave,
        "pupil": leave.pupil,
        "parents": parents_with_responsibility(pupil=leave.pupil),
        "requested": _asked_for(leave),
        "holiday": leave.category == LeaveCategory.HOLIDAY,
        "asked_as": catalogue[leave.category].meaning.lower()
        if leave.category in catalogue
        else "",
        "unauthorised_code": HOLIDAY_NOT_GRANTED,
        "unauthorised_meaning": catalogue[HOLIDAY_NOT_GRANTED].meaning.lower(),
        "decided_by_name": staff_name(decided_by),
        "decided_by_position": staff_position(user=decided_by, school=leave.school),
    }
    if leave.decision == LeaveDecision.APPROVED:
        # An approval records the days approved (leave_request_decide).
        assert leave.approved_first_day is not None and leave.approved_last_day is not None
        first = (leave.approved_first_day, leave.approved_first_session)
        last = (leave.approved_last_day, leave.approved_last_session)
        context.update(
            approved=span_label(*first, *last),
            approved_in_full=(first, last)
            == ((leave.first_day, leave.first_session), (leave.last_day, leave.last_session)),
            code=leave.category,
            code_meaning=catalogue[leave.category].meaning.lower(),
        )
    return letter_pdf(template="letters/leave_decision.html", context=context)


def leave_decision_letter_store(*, leave_id: int) -> LeaveRequest:
    """Draw and store the decision letter, once: the request is locked and the letter drawn
    only if missing. A failure leaves no file behind (`files_kept_if_committed`)."""
    leave = LeaveRequest.objects.only("letter").get(pk=leave_id)
    if leave.letter:
        return leave
    with files_kept_if_committed(leave.letter.storage) as written:
        leave = (
            LeaveRequest.objects.select_for_update(of=("self",))
            .select_related("school", "pupil", "decided_by")
            .get(pk=leave_id)
        )
        if leave.decision == LeaveDecision.PENDING:
            raise DomainError("There is no decision to write to the parents about yet.")
        if not leave.letter:
            pdf_file_save(
                leave.letter,
                f"leave-{leave.pk}-{leave.decision}.pdf",
                leave_decision_letter(leave=leave),
                written,
            )
            leave.save(update_fields=["letter"])
    return leave


def leave_decision_letter_email(*, leave_id: int) -> str | None:
    """E-mail the stored letter to the parents with an address, once: under the request's row
    lock, in a transaction that marks it e-mailed only if the mail server took it. Returns
    None when sent, or why nothing was sent."""
    with transaction.atomic():
        leave = (
            LeaveRequest.objects.select_for_update(of=("self",))
            .select_related("school", "pupil")
            .get(pk=leave_id)
        )
        if leave.letter_emailed_at is None and not leave.letter:
            raise DomainError("The letter has not been drawn yet.")
        return stored_letter_email(
            leave,
            emailed="letter_emailed_at",
            stored=leave.letter,
            school=leave.school,
            pupil=leave.pupil,
            subject=f"{leave.school.name}: your request for leave of absence for "
            f"{leave.pupil.name}",
            body="Please find attached the school's decision on your request for "
            f"{leave.pupil.name} to be absent from {_asked_for(leave)}.",
            filename=f"leave-decision-{leave.pk}.pdf",
        )


def leave_decision_letter_send(*, leave_id: int) -> LeaveRequest:
    """Store the decision letter and e-mail it, once, to the parents with an e-mail address
    (the office's button; the outbox does the same in two steps).

    Idempotent, so a retry or a second worker neither draws a second letter nor sends a second
    e-mail. Parents without an e-mail address get the stored letter by post or by hand.
    """
    leave_decision_letter_store(leave_id=leave_id)
    leave_decision_letter_email(leave_id=leave_id)
    return LeaveRequest.objects.get(pk=leave_id)


@transaction.atomic
def leave_taken_anyway_record(*, leave: LeaveRequest, by: User) -> LeaveRequest:
    """Refused leave taken anyway: every school session asked for, up to today, is coded G.

    Sessions already marked (N by the register, say) are amended with the reason; the rest get
    new marks. Claimed with a conditional update so it is done once.
    """
    if leave.decision != LeaveDecision.REFUSED:
        raise DomainError(
            "Only refused leave is coded as taken anyway; approved leave is already authorised."
            if leave.decision == LeaveDecision.APPROVED
            else "The head has not decided this request yet."
        )
    today = timezone.localdate()
    sessions = [
        (day, session)
        for day, session in school_sessions_between(
            school=leave.school,
            first_day=leave.first_day,
            first_session=leave.first_session,
            last_day=leave.last_day,
            last_session=leave.last_session,
        )
        if day <= today
    ]
    if not sessions:
        raise DomainError(
            f"None of the days asked for has come yet (the first is {day_label(leave.first_day)}): "
            "code them once they are taken."
        )
    claimed = LeaveRequest.objects.filter(
        pk=leave.pk, decision=LeaveDecision.REFUSED, taken_anyway_coded_at__isnull=True
    ).update(taken_anyway_coded_at=timezone.now())
    if not claimed:
        raise DomainError("These sessions were already coded G as refused leave taken anyway.")
    pupil_sessions_recode(
        school=leave.school,
        pupil=leave.pupil,
        sessions=sessions,
        code=HOLIDAY_NOT_GRANTED,
        reason=TAKEN_ANYWAY_REASON,
        by=by,
    )
    leave.refresh_from_db()
    return leave
