"""Medical evidence for illness (Luston and Shobdon 4.2).

"Where the absence is longer than five days, or there are doubts about the authenticity of the
illness, the school will ask for medical evidence ... If the school is not satisfied about the
authenticity of the illness, the absence will be recorded as unauthorised and parents will be
notified of this in advance."
"""

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from absences.models import EvidenceOutcome, MedicalEvidenceRequest
from core.errors import DomainError
from registers.codes import ABSENT_OTHER, ILLNESS, CountsAs
from registers.lib.calendar import AM, PM
from registers.models import Mark, Pupil, School
from registers.selectors import school_sessions_between
from registers.services.marks import pupil_sessions_recode

DECIDED = (EvidenceOutcome.RECEIVED, EvidenceOutcome.NOT_RECEIVED)


@transaction.atomic
def medical_evidence_request(
    *, school: School, pupil: Pupil, first_day: date, last_day: date, by: User
) -> MedicalEvidenceRequest:
    """Record that the office asked the parents for medical evidence for these days.

    For illness longer than five school days, or any absence the office doubts; the days must
    hold a recorded absence, and one request at a time covers a day.
    """
    today = timezone.localdate()
    request = MedicalEvidenceRequest(
        school=school,
        pupil=pupil,
        first_day=first_day,
        first_session=AM,
        last_day=last_day,
        last_session=PM,
        requested_on=today,
        requested_by=by,
    )
    try:
        request.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None
    if last_day > today:
        raise DomainError("Medical evidence is asked for days already absent, not days to come.")
    # Two clicks at once: the second waits here, then sees the first request.
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    if not Mark.objects.filter(
        school=school,
        pupil=pupil,
        date__range=(first_day, last_day),
        code__counts_as__in=(CountsAs.AUTHORISED, CountsAs.UNAUTHORISED),
    ).exists():
        raise DomainError(
            f"{pupil.name} has no absence recorded from {first_day:%-d %B} to "
            f"{last_day:%-d %B %Y}: there is nothing to ask evidence for."
        )
    earlier = (
        MedicalEvidenceRequest.objects.filter(
            school=school, pupil=pupil, first_day__lte=last_day, last_day__gte=first_day
        )
        .order_by("-requested_on")
        .first()
    )
    if earlier is not None:
        raise DomainError(
            f"Medical evidence for {pupil.name} was already asked for on "
            f"{earlier.requested_on:%-d %B %Y}, covering some of those days."
        )
    request.save()
    return request


@transaction.atomic
def medical_evidence_outcome_record(
    *, request: MedicalEvidenceRequest, outcome: str, by: User
) -> MedicalEvidenceRequest:
    """Record whether the evidence came in (it may be corrected until the absence is recoded).

    `by` is the member of staff recording it; the request keeps no field for them yet.
    """
    if outcome not in DECIDED:
        raise DomainError("Record the evidence as received or not received.")
    updated = MedicalEvidenceRequest.objects.filter(pk=request.pk, recoded_at__isnull=True).update(
        outcome=outcome, outcome_on=timezone.localdate(), outcome_by=by
    )
    if not updated:
        raise DomainError(
            "The absence was already recorded as unauthorised; the outcome can no longer change."
        )
    request.refresh_from_db()
    return request


@transaction.atomic
def illness_not_accepted(
    *, request: MedicalEvidenceRequest, parents_told_on: date | None, by: User
) -> MedicalEvidenceRequest:
    """The school is not satisfied: the illness (I) sessions of the request become
    unauthorised (O) as amendments, once the parents have been told.

    Steps: check the parents were told (a date, not in the future, not before the request);
    claim the request with a conditional update, so a second click or worker recodes nothing;
    recode the sessions still coded I, giving the reason on every amendment.
    """
    today = timezone.localdate()
    if parents_told_on is None:
        raise DomainError(
            "Tell the parents first: the absence is recorded as unauthorised only after they "
            "have been told. Give the date they were told."
        )
    if parents_told_on > today:
        raise DomainError(
            f"The parents must have been told already: {parents_told_on:%-d %B %Y} is still "
            "to come."
        )
    if parents_told_on < request.requested_on:
        raise DomainError(
            f"The parents were told on {parents_told_on:%-d %B %Y}, before the evidence was "
            f"asked for on {request.requested_on:%-d %B %Y}: give the date they were told the "
            "illness is not accepted."
        )
    claimed = MedicalEvidenceRequest.objects.filter(
        pk=request.pk, recoded_at__isnull=True, outcome=EvidenceOutcome.NOT_RECEIVED
    ).update(parents_told_on=parents_told_on, recoded_at=timezone.now())
    if not claimed:
        request.refresh_from_db()
        if request.recoded_at is not None:
            raise DomainError(
                f"This absence was already recorded as unauthorised on "
                f"{timezone.localtime(request.recoded_at):%-d %B %Y}."
            )
        raise DomainError(
            "Record that the medical evidence was not received before recording the illness "
            "as unauthorised."
        )
    illness = set(
        Mark.objects.filter(
            school_id=request.school_id,
            pupil_id=request.pupil_id,
            date__range=(request.first_day, request.last_day),
            code_id=ILLNESS,
        ).values_list("date", "session")
    )
    sessions = [
        session
        for session in school_sessions_between(
            school=request.school,
            first_day=request.first_day,
            last_day=request.last_day,
            first_session=request.first_session,
            last_session=request.last_session,
        )
        if session in illness
    ]
    if not sessions:
        raise DomainError("None of those days is coded as illness (I) any more: nothing to change.")
    pupil_sessions_recode(
        school=request.school,
        pupil=request.pupil,
        sessions=sessions,
        code=ABSENT_OTHER,
        reason=f"Medical evidence not received; parents told {parents_told_on:%-d %B %Y}",
        by=by,
    )
    request.refresh_from_db()
    return request
