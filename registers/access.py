"""Every object a register page or API view touches is loaded here, scoped to the user.

Views never call `Model.objects.get` themselves. An id that does not exist is a 404; one that
belongs to a school (or class) the user may not act on is a 403 whose message names nothing of
that school, so neither answer reveals another school's pupils.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from registers.models import Mark, Membership, Pupil, RegistrationGroup, Role, School

# The policies: teachers take their own classes' registers; the office and the head (and the
# attendance lead, who works with them) any class in their school.
WHOLE_SCHOOL_REGISTER_ROLES = frozenset({Role.OFFICE, Role.ATTENDANCE_LEAD, Role.HEAD})
NOT_YOURS = "You do not have access to this."


def role_at(*, user: AbstractBaseUser, school_id: int) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, school_id=school_id)
        .values_list("role", flat=True)
        .first()
    )


def groups_for_registers(*, user: AbstractBaseUser) -> QuerySet[RegistrationGroup]:
    """The classes whose registers the user takes: their own, or their whole school's."""
    whole_school = Membership.objects.filter(
        user=user, role__in=WHOLE_SCHOOL_REGISTER_ROLES
    ).values("school_id")
    own = Membership.objects.filter(user=user, role=Role.TEACHER).values("school_id")
    return RegistrationGroup.objects.filter(school_id__in=whole_school) | (
        RegistrationGroup.objects.filter(school_id__in=own, teachers=user)
    )


def can_take_register(*, user: AbstractBaseUser, group: RegistrationGroup) -> bool:
    role = role_at(user=user, school_id=group.school_id)
    if role in WHOLE_SCHOOL_REGISTER_ROLES:
        return True
    return role == Role.TEACHER and group.teachers.filter(pk=user.pk).exists()


def get_group_for_register(*, user: AbstractBaseUser, group_id: int) -> RegistrationGroup:
    group = RegistrationGroup.objects.select_related("school").filter(pk=group_id).first()
    if group is None:
        raise Http404("No such class.")
    if not can_take_register(user=user, group=group):
        raise PermissionDenied(NOT_YOURS)
    return group


def get_school_for_office(*, user: AbstractBaseUser, school_id: int) -> School:
    """A school whose late book, closures and pupils' history the user keeps."""
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    if role_at(user=user, school_id=school.pk) not in WHOLE_SCHOOL_REGISTER_ROLES:
        raise PermissionDenied(NOT_YOURS)
    return school


def get_mark_for_amending(*, user: AbstractBaseUser, mark_id: int) -> Mark:
    """Office, attendance lead and head amend any mark of their school."""
    mark = Mark.objects.select_related("pupil", "school", "code").filter(pk=mark_id).first()
    if mark is None:
        raise Http404("No such mark.")
    if role_at(user=user, school_id=mark.school_id) not in WHOLE_SCHOOL_REGISTER_ROLES:
        raise PermissionDenied(NOT_YOURS)
    return mark


def get_school_for_head(*, user: AbstractBaseUser, school_id: int) -> School:
    """A school where the user decides leave and notices: only its head (both policies)."""
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    if role_at(user=user, school_id=school.pk) != Role.HEAD:
        raise PermissionDenied(NOT_YOURS)
    return school


def get_pupil_at_school(*, school: School, pupil_id: int) -> Pupil:
    """A pupil ever on the school's admission register (the caller has checked the school);
    any other id is simply not found."""
    pupil = Pupil.objects.filter(pk=pupil_id, enrolments__school=school).distinct().first()
    if pupil is None:
        raise Http404("No such pupil at this school.")
    return pupil
