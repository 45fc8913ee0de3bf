"""Every object a register page or API view touches is loaded here, scoped to the user.

Views never call `Model.objects.get` themselves. An id that does not exist, and one that
belongs to a school where the user has no place, are both a 404, so that no answer tells which
ids exist; at the user's own school, a class or mark their role may not act on is a 403 whose
message names nothing (`registers.permissions.require_permission`).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from registers import permissions
from registers.models import (
    Contact,
    Enrolment,
    GroupMembership,
    Mark,
    OutboxMessage,
    Pupil,
    RegistrationGroup,
    School,
)
from registers.permissions import NOT_YOURS, get_school_for
from registers.permissions import has_permission as has_permission  # for the views

# Who may do what is `registers.permissions.POLICY`; these role sets are read from it.
# Teachers take their own classes' registers; the office and the head (and the attendance lead,
# who works with them) any class in their school.
WHOLE_SCHOOL_REGISTER_ROLES = permissions.roles_with(permissions.TAKE_ANY_REGISTER)


def groups_for_registers(*, user: AbstractBaseUser) -> QuerySet[RegistrationGroup]:
    """The classes whose registers the user takes: their own, or their whole school's."""
    whole_school = permissions.school_ids_with_permission(
        user=user, permission=permissions.TAKE_ANY_REGISTER
    )
    own = permissions.school_ids_with_permission(user=user, permission=permissions.TAKE_REGISTER)
    return RegistrationGroup.objects.filter(school_id__in=whole_school) | (
        RegistrationGroup.objects.filter(school_id__in=own, teachers=user)
    )


def can_take_register(*, user: AbstractBaseUser, group: RegistrationGroup) -> bool:
    """Any class for the whole-school roles; a teacher only a class they teach."""
    granted = permissions.permissions_of(permissions.roles_at(user=user, school_id=group.school_id))
    if permissions.TAKE_ANY_REGISTER in granted:
        return True
    if permissions.TAKE_REGISTER not in granted:
        return False
    # Read with the class by `get_group_for_register`; asked here for a class loaded elsewhere.
    taught = getattr(group, "taught_by_user", None)
    if taught is None:
        taught = group.teachers.filter(pk=user.pk).exists()
    return taught


def get_group_for_register(*, user: AbstractBaseUser, group_id: int) -> RegistrationGroup:
    """The class with its school and whether the user teaches it, in one query."""
    group = (
        RegistrationGroup.objects.select_related("school")
        .annotate(
            taught_by_user=Exists(
                RegistrationGroup.teachers.through.objects.filter(
                    registrationgroup_id=OuterRef("pk"), user_id=user.pk
                )
            )
        )
        .filter(pk=group_id)
        .order_by()
        .first()
    )
    if group is None or not permissions.roles_at(user=user, school_id=group.school_id):
        raise Http404("No such class.")
    if not can_take_register(user=user, group=group):
        raise PermissionDenied(NOT_YOURS)
    return group


def get_school_for_office(*, user: AbstractBaseUser, school_id: int) -> School:
    """A school whose late book, closures and pupils' history the user keeps."""
    return get_school_for(user=user, school_id=school_id, permission=permissions.KEEP_LATE_BOOK)


def get_school_for_messages(*, user: AbstractBaseUser, school_id: int) -> School:
    """A school whose outgoing messages the user follows up (the office, lead and head)."""
    return get_school_for(user=user, school_id=school_id, permission=permissions.SEE_MESSAGES)


def get_message_at_school(*, school: School, message_id: int) -> OutboxMessage:
    """One of the school's outgoing messages; another school's is not found."""
    message = OutboxMessage.objects.filter(pk=message_id, school=school).first()
    if message is None:
        raise Http404("No such message.")
    return message


def get_mark_for_amending(*, user: AbstractBaseUser, mark_id: int) -> Mark:
    """Office, attendance lead and head amend any mark of their school."""
    mark = Mark.objects.select_related("pupil", "school", "code").filter(pk=mark_id).first()
    if mark is None:
        raise Http404("No such mark.")
    permissions.require_permission(
        user=user,
        school_id=mark.school_id,
        permission=permissions.AMEND_MARKS,
        not_found="No such mark.",
    )
    return mark


def get_school_for_head(*, user: AbstractBaseUser, school_id: int) -> School:
    """A school where the user decides leave and notices: only its head (both policies)."""
    return get_school_for(user=user, school_id=school_id, permission=permissions.DECIDE_LEAVE)


def get_pupil_at_school(*, school: School, pupil_id: int) -> Pupil:
    """A pupil ever on the school's admission register (the caller has checked the school);
    any other id is simply not found."""
    pupil = Pupil.objects.filter(pk=pupil_id, enrolments__school=school).distinct().first()
    if pupil is None:
        raise Http404("No such pupil at this school.")
    return pupil


# The API's lists: what each user may read, as querysets, so that a list and its detail view
# share one scoping decision and another school's objects are simply not there (a 404).
# Governors see figures only, never pupil-level data (a class list is not pupil data).


def _schools_with(user: AbstractBaseUser, permission: str) -> QuerySet:
    return permissions.school_ids_with_permission(user=user, permission=permission)


def schools_visible_to(*, user: AbstractBaseUser) -> QuerySet[School]:
    """Every school the user works at (any role), and a federation admin's whole federation."""
    if not user.is_authenticated:
        return School.objects.none()
    return School.objects.filter(pk__in=_schools_with(user, permissions.VIEW_SCHOOL))


def groups_visible_to(*, user: AbstractBaseUser) -> QuerySet[RegistrationGroup]:
    """Every class of the schools where the user reads pupils (a teacher sees the school's
    classes, though only their own classes' pupils); none for a governor."""
    if not user.is_authenticated:
        return RegistrationGroup.objects.none()
    return RegistrationGroup.objects.filter(
        school_id__in=_schools_with(user, permissions.VIEW_CLASSES)
    )


def _taught_by(*, user: AbstractBaseUser) -> Exists:
    """The mark's pupil has been in a class the user teaches, at the mark's school, where the
    user reads pupils (as their teacher)."""
    return Exists(
        GroupMembership.objects.filter(
            pupil_id=OuterRef("pupil_id"),
            group__school_id=OuterRef("school_id"),
            group__teachers=user,
            group__school_id__in=_schools_with(user, permissions.VIEW_PUPILS),
        )
    )


def pupils_visible_to(*, user: AbstractBaseUser) -> QuerySet[Pupil]:
    """Pupils ever on the roll of a school whose pupils the user reads, and a teacher's pupils
    (ever in one of their classes); none for a governor."""
    if not user.is_authenticated:
        return Pupil.objects.none()
    enrolled = Enrolment.objects.filter(
        school_id__in=_schools_with(user, permissions.VIEW_ALL_PUPILS), pupil=OuterRef("pk")
    )
    taught = GroupMembership.objects.filter(
        pupil=OuterRef("pk"),
        group__teachers=user,
        group__school_id__in=_schools_with(user, permissions.VIEW_PUPILS),
    )
    return Pupil.objects.filter(Exists(enrolled) | Exists(taught))


def marks_visible_to(*, user: AbstractBaseUser) -> QuerySet[Mark]:
    """Every mark of a school whose pupils the user reads; a teacher's pupils' marks at the
    teacher's school; none for a governor."""
    if not user.is_authenticated:
        return Mark.objects.none()
    return Mark.objects.filter(
        Q(school_id__in=_schools_with(user, permissions.VIEW_ALL_PUPILS)) | _taught_by(user=user)
    )


def get_pupil_for_user(*, user: AbstractBaseUser, pupil_id: int) -> Pupil:
    """A pupil the user may read; any other id, whoever's it is, is not found."""
    pupil = pupils_visible_to(user=user).filter(pk=pupil_id).first()
    if pupil is None:
        raise Http404("No such pupil.")
    return pupil


def get_school_for_user(*, user: AbstractBaseUser, school_id: int) -> School:
    """A school the user works at (or administers); any other id is not found."""
    school = schools_visible_to(user=user).select_related("federation").filter(pk=school_id)
    if (found := school.first()) is None:
        raise Http404("No such school.")
    return found


def is_parent(*, user: AbstractBaseUser) -> bool:
    """A parent or carer who signs in to the parents' pages (a contact linked to the account)."""
    return user.is_authenticated and Contact.objects.filter(user=user).exists()
