"""The navigation bar of every page: the places the user's role works in, each with how much is
waiting there (registers not yet taken, absences to chase, parents' reports pending, leave
waiting for the head, safeguarding flags, threshold cases needing a decision).

Issue #22: "Navigation by role with counts". Which links a role sees follows the permission
table (`registers.permissions.POLICY`), so a link never leads to a 403. The counts are each
app's own selectors (expressions over a school row), asked together in one query; the user's
roles are the request's memo (no query more). Lazy: a page that does not draw the bar (an
export, a fragment) asks nothing.

The school the bar is for: the page's own (`school_id` in its URL) where the user has a role
there, else the first school of the user's own (non-federation) roles, else none (a federation
admin sees the federation's pages only).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from absences.selectors import counts as absence_counts
from penalties.selectors import cases_needing_a_decision
from registers import permissions as p
from registers.access import is_parent
from registers.lib import statements
from registers.models import School
from registers.selectors import registers_not_taken_count_expression


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    count: int | None = None  # how much is waiting there; None: the place has no count
    count_words: str = ""  # what the count counts, for a screen reader ("not taken")
    current: bool = False


@dataclass(frozen=True)
class Navigation:
    school_id: int | None  # the school whose places the bar shows
    items: list[NavItem]

    @property
    def waiting(self) -> list[NavItem]:
        """The places with something waiting (the home page's to-do list)."""
        return [item for item in self.items if item.count]


# (label, URL name, permission, count key, what the count counts). Order: the day's work first.
_SCHOOL_PLACES = [
    ("Registers", "missing_registers", p.MONITOR_REGISTERS, "registers", "to take"),
    ("Absence today", "absence_today", p.LOG_CALLS, "absences", "to chase"),
    ("Parents' reports", "pending_absence_reports", p.FOLLOW_UP_ABSENCE, "reports", "pending"),
    ("Late book", "late_book", p.KEEP_LATE_BOOK, None, ""),
    ("Follow-up", "followup_overview", p.FOLLOW_UP_ABSENCE, None, ""),
    ("Leave", "leave_requests", p.RECORD_LEAVE, None, ""),
    ("Leave to decide", "leave_queue", p.DECIDE_LEAVE, "leave", "waiting for you"),
    ("Safeguarding", "safeguarding_flags", p.RESOLVE_SAFEGUARDING, "flags", "open"),
    ("Threshold cases", "threshold_cases", p.VIEW_CASES, "cases", "need a decision"),
    ("Intervention ladder", "intervention_ladder", p.VIEW_CASES, None, ""),
    ("Figures", "report_school", p.VIEW_SCHOOL_FIGURES, None, ""),
    ("Class figures", "report_classes", p.VIEW_CLASS_FIGURES, None, ""),
    ("Governors' dashboard", "governors_dashboard", p.VIEW_DASHBOARD, None, ""),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `nav`, the bar for the signed-in user (None when signed out)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": None}
    return {"nav": SimpleLazyObject(lambda: build_navigation(request))}


def build_navigation(request: HttpRequest) -> Navigation:
    user = request.user
    assert isinstance(user, User)  # `navigation` builds it only for a signed-in user
    match = request.resolver_match
    here = match.url_name if match else None
    by_school = p.roles_by_school(user=user)
    if not by_school:
        items = []
        if is_parent(user=user):
            items = [
                NavItem("Your children", reverse("parents_home"), current=here == "parents_home")
            ]
        return Navigation(school_id=None, items=items)
    school_id = _school_for(request, by_school)
    items = [NavItem("Today", reverse("home"), current=here == "home")]
    if school_id is None:
        return Navigation(school_id=None, items=items + _federation_items(user, by_school, here))
    granted = p.permissions_of(by_school[school_id])
    places = [place for place in _SCHOOL_PLACES if place[2] in granted]
    keys = {place[3] for place in places if place[3]}
    # A teacher's registers are on the home page: "Today" counts those not yet taken.
    teacher_only = p.TAKE_REGISTER in granted and p.MONITOR_REGISTERS not in granted
    if teacher_only:
        keys.add("registers")
    federation_id, counts = _school_counts(
        school_id=school_id, keys=keys, teacher=None if p.TAKE_ANY_REGISTER in granted else user
    )
    if teacher_only:
        items[0] = NavItem(
            "Today", items[0].url, counts["registers"], "registers to take", items[0].current
        )
    for label, name, _permission, key, words in places:
        if name == "report_classes" and p.VIEW_SCHOOL_FIGURES in granted:
            continue  # the school's figures page leads to the classes'
        items.append(
            NavItem(
                label,
                reverse(name, args=[school_id]),
                count=counts[key] if key else None,
                count_words=words,
                current=here == name,
            )
        )
    if p.VIEW_FEDERATION in granted and federation_id:
        url = reverse("federation_overview", args=[federation_id])
        items.append(NavItem("Federation", url, current=here == "federation_overview"))
    return Navigation(school_id=school_id, items=items)


def _school_for(request: HttpRequest, by_school: dict[int, frozenset[str]]) -> int | None:
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    asked = kwargs.get("school_id")
    if asked in by_school:
        return asked
    own = sorted(school for school, roles in by_school.items() if roles - {p.FEDERATION_ADMIN})
    return own[0] if own else None


def _federation_items(user, by_school: dict, here: str | None) -> list[NavItem]:
    """A federation admin with no role of their own at a school: the federation's overview."""
    federations = (
        School.objects.filter(pk__in=by_school).values_list("federation_id", flat=True).distinct()
    )
    return [
        NavItem(
            "Federation",
            reverse("federation_overview", args=[federation]),
            current=here == "federation_overview",
        )
        for federation in federations
        if federation is not None
    ]


# Values no request has, which the counts' statement is compiled with (`_school_counts`).
_SCHOOL, _TEACHER, _DAY, _MOMENT = -1_000_003, -1_000_001, date(1901, 2, 3), time(4, 5, 6, 789)
_STAND_INS = {"school": _SCHOOL, "teacher": _TEACHER, "day": _DAY, "moment": _MOMENT}
# The counts' statement for each shape of bar (which counts; whether of one teacher's classes),
# compiled once per process.
_compiled: dict[tuple[frozenset[str], bool], statements.Compiled] = {}


def _school_counts(
    *, school_id: int, keys: set[str], teacher: User | None
) -> tuple[int, dict[str, int]]:
    """The school's federation and each count of `keys`, in one query.

    On PostgreSQL the ORM builds and compiles the statement once per process for each shape,
    with stand-in values, and each page sends it with its own (prepared once a connection has
    sent it a few times): building a dozen subqueries through the ORM on every page cost more
    CPU than the rest of a register page. SQLite builds it every time.
    """
    now = timezone.localtime()
    using = School.objects.db
    if not statements.prepared_statements(using):
        expressions = _count_expressions(keys, teacher, now.date(), now.time())
        found = (
            School.objects.filter(pk=school_id)
            .annotate(**expressions)
            .values_list("federation_id", *expressions)
            .get()
        )
        columns: tuple[str, ...] = ("federation_id", *expressions)
    else:
        shape = (frozenset(keys), teacher is not None)
        if shape not in _compiled:
            stand_in = User(pk=_TEACHER) if teacher is not None else None
            expressions = _count_expressions(keys, stand_in, _DAY, _MOMENT)
            _compiled[shape] = statements.compile_once(
                School.objects.filter(pk=_SCHOOL)
                .annotate(**expressions)
                .values_list("federation_id", *expressions),
                _STAND_INS,
            )
        compiled = _compiled[shape]
        values = {
            "school": school_id,
            "teacher": teacher.pk if teacher is not None else None,
            "day": now.date(),
            "moment": now.time(),
        }
        found_rows = compiled.fetch(values, using=using)
        if not found_rows:
            raise School.DoesNotExist
        found, columns = found_rows[0], compiled.columns
    row = dict(zip(columns, found, strict=True))
    return row["federation_id"], {key: row[f"count_{key}"] for key in keys}


def _count_expressions(keys: set[str], teacher: User | None, day: date, moment: time) -> dict:
    """{`count_<key>`: its expression over a school row}; `teacher`: only their registers."""
    makers = {
        "registers": lambda: registers_not_taken_count_expression(
            now=datetime.combine(day, moment), teacher=teacher
        ),
        "absences": lambda: absence_counts.absences_to_chase(day=day),
        "reports": absence_counts.parent_reports_pending,
        "leave": absence_counts.leave_waiting_for_head,
        "flags": absence_counts.safeguarding_flags_open,
        "cases": cases_needing_a_decision,
    }
    return {f"count_{key}": makers[key]() for key in keys}
