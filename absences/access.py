"""Every object an absences page touches is loaded here, scoped to the user's school and role.

Built on `registers.access`: the school first (a 403 naming nothing of another school's), then
the object within that school (any other id is a 404). The views load everything through this
module, so the helpers of `registers.access` they use are exported here too.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from absences.models import LeaveRequest, MedicalEvidenceRequest, SafeguardingFlag, TimetableReview
from registers.access import (
    NOT_YOURS,
    get_pupil_at_school,
    get_school_for_head,
    get_school_for_office,
    role_at,
)
from registers.models import Role, School

__all__ = [
    "NOT_YOURS",
    "SAFEGUARDING_ROLES",
    "can_resolve_safeguarding",
    "get_flag_at_school",
    "get_pupil_at_school",
    "get_school_for_head",
    "get_school_for_office",
    "get_school_for_safeguarding",
    "leave_request_at_school",
    "medical_evidence_request_at_school",
    "role_at",
    "timetable_review_at_school",
]

# Luston and Shobdon 4.5 ("the school will take appropriate safeguarding actions"): the
# designated leads follow up; the office sees that a flag is open but does not resolve it.
SAFEGUARDING_ROLES = frozenset({Role.ATTENDANCE_LEAD, Role.HEAD})


def can_resolve_safeguarding(*, user: AbstractBaseUser, school: School) -> bool:
    return role_at(user=user, school_id=school.pk) in SAFEGUARDING_ROLES


def get_school_for_safeguarding(*, user: AbstractBaseUser, school_id: int) -> School:
    """A school whose safeguarding follow-ups the user resolves: its attendance lead or head."""
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    if not can_resolve_safeguarding(user=user, school=school):
        raise PermissionDenied(NOT_YOURS)
    return school


def get_flag_at_school(*, school: School, flag_id: int) -> SafeguardingFlag:
    """A flag of this school (the caller has checked the school); any other id is not found."""
    flag = SafeguardingFlag.objects.select_related("pupil").filter(pk=flag_id, school=school)
    if (found := flag.first()) is None:
        raise Http404("No such safeguarding follow-up at this school.")
    return found


def leave_request_at_school(*, school: School, leave_id: int) -> LeaveRequest:
    """A leave request of this school (the caller has checked the school); any other id is not
    found."""
    leave = (
        LeaveRequest.objects.filter(school=school, pk=leave_id)
        .select_related("school", "pupil", "decided_by", "recorded_by")
        .first()
    )
    if leave is None:
        raise Http404("No such leave request at this school.")
    return leave


def timetable_review_at_school(*, school: School, review_id: int) -> TimetableReview:
    """A review of the school's timetables (the caller has checked the school); any other id is
    not found."""
    review = (
        TimetableReview.objects.filter(pk=review_id, timetable__school=school)
        .select_related("timetable", "timetable__pupil")
        .first()
    )
    if review is None:
        raise Http404("No such review at this school.")
    return review


def medical_evidence_request_at_school(
    *, school: School, request_id: int
) -> MedicalEvidenceRequest:
    """A request of this school (the caller has checked the school); any other id is not found."""
    request = (
        MedicalEvidenceRequest.objects.select_related("pupil", "school", "requested_by")
        .filter(pk=request_id, school=school)
        .first()
    )
    if request is None:
        raise Http404("No such request at this school.")
    return request
