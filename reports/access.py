"""Who may see which figures: every report page and export loads its school, class, pupil and
term here, scoped to the user's role at that school.

All checks of the reports sit in this module, built on the permission layer
(`registers.permissions`: VIEW_SCHOOL_FIGURES, VIEW_CLASS_FIGURES, VIEW_DASHBOARD,
VIEW_FEDERATION). A school (or federation) the user has no place at is a 404, as an id that
does not exist is; a role there that may not see the page is a 403 naming nothing; an id that
is not of that school is a 404.

Governors see figures only: no page or export that names or identifies a pupil (the governors'
dashboard, built separately, shows aggregates with small cohorts suppressed).
"""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from registers import permissions
from registers.models import (
    Federation,
    GroupMembership,
    Pupil,
    RegistrationGroup,
    School,
    Term,
)
from registers.permissions import NOT_YOURS


def _school(*, school_id: int) -> School:
    school = School.objects.select_related("federation").filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    return school


def get_school_for_figures(*, user: User, school_id: int) -> School:
    """The head's / attendance lead's page and the school's exports."""
    return permissions.get_school_for(
        user=user, school_id=school_id, permission=permissions.VIEW_SCHOOL_FIGURES
    )


def _class_figures_scope(*, user: User, school: School) -> bool:
    """Whether the user sees the whole school's classes (True) or only their own (False);
    a 403 for a role with no class figures there."""
    roles = permissions.roles_at(user=user, school_id=school.pk)
    if not roles:
        raise Http404("No such school.")
    granted = permissions.permissions_of(roles)
    if permissions.VIEW_CLASS_FIGURES not in granted:
        raise PermissionDenied(NOT_YOURS)
    return permissions.VIEW_SCHOOL_FIGURES in granted


def get_pupil_for_transfer(*, user: User, school_id: int, pupil_id: int) -> tuple[School, Pupil]:
    """A pupil ever on the school's roll, whose common transfer file the office sends."""
    school = permissions.get_school_for(
        user=user, school_id=school_id, permission=permissions.SEND_TRANSFER_FILES
    )
    pupil = Pupil.objects.filter(pk=pupil_id, enrolments__school=school).distinct().first()
    if pupil is None:
        raise Http404("No such pupil at this school.")
    return school, pupil


def get_school_for_class_figures(
    *, user: User, school_id: int
) -> tuple[School, QuerySet[RegistrationGroup]]:
    """The teacher's page: the school and the classes whose figures the user sees there."""
    school = _school(school_id=school_id)
    whole_school = _class_figures_scope(user=user, school=school)
    groups = RegistrationGroup.objects.filter(school=school)
    if not whole_school:
        groups = groups.filter(teachers=user)
    return school, groups.order_by("name")


def get_pupil_for_profile(*, user: User, school_id: int, pupil_id: int) -> tuple[School, Pupil]:
    """A pupil ever on the school's roll; a teacher only a pupil ever in one of their classes."""
    school = _school(school_id=school_id)
    whole_school = _class_figures_scope(user=user, school=school)
    pupil = Pupil.objects.filter(pk=pupil_id, enrolments__school=school).distinct().first()
    if pupil is None:
        raise Http404("No such pupil at this school.")
    if not whole_school and not (
        GroupMembership.objects.filter(
            pupil=pupil, group__school=school, group__teachers=user
        ).exists()
    ):
        raise PermissionDenied(NOT_YOURS)
    return school, pupil


def get_term_at_school(*, school: School, term_id: int) -> Term:
    """A term of this school (the caller has checked the school); any other id is not found."""
    term = Term.objects.filter(pk=term_id, school=school).first()
    if term is None:
        raise Http404("No such term at this school.")
    return term


def get_school_for_dashboard(*, user: User, school_id: int) -> School:
    """A school whose governors' dashboard the user sees: a dashboard role there, or the admin
    of its federation. Nobody sees another federation's schools."""
    return permissions.get_school_for(
        user=user, school_id=school_id, permission=permissions.VIEW_DASHBOARD
    )


def sees_pupil_level(*, user: User, school: School) -> bool:
    """Whether the user reads the school's pupils one by one (its office, attendance lead and
    head, and its federation's admin); a governor sees aggregates only, and those only as the
    dashboard shows them (whole terms, small counts withheld)."""
    return permissions.has_permission(
        user=user, school_id=school.pk, permission=permissions.VIEW_ALL_PUPILS
    )


def _schools_of(federation: Federation, *, user: User, permission: str) -> QuerySet:
    return School.objects.filter(
        federation=federation,
        pk__in=permissions.school_ids_with_permission(user=user, permission=permission),
    )


def get_federation_for_overview(*, user: User, federation_id: int) -> Federation:
    """A federation whose overview the user sees: its admin, or a governor, head or attendance
    lead of one of its schools."""
    federation = Federation.objects.filter(pk=federation_id).first()
    if federation is None:
        raise Http404("No such federation.")
    if not _schools_of(federation, user=user, permission=permissions.VIEW_FEDERATION).exists():
        if not _schools_of(federation, user=user, permission=permissions.VIEW_SCHOOL).exists():
            raise Http404("No such federation.")  # none of its schools is the user's
        raise PermissionDenied(NOT_YOURS)
    return federation


def dashboard_school_ids(*, user: User, federation: Federation) -> set[int]:
    """The schools of the federation whose dashboard the user may open (links on the
    overview): all of them for its admin, else those where the user has a dashboard role."""
    schools = _schools_of(federation, user=user, permission=permissions.VIEW_DASHBOARD)
    return set(schools.values_list("pk", flat=True))
