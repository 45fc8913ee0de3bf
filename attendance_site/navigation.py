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
    school: School | None
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
        return Navigation(school=None, items=items)
    school_id = _school_for(request, by_school)
    items = [NavItem("Today", reverse("home"), current=here == "home")]
    if school_id is None:
        return Navigation(school=None, items=items + _federation_items(user, by_school, here))
    granted = p.permissions_of(by_school[school_id])
    places = [place for place in _SCHOOL_PLACES if place[2] in granted]
    keys = {place[3] for place in places if place[3]}
    # A teacher's registers are on the home page: "Today" counts those not yet taken.
    teacher_only = p.TAKE_REGISTER in granted and p.MONITOR_REGISTERS not in granted
    if teacher_only:
        keys.add("registers")
    expressions = _count_expressions(keys, user, granted)
    # Any: the school row carries the counts annotated here, which its model does not declare.
    school: Any = (
        School.objects.filter(pk=school_id)
        .annotate(**expressions)
        .select_related("federation")
        .get()
    )
    if teacher_only:
        items[0] = NavItem(
            "Today",
            items[0].url,
            school.count_registers,  # annotated above
            "registers to take",
            items[0].current,
        )
    for label, name, _permission, key, words in places:
        if name == "report_classes" and p.VIEW_SCHOOL_FIGURES in granted:
            continue  # the school's figures page leads to the classes'
        items.append(
            NavItem(
                label,
                reverse(name, args=[school_id]),
                count=getattr(school, f"count_{key}") if key else None,
                count_words=words,
                current=here == name,
            )
        )
    if p.VIEW_FEDERATION in granted and school.federation_id:
        url = reverse("federation_overview", args=[school.federation_id])
        items.append(NavItem("Federation", url, current=here == "federation_overview"))
    return Navigation(school=school, items=items)


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


def _count_expressions(keys: set[str], user, granted: frozenset[str]) -> dict:
    now = timezone.localtime()
    teacher = None if p.TAKE_ANY_REGISTER in granted else user
    makers = {
        "registers": lambda: registers_not_taken_count_expression(now=now, teacher=teacher),
        "absences": lambda: absence_counts.absences_to_chase(day=now.date()),
        "reports": absence_counts.parent_reports_pending,
        "leave": absence_counts.leave_waiting_for_head,
        "flags": absence_counts.safeguarding_flags_open,
        "cases": cases_needing_a_decision,
    }
    return {f"count_{key}": makers[key]() for key in keys}
