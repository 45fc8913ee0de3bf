"""The permission layer: who may do what at which school, as data, and the one check of it.

Every page, API view and export decides access here, through the access helpers of each app
(`registers.access`, `absences.access`, `penalties.access`, `reports.access`), which load the
object, scope it to its school and ask `has_permission`. Nothing else compares roles.

What a refusal says: anything at a school where the user has no place is not found (404), like
an id that does not exist, on the pages as in the API, so that no answer tells which ids exist.
At a school where the user has a role, something that role may not do is a 403 naming nothing.

A member of staff has one `Membership` (role and position) per school. The role decides the
permissions there, from `POLICY` below, which follows the two federations' policies
(`/shared/seeds/`: HMFA's "Roles and responsibilities"; Luston and Shobdon's sections 3-8).

The federation admin: a Membership with role FEDERATION_ADMIN at one school of a federation
reaches every school of that federation (its federation's schools, found in the same query as the
user's own role), and no school outside it. The role has only the *reading* permissions listed
for it (schools, classes, pupils and marks through the API, the governors' dashboards and the
federation overview): it takes no register, keeps no late book, decides nothing. A role at a
school always counts there too, so a federation admin who also teaches at one school teaches
there as a teacher.

Within a request the user's roles are read once, for every school at the same time
(`RolesPerRequest`, a middleware): the page's access checks and its links then ask no more
queries. Outside a request (tasks, commands, tests calling these functions) each check asks the
database, so a role changed meanwhile always counts.
"""

from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import FilteredRelation, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from registers.lib import statements
from registers.models import Membership, Role, School

NOT_YOURS = "You do not have access to this."

TEACHER = Role.TEACHER
OFFICE = Role.OFFICE
LEAD = Role.ATTENDANCE_LEAD
HEAD = Role.HEAD
GOVERNOR = Role.GOVERNOR
FEDERATION_ADMIN = Role.FEDERATION_ADMIN

# Permission names (use these constants, never a string literal, so a typo fails at import).
VIEW_SCHOOL = "view_school"
TAKE_REGISTER = "take_register"
TAKE_ANY_REGISTER = "take_any_register"
AMEND_MARKS = "amend_marks"
KEEP_LATE_BOOK = "keep_late_book"
RECORD_CLOSURES = "record_closures"
VIEW_PUPIL_HISTORY = "view_pupil_history"
MONITOR_REGISTERS = "monitor_registers"
VIEW_LATE_REGISTERS = "view_late_registers"
LOG_CALLS = "log_calls"
FOLLOW_UP_ABSENCE = "follow_up_absence"
RECORD_LEAVE = "record_leave"
DECIDE_LEAVE = "decide_leave"
RESOLVE_SAFEGUARDING = "resolve_safeguarding"
VIEW_CASES = "view_cases"
DECIDE_NOTICES = "decide_notices"
VIEW_CLASSES = "view_classes"
VIEW_PUPILS = "view_pupils"
VIEW_ALL_PUPILS = "view_all_pupils"
VIEW_SCHOOL_FIGURES = "view_school_figures"
VIEW_CLASS_FIGURES = "view_class_figures"
VIEW_DASHBOARD = "view_dashboard"
VIEW_FEDERATION = "view_federation"
SEND_TRANSFER_FILES = "send_transfer_files"
SEE_MESSAGES = "see_messages"

_WHOLE_SCHOOL = frozenset({OFFICE, LEAD, HEAD})

POLICY: dict[str, frozenset[str]] = {
    # Any place at the school: its name and details (the API's school list).
    VIEW_SCHOOL: frozenset(Role.values),
    # HMFA: "Class teachers are responsible for recording attendance on a daily basis"; the
    # office and the head (with the attendance lead, who works with them) take any class's
    # register when the teacher cannot. A teacher only their own classes (checked per class).
    TAKE_REGISTER: frozenset({TEACHER, *_WHOLE_SCHOOL}),
    TAKE_ANY_REGISTER: _WHOLE_SCHOOL,
    # HMFA: a reason "accepted by the school at a later stage" is entered as an amendment, by
    # the office following up absence (L&S 4.1-4.3), the attendance lead or the head.
    AMEND_MARKS: _WHOLE_SCHOOL,
    # HMFA: late pupils "enter school via the main reception area, where the reason for lateness
    # will be recorded" (the office's late book); closures are recorded by the same staff.
    KEEP_LATE_BOOK: _WHOLE_SCHOOL,
    RECORD_CLOSURES: _WHOLE_SCHOOL,
    VIEW_PUPIL_HISTORY: _WHOLE_SCHOOL,
    # L&S 3: the office checks every register is returned; the head (who "holds" the
    # registers, HMFA) also sees the registers taken after they closed, week by week.
    MONITOR_REGISTERS: _WHOLE_SCHOOL,
    VIEW_LATE_REGISTERS: frozenset({HEAD}),
    # HMFA: "the office staff ... will contact the parents or carers to establish the reason";
    # L&S 4.1-4.5: first-day calls, continuing absence, medical evidence, the LA's reports.
    LOG_CALLS: _WHOLE_SCHOOL,
    FOLLOW_UP_ABSENCE: _WHOLE_SCHOOL,
    # The office records a written leave request; "A leave of absence is granted entirely at
    # the Headteacher/Head of School's discretion" (HMFA; L&S 6): only the head decides.
    RECORD_LEAVE: _WHOLE_SCHOOL,
    DECIDE_LEAVE: frozenset({HEAD}),
    # L&S 4.5 "the school will take appropriate safeguarding actions": the designated leads.
    RESOLVE_SAFEGUARDING: frozenset({LEAD, HEAD}),
    # HMFA: the attendance officer "liaise[s] with the Headteacher ... and issues fixed-penalty
    # notices requests to the local authority": threshold cases, notices to improve, penalty
    # notices and the intervention ladder's letters are theirs (L&S 7-8).
    VIEW_CASES: frozenset({LEAD, HEAD}),
    DECIDE_NOTICES: frozenset({LEAD, HEAD}),
    # Pupil-level reading (the API): teachers their classes' pupils (checked per pupil), the
    # whole-school staff every pupil of the school, the federation admin every school of the
    # federation. Governors never: "monitoring attendance figures for the whole school" (HMFA).
    VIEW_CLASSES: frozenset({TEACHER, *_WHOLE_SCHOOL, FEDERATION_ADMIN}),
    VIEW_PUPILS: frozenset({TEACHER, *_WHOLE_SCHOOL, FEDERATION_ADMIN}),
    VIEW_ALL_PUPILS: frozenset({*_WHOLE_SCHOOL, FEDERATION_ADMIN}),
    # The head: "Monitoring school-level absence data and reporting it to governors" (HMFA);
    # the school's pupil-level figures and exports are the whole-school staff's, class figures
    # also a teacher's (their own classes, checked per class).
    VIEW_SCHOOL_FIGURES: _WHOLE_SCHOOL,
    VIEW_CLASS_FIGURES: frozenset({TEACHER, *_WHOLE_SCHOOL}),
    # The Education (Pupil Information) (England) Regulations 2005: the school a pupil leaves
    # sends their common transfer file to the next; the office keeps the admission register.
    SEND_TRANSFER_FILES: _WHOLE_SCHOOL,
    # The messages the school sends parents and staff (letters, first-day messages, register
    # reminders): the office follows them up, so it sees those unsent or failed and tries again.
    SEE_MESSAGES: _WHOLE_SCHOOL,
    # Governing bodies "are responsible for monitoring attendance figures for the whole school
    # on at least a termly basis" (HMFA): aggregates only, with the head and attendance lead
    # who report to them, and the federation admin for every school of the federation.
    VIEW_DASHBOARD: frozenset({GOVERNOR, HEAD, LEAD, FEDERATION_ADMIN}),
    # Boards benchmark "to comparator schools within the trust" (HMFA): the overview of the
    # federation, for its admin and the dashboard roles of any of its schools.
    VIEW_FEDERATION: frozenset({GOVERNOR, HEAD, LEAD, FEDERATION_ADMIN}),
}

# Who must sign in with a time-based one-time code as well as a password (issue #21): the head,
# the office and the federation admin, who between them reach every pupil's record and decide;
# also the admin site's users (`attendance_site.two_step`). Others may choose to.
SECOND_FACTOR_ROLES = frozenset({OFFICE, HEAD, FEDERATION_ADMIN})

# A federation admin's role counts at every school of its federation for these; every one is
# a reading permission (the test pins that FEDERATION_ADMIN holds no other).
FEDERATION_WIDE = frozenset(p for p, roles in POLICY.items() if FEDERATION_ADMIN in roles)


def roles_with(permission: str) -> frozenset[str]:
    """The roles that hold `permission` (a KeyError for an unknown name: no silent deny)."""
    return POLICY[permission]


def roles_at(*, user: User, school_id: int) -> frozenset[str]:
    """The user's roles at the school: their own membership there, and FEDERATION_ADMIN when
    they administer the school's federation from any of its schools (one query, and within a
    request one query for every school)."""
    if not user.is_authenticated:
        return frozenset()
    memo = _request_roles.get()
    if memo is None:
        return _roles_by_school(user, school_id=school_id).get(school_id, frozenset())
    if user.pk not in memo:
        memo[user.pk] = _roles_by_school(user)
    return memo[user.pk].get(school_id, frozenset())


def roles_anywhere(*, user: User) -> frozenset[str]:
    """Every role the user holds at any school (one query, none more within a request)."""
    return frozenset().union(*roles_by_school(user=user).values())


def roles_by_school(*, user: User) -> dict[int, frozenset[str]]:
    """{school id: the user's roles there} for every school they reach (one query, none more
    within a request)."""
    if not user.is_authenticated:
        return {}
    memo = _request_roles.get()
    if memo is None:
        return _roles_by_school(user)
    if user.pk not in memo:
        memo[user.pk] = _roles_by_school(user)
    return memo[user.pk]


def _roles_by_school(user: User, *, school_id: int | None = None) -> dict:
    """{school id: the user's roles there}, for one school or all of them, in one query: each
    membership, and for a federation admin's each school of its federation."""
    found: dict[int, set[str]] = {}
    for own, role, administered in _membership_rows(user.pk, school_id):
        found.setdefault(own, set()).add(role)
        if administered is not None:
            found.setdefault(administered, set()).add(role)
    return {school: frozenset(roles) for school, roles in found.items()}


def _memberships(user: User | int, school_id: int | None) -> QuerySet:
    rows = (
        Membership.objects.filter(user=user)
        .annotate(
            administered=FilteredRelation(
                "school__federation__schools", condition=Q(role=FEDERATION_ADMIN)
            )
        )
        .order_by()
    )
    if school_id is not None:
        rows = rows.filter(Q(school_id=school_id) | Q(administered__pk=school_id))
    return rows.values_list("school_id", "role", "administered__pk")


# Values no request has, which the memberships' statement is compiled with.
_STAND_INS = {"user": -1_000_001, "school": -1_000_003}
# The memberships' statement (all schools, or one), compiled once per process: every page reads
# the user's roles, and the ORM took longer to build this query than PostgreSQL to answer it.
_compiled: dict[bool, statements.Compiled] = {}


def _membership_rows(user_id: int, school_id: int | None) -> list[tuple]:
    using = Membership.objects.db
    if not statements.prepared_statements(using):
        return list(_memberships(user_id, school_id))
    one = school_id is not None
    if one not in _compiled:
        _compiled[one] = statements.compile_once(
            _memberships(_STAND_INS["user"], _STAND_INS["school"] if one else None), _STAND_INS
        )
    return _compiled[one].fetch({"user": user_id, "school": school_id}, using=using)


# {user id: {school id: roles}} for the request being answered; None outside a request.
_request_roles: ContextVar[dict | None] = ContextVar("request_roles", default=None)


class RolesPerRequest:
    """Middleware: the user's roles are read at most once per request (see `roles_at`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_roles.set({})
        try:
            return self.get_response(request)
        finally:
            _request_roles.reset(token)


def permissions_of(roles: Iterable[str]) -> frozenset[str]:
    roles = set(roles)
    return frozenset(p for p, allowed in POLICY.items() if roles & allowed)


def has_permission(*, user: User, school_id: int, permission: str) -> bool:
    """Whether the user holds `permission` at the school (one query, none more per request)."""
    return bool(roles_at(user=user, school_id=school_id) & roles_with(permission))


def school_ids_with_permission(*, user: User, permission: str) -> QuerySet:
    """The ids of the schools where the user holds `permission`, as a subquery (for lists)."""
    if not user.is_authenticated:
        return School.objects.none().values("pk")
    roles = roles_with(permission)
    memberships = Membership.objects.filter(user=user)
    own = memberships.filter(role__in=roles).values("school_id")
    if FEDERATION_ADMIN not in roles:
        return School.objects.filter(pk__in=own).values("pk")
    federations = memberships.filter(role=FEDERATION_ADMIN).values("school__federation_id")
    return School.objects.filter(Q(pk__in=own) | Q(federation_id__in=federations)).values("pk")


def require_permission(
    *, user: User, school_id: int, permission: str, not_found: str = "No such school."
) -> None:
    """Nothing when the user holds `permission` at the school. A school where the user has no
    place at all is not found (404, saying `not_found`: the caller's words for an id that does
    not exist), so that no answer tells which ids exist; at the user's own school, a role that
    may not do this is refused (403), naming nothing."""
    roles = roles_at(user=user, school_id=school_id)
    if not roles:
        raise Http404(not_found)
    if not roles & roles_with(permission):
        raise PermissionDenied(NOT_YOURS)


def get_school_for(*, user: User, school_id: int, permission: str) -> School:
    """The school, when the user holds `permission` there: an unknown id and a school where the
    user has no place are both a 404; a role there that may not do this a 403 (one query, and
    the user's roles, read once per request)."""
    require_permission(user=user, school_id=school_id, permission=permission)
    school = School.objects.select_related("federation").filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    return school
