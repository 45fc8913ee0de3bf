"""Penalty notices: recording one per liable parent, its payment and the LA's decision.

The local authority issues the notice and takes the payment; the school records them so that
the two-notice limit is applied and the case shows where each parent stands.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from penalties.models import (
    LADecision,
    PenaltyNotice,
    PenaltyNoticeEvidence,
    PenaltyNoticeKind,
    ServedBy,
    ThresholdCase,
)
from penalties.selectors import national_notices_to_parent
from penalties.selectors.evidence import StandingEvidence, case_evidence_as_it_stands
from registers.lib.calendar import working_days_after, years_after
from registers.models import Contact, PenaltyLimitCounting, Pupil, PupilContact, School

# The national framework: a first notice £80 if paid within 21 days, else £160 within 28; a
# second £160 within 28 days; no third within the three years. Local codes of conduct count the
# days from when the notice is received.
REDUCED_DAYS = 21
FULL_DAYS = 28
LIMIT_YEARS = 3
NOTICES_WITHIN_LIMIT = 2

THIRD_NOTICE_REFUSED = (
    "A third penalty notice cannot be issued to the same parent for the same pupil within 3 "
    "years ({counting}). Alternative action must be taken instead: usually prosecution is "
    "considered, or another legal intervention."
)
STALE_EVIDENCE_REFUSED = (
    "The window this case rests on ended {weeks} school weeks ago, more than the "
    "{limit} your local authority's code allows. Confirm why a notice should still be issued, "
    "with a reason, or close the case."
)


@dataclass(frozen=True)
class Rates:
    reduced: Decimal | None
    full: Decimal


FIRST = Rates(reduced=Decimal(80), full=Decimal(160))
SECOND = Rates(reduced=None, full=Decimal(160))
# The suspension kind (seed policy): £60 within 21 days, else £120; outside the framework.
SUSPENSION = Rates(reduced=Decimal(60), full=Decimal(120))


def national_sequence(
    *, pupil: Pupil, parent_id: int, issued_on: date, counting: str
) -> int | None:
    """Which national notice to this parent for this pupil one issued on `issued_on` would be
    (1 or 2), or None if it would be a third within the limit.

    Notices issued count, paid or not; a notice the local authority withdrew does not.
    `counting` is the federation's reading of the three years:
    - from_first: no third within 3 years of the date of issue of the first; once 3 years have
      passed since the first, counting starts again (the next is a first). Walk the notices in
      date order, starting a new period at the first notice 3 years or more after the
      period's first.
    - rolling: no notice if two were issued in the 3 years ending on its date (a notice issued
      exactly 3 years before no longer counts).
    """
    earlier = [
        notice.issued_on
        for notice in national_notices_to_parent(pupil=pupil, parent_id=parent_id)
        .filter(issued_on__lte=issued_on)
        .exclude(la_decision=LADecision.WITHDRAW)
    ]
    if counting == PenaltyLimitCounting.ROLLING:
        count = sum(1 for day in earlier if years_after(day, LIMIT_YEARS) > issued_on)
    else:
        period_first: date | None = None
        count = 0
        for day in [*earlier, issued_on]:
            if period_first is None or day >= years_after(period_first, LIMIT_YEARS):
                period_first, count = day, 0
            count += 1
        count -= 1  # the proposed notice itself
    return None if count >= NOTICES_WITHIN_LIMIT else count + 1


def penalty_notice_record(
    *,
    case: ThresholdCase | None = None,
    pupil: Pupil | None = None,
    school: School | None = None,
    parent: Contact,
    kind: str,
    issued_on: date,
    served_by: str,
    by: User,
    stale_evidence_reason: str = "",
) -> PenaltyNotice:
    """Record a penalty notice issued to one liable parent, with its amounts and due dates.

    A national notice belongs to an open threshold case and rests on the case's evidence as it
    stands now: refused if the threshold is no longer met (saying which sessions changed), or
    if the window is older than the federation allows and nobody has confirmed why with a
    reason. The suspension kind names the pupil and school (a case is optional) and does not
    count towards the two-notice limit. The days to pay run from the day the notice is deemed
    received: the day it was given by hand, or the federation's working days after posting.
    """
    if kind not in PenaltyNoticeKind.values:
        raise DomainError("Choose the kind of penalty notice.")
    if served_by not in ServedBy.values:
        raise DomainError("Say how the notice was served: by hand or by first-class post.")
    if case is not None:
        if pupil is not None and pupil.pk != case.pupil_id:
            raise DomainError("The pupil is not the case's pupil.")
        pupil, school = case.pupil, case.school
    elif kind == PenaltyNoticeKind.NATIONAL:
        raise DomainError("A penalty notice for unauthorised absence is recorded on its case.")
    if pupil is None or school is None:
        raise DomainError("Say which pupil, at which school, the notice is for.")
    if issued_on > timezone.localdate():
        raise DomainError("A penalty notice cannot be recorded as issued on a day still to come.")
    if not PupilContact.objects.filter(
        pupil=pupil, contact=parent, parental_responsibility=True
    ).exists():
        raise DomainError("A penalty notice can only be issued to a parent of the pupil.")
    federation = school.federation
    received_on = (
        issued_on
        if served_by == ServedBy.HAND
        else working_days_after(issued_on, federation.penalty_notice_posting_days)
    )
    with transaction.atomic():
        # One parent's notices are counted under a lock on that parent, so two staff recording
        # at once cannot both issue a "second".
        Contact.objects.select_for_update().get(pk=parent.pk)
        evidence: list[int] = []
        if case is not None:
            case = ThresholdCase.objects.select_for_update().get(pk=case.pk)
            if case.closed_at is not None:
                raise DomainError("This case is closed: no penalty notice can be recorded on it.")
        sequence: int | None = None
        if kind == PenaltyNoticeKind.NATIONAL:
            assert case is not None  # a national notice without its case was refused above
            standing = case_evidence_as_it_stands(case=case, today=timezone.localdate())
            stale_evidence_reason = evidence_stands_or_refuse(
                standing=standing, stale_evidence_reason=stale_evidence_reason
            )
            evidence = [row.mark_id for row in standing.counted]
            sequence = national_sequence(
                pupil=pupil,
                parent_id=parent.pk,
                issued_on=issued_on,
                counting=federation.penalty_limit_counting,
            )
            if sequence is None:
                raise DomainError(
                    THIRD_NOTICE_REFUSED.format(
                        counting=PenaltyLimitCounting(
                            federation.penalty_limit_counting
                        ).label.lower()
                    )
                )
            rates = FIRST if sequence == 1 else SECOND
        else:
            rates = SUSPENSION
        notice = PenaltyNotice(
            school=school,
            pupil=pupil,
            parent=parent,
            case=case,
            kind=kind,
            sequence=sequence,
            issued_on=issued_on,
            served_by=served_by,
            received_on=received_on,
            stale_evidence_reason=stale_evidence_reason,
            reduced_amount=rates.reduced,
            reduced_due_on=received_on + timedelta(days=REDUCED_DAYS) if rates.reduced else None,
            full_amount=rates.full,
            full_due_on=received_on + timedelta(days=FULL_DAYS),
            recorded_by=by,
            recorded_at=timezone.now(),
        )
        notice.full_clean()
        notice.save()
        # The sessions the notice rests on count towards no other notice for the pupil.
        PenaltyNoticeEvidence.objects.bulk_create(
            PenaltyNoticeEvidence(notice=notice, mark_id=mark_id) for mark_id in evidence
        )
    return notice


def evidence_stands_or_refuse(*, standing: StandingEvidence, stale_evidence_reason: str) -> str:
    """Refuse a notice the evidence no longer supports; return the stale-evidence reason to
    record with it (empty when the window is recent enough)."""
    if refusal := standing.refusal():
        raise DomainError(refusal)
    if not standing.stale:
        return ""
    if not stale_evidence_reason.strip():
        raise DomainError(
            STALE_EVIDENCE_REFUSED.format(
                weeks=standing.school_weeks_old, limit=standing.max_age_school_weeks
            )
        )
    return stale_evidence_reason.strip()


def amount_due_on(*, notice: PenaltyNotice, day: date) -> Decimal | None:
    """What paying the notice on `day` costs, or None once 28 days have passed."""
    if (
        notice.reduced_amount is not None
        and notice.reduced_due_on is not None
        and day <= notice.reduced_due_on
    ):
        return notice.reduced_amount
    if day <= notice.full_due_on:
        return notice.full_amount
    return None


@transaction.atomic
def penalty_notice_payment_record(
    *, notice: PenaltyNotice, paid_on: date, amount: Decimal | int | str, by: User
) -> PenaltyNotice:
    """Record that the notice was paid: the amount must be what was due on that day."""
    try:
        paid = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError("Enter the amount paid in pounds.") from None
    if paid_on < notice.issued_on:
        raise DomainError("A notice cannot be paid before it was issued.")
    if paid_on > timezone.localdate():
        raise DomainError("A payment cannot be recorded on a day still to come.")
    notice = PenaltyNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.paid_on is not None:
        raise DomainError("This notice has already been paid.")
    if notice.la_decision:
        raise DomainError("The local authority has already decided on this unpaid notice.")
    due = amount_due_on(notice=notice, day=paid_on)
    if due is None:
        raise DomainError(
            "The notice was not paid within 28 days: the local authority decides whether to "
            "prosecute or withdraw it."
        )
    if paid != due:
        raise DomainError(f"On {paid_on:%d %B %Y} the amount due was £{due:.2f}, not £{paid:.2f}.")
    notice.paid_on, notice.amount_paid = paid_on, paid
    notice.save(update_fields=["paid_on", "amount_paid"])
    return notice


@transaction.atomic
def penalty_notice_la_decision_record(
    *, notice: PenaltyNotice, decision: str, by: User
) -> PenaltyNotice:
    """Record the local authority's decision on a notice still unpaid 28 days after issue."""
    if decision not in LADecision.values:
        raise DomainError("Choose prosecute or withdraw.")
    notice = PenaltyNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.paid_on is not None:
        raise DomainError("This notice has been paid: there is nothing for the LA to decide.")
    if notice.la_decision:
        raise DomainError("The local authority's decision is already recorded.")
    if timezone.localdate() <= notice.full_due_on:
        raise DomainError(
            "The local authority decides only once the notice is unpaid 28 days after issue "
            f"(after {notice.full_due_on:%d %B %Y})."
        )
    notice.la_decision, notice.la_decided_at = decision, timezone.now()
    notice.save(update_fields=["la_decision", "la_decided_at"])
    return notice
