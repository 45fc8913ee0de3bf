"""Which threshold cases, notices and ladder letters a user may reach: penalties' scoping.

The policies: the attendance lead monitors pupils' attendance and, with the head, requests
penalty notices from the local authority (`registers.permissions.VIEW_CASES`). Nobody else (not
the office, teachers, governors or the federation admin) sees a case.
"""

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404

from penalties.models import ThresholdCase
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
