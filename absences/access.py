"""Every object an absences page touches is loaded here, scoped to the user's school and role.

Built on `registers.access`: the school first (a 404 for a school that is not the user's, a
403 naming nothing for a role there that may not), then the object within that school (any
other id is a 404). The views load everything through this
module, so the helpers of `registers.access` they use are exported here too.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from absences.models import (
    LeaveRequest,
    MedicalEvidenceRequest,
    ParentCall,
    ParentReport,
    SafeguardingFlag,
    TimetableReview,
    UnauthorisedAbsenceLetter,
)
from registers import permissions
from registers.access import (
    NOT_YOURS,
    get_pupil_at_school,
    get_school_for_head,
    get_school_for_office,
    has_permission,
)
from registers.models import Contact, Enrolment, Pupil, School

__all__ = [
    "NOT_YOURS",
    "SAFEGUARDING_ROLES",
    "NOT_A_PARENT",
    "ParentChild",
    "can_resolve_safeguarding",
    "children_for_parent",
    "get_child_for_parent",
    "get_contact_for_parent",
    "parent_report_at_school",
    "get_flag_at_school",
    "get_leave_request_for_user",
    "get_pupil_at_school",
    "get_school_for_head",
    "get_school_for_office",
    "get_school_for_safeguarding",
    "has_permission",
    "leave_request_at_school",
    "leave_requests_visible_to",
    "medical_evidence_request_at_school",
    "parent_calls_visible_to",
    "timetable_review_at_school",
    "unauthorised_letter_at_school",
]

# Luston and Shobdon 4.5 ("the school will take appropriate safeguarding actions"): the
# designated leads follow up; the office sees that a flag is open but does not resolve it.
SAFEGUARDING_ROLES = permissions.roles_with(permissions.RESOLVE_SAFEGUARDING)


def can_resolve_safeguarding(*, user: User, school: School) -> bool:
    return has_permission(
        user=user, school_id=school.pk, permission=permissions.RESOLVE_SAFEGUARDING
    )


def get_school_for_safeguarding(*, user: User, school_id: int) -> School:
    """A school whose safeguarding follow-ups the user resolves: its attendance lead or head."""
    return permissions.get_school_for(
        user=user, school_id=school_id, permission=permissions.RESOLVE_SAFEGUARDING
    )


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


def unauthorised_letter_at_school(*, school: School, letter_id: int) -> UnauthorisedAbsenceLetter:
    """A drawn unauthorised-absence letter of this school; any other id, or one not yet
    drawn, is not found."""
    letter = (
        UnauthorisedAbsenceLetter.objects.filter(pk=letter_id, school=school)
        .exclude(letter="")
        .first()
    )
    if letter is None:
        raise Http404("No such letter at this school.")
    return letter


# The API's lists. The contact log and leave requests are the office's work, with the
# attendance lead and head (the pages' rule: `get_school_for_office`); governors and federation
# admins see neither.


def parent_calls_visible_to(*, user: User) -> QuerySet[ParentCall]:
    """Calls logged at the schools where the user is the office, attendance lead or head."""
    return ParentCall.objects.filter(
        school_id__in=permissions.school_ids_with_permission(
            user=user, permission=permissions.LOG_CALLS
        )
    )


def leave_requests_visible_to(*, user: User) -> QuerySet[LeaveRequest]:
    """Leave requests of the schools where the user is the office, attendance lead or head."""
    return LeaveRequest.objects.filter(
        school_id__in=permissions.school_ids_with_permission(
            user=user, permission=permissions.RECORD_LEAVE
        )
    )


def get_leave_request_for_user(*, user: User, leave_id: int) -> LeaveRequest:
    """A leave request the user may read; any other id, whoever's it is, is not found."""
    leave = (
        leave_requests_visible_to(user=user)
        .select_related("school", "pupil", "decided_by", "recorded_by")
        .filter(pk=leave_id)
        .first()
    )
    if leave is None:
        raise Http404("No such leave request.")
    return leave


# The parents' pages. A parent's account has no Membership, so every staff page refuses it
# (it holds no role at any school); these pages refuse any account that is not a contact's.
# A parent sees the children for whom they have parental responsibility and who are on roll
# today.
NOT_A_PARENT = "These pages are for parents and carers signed in with the link sent to them."


@dataclass(frozen=True)
class ParentChild:
    pupil: Pupil
    school: School  # the school whose roll the child is on today
    contact: Contact  # the signed-in parent


def get_contact_for_parent(*, user: User) -> Contact:
    """The signed-in parent's contact record; staff (no contact) are refused with a 403."""
    contact = Contact.objects.filter(user=user).first() if user.is_authenticated else None
    if contact is None:
        raise PermissionDenied(NOT_A_PARENT)
    return contact


def _children_enrolments(*, contact: Contact) -> QuerySet[Enrolment]:
    today = timezone.localdate()
    # Single registration and the main school first: a dual-registered child is shown once.
    return (
        Enrolment.objects.filter(start_date__lte=today)
        .filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=today))
        .filter(
            pupil__pupil_contacts__contact=contact,
            pupil__pupil_contacts__parental_responsibility=True,
        )
        .select_related("pupil", "school")
        .order_by("pupil__legal_forename", "pupil_id", "registration_type")
    )


def children_for_parent(*, contact: Contact) -> list[ParentChild]:
    """Every child of this parent (parental responsibility, on roll today), in one query."""
    seen: dict[int, ParentChild] = {}
    for enrolment in _children_enrolments(contact=contact):
        seen.setdefault(
            enrolment.pupil_id,
            ParentChild(pupil=enrolment.pupil, school=enrolment.school, contact=contact),
        )
    return list(seen.values())


def get_child_for_parent(*, user: User, pupil_id: int) -> ParentChild:
    """One child of the signed-in parent; any other pupil, whoever's, is not found (404)."""
    contact = get_contact_for_parent(user=user)
    enrolment = _children_enrolments(contact=contact).filter(pupil_id=pupil_id).first()
    if enrolment is None:
        raise Http404("No such child.")
    return ParentChild(pupil=enrolment.pupil, school=enrolment.school, contact=contact)


def parent_report_at_school(*, school: School, report_id: int) -> ParentReport:
    """A parent's report to this school (the caller has checked the school); any other id is
    not found."""
    report = (
        ParentReport.objects.select_related("pupil", "school", "contact")
        .filter(pk=report_id, school=school)
        .first()
    )
    if report is None:
        raise Http404("No such report at this school.")
    return report
