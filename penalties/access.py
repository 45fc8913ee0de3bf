"""Which threshold cases, notices and ladder letters a user may reach: penalties' scoping.

The policies: the attendance lead monitors pupils' attendance and, with the head, requests
penalty notices from the local authority (`registers.permissions.VIEW_CASES`). Nobody else (not
the office, teachers, governors or the federation admin) sees a case.
"""

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404

from penalties.models import LadderLetter, PenaltyNotice, ThresholdCase
from registers import permissions
from registers.models import School

THRESHOLD_CASE_ROLES = permissions.roles_with(permissions.VIEW_CASES)


def get_school_for_cases(*, user: User, school_id: int) -> School:
    """A school whose threshold cases, notices and intervention ladder the user works on: its
    attendance lead or head (a 404 for another school, a 403 for another role there)."""
    return permissions.get_school_for(
        user=user, school_id=school_id, permission=permissions.VIEW_CASES
    )


def threshold_cases_visible_to(*, user: User) -> QuerySet[ThresholdCase]:
    """Cases (open and closed) of the schools where the user is attendance lead or head."""
    return ThresholdCase.objects.filter(
        school_id__in=permissions.school_ids_with_permission(
            user=user, permission=permissions.VIEW_CASES
        )
    )


def get_threshold_case_for_user(*, user: User, case_id: int) -> ThresholdCase:
    """A case the user may read; any other id, whoever's it is, is not found."""
    case = threshold_cases_visible_to(user=user).select_related("school", "pupil")
    if (found := case.filter(pk=case_id).first()) is None:
        raise Http404("No such case.")
    return found


def threshold_case_at_school(*, school: School, case_id: int) -> ThresholdCase:
    """A case of the school (the caller has checked the school); any other id is not found."""
    case = ThresholdCase.objects.select_related("pupil", "school__federation").filter(
        school=school, pk=case_id
    )
    found = case.first()
    if found is None:
        raise Http404("No such case at this school.")
    return found


def penalty_notice_at_school(*, school: School, notice_id: int) -> PenaltyNotice:
    notice = (
        PenaltyNotice.objects.select_related("parent", "pupil", "case")
        .filter(school=school, pk=notice_id)
        .first()
    )
    if notice is None:
        raise Http404("No such penalty notice at this school.")
    return notice


def ladder_letter_at_school(*, school: School, letter_id: int) -> LadderLetter:
    letter = (
        LadderLetter.objects.select_related("pupil", "school")
        .filter(school=school, pk=letter_id)
        .first()
    )
    if letter is None:
        raise Http404("No such letter at this school.")
    return letter
