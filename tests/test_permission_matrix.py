"""The permission matrix: every URL of the site and the API, every role, own school against
another school of the federation and a school of another federation.

Issue #7: "for every URL and API endpoint, every role, own school vs another school: the expected
200 / 403 / 404, generated from the URL configuration so a new endpoint without a rule fails the
test. Object references from another school (pupil, mark, case, letter, export) never reveal
anything." Issue #21: "404 for anything outside the user's scope, pages like the API": another
school's objects are a 404 (not a 403, which told that the id exists); a 403 is only for the
user's own school (or, for the federation admin, a school of its federation), where the role
may not do it.

The routes are read from `get_resolver()`; each name needs a RULE below (who may open it, and
whether it is a form posted to), written out role by role rather than read from
`registers.permissions.POLICY`, so that a change of the policy table or of a view's check fails
here. The world (three schools, each with a class, pupil, mark, call, leave request and letter,
part-time timetable, medical-evidence request, safeguarding flag, parent's report, threshold
case, notice to improve, penalty notice and ladder letter) is built once for the module inside a
transaction that is rolled back at the end; each test's own changes are rolled back too.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from absences.models import (
    CallDirection,
    CallOutcome,
    LeaveCategory,
    LeaveRequest,
    MedicalEvidenceRequest,
    ParentCall,
    ParentReport,
    PartTimeTimetable,
    ReportKind,
    SafeguardingFlag,
    TimetableReview,
    UnauthorisedAbsenceLetter,
)
from penalties.models import (
    LadderLetter,
    NoticeToImprove,
    PenaltyNotice,
    PenaltyNoticeKind,
    ThresholdCase,
)
from registers import permissions
from registers.models import MessageKind, OutboxMessage, OutboxStatus, Role
from registers.services.calendar import school_calendar_rebuild
from tests.conftest import LONDON, MONDAY
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    FederationFactory,
    GroupMembershipFactory,
    MarkFactory,
    MembershipFactory,
    PupilContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    SessionTimesFactory,
    TermFactory,
    UserFactory,
    make_upn,
)

pytestmark = pytest.mark.django_db

T, OFC, L, H, G, F = (
    Role.TEACHER,
    Role.OFFICE,
    Role.ATTENDANCE_LEAD,
    Role.HEAD,
    Role.GOVERNOR,
    Role.FEDERATION_ADMIN,
)
ROLES = (T, OFC, L, H, G, F)
WHOLE = frozenset({OFC, L, H})  # the office, the attendance lead and the head
CASES = frozenset({L, H})
FIGURES_ONLY = frozenset({G, H, L, F})  # the governors' dashboard and the federation overview
STAFF = frozenset(ROLES)


@dataclass(frozen=True)
class Rule:
    """Who may open a route at their own school: `roles` (a federation admin's role reaches
    every school of its federation). `post`: a form that only accepts POST (posted empty: the
    permitted get a 200, 302 or 400, never a 403/404). `denied`: the status for a role not
    permitted at its own school (the API's scoped detail views answer 404, not found)."""

    roles: frozenset
    post: bool = False
    denied: int = 403
    kind: str = "object"  # object | federation | list | site | parents


def page(roles, **kw) -> Rule:
    return Rule(frozenset(roles), **kw)


RULES: dict[str, Rule] = {
    # The site's own pages, open to every member of staff.
    "home": page(STAFF, kind="site"),
    # Registers: a teacher their own class (the world's teacher teaches its class), the
    # whole-school roles any class; amending, the late book and closures are the office's.
    "register": page({T, *WHOLE}),
    "mark_amend": page(WHOLE),
    "late_book": page(WHOLE),
    "school_closure": page(WHOLE),
    "missing_registers": page(WHOLE),
    "missing_registers_live": page(WHOLE),
    # Issue 19: the office sees its unsent and failed messages and tries them again.
    "school_messages": page(WHOLE),
    "school_message_retry": page(WHOLE, post=True),
    "pupil_history": page(WHOLE),
    "pupil_leaving": page(WHOLE),
    # Following up absence: the office, attendance lead and head.
    "absence_today": page(WHOLE),
    "safeguarding_flags": page(CASES),
    "safeguarding_flag_resolve": page(CASES, post=True),
    "followup_overview": page(WHOLE),
    "followup_continuing_absence": page(WHOLE),
    "followup_medical_evidence": page(WHOLE),
    "followup_evidence_request": page(WHOLE),
    "followup_evidence_outcome": page(WHOLE, post=True),
    "followup_evidence_not_accepted": page(WHOLE, post=True),
    "followup_overdue_n": page(WHOLE),
    **{
        f"followup_la_{name}{suffix}": page(WHOLE, post=suffix == "_sent")
        for name in ("illness", "continuous", "new_pupils", "deletions")
        for suffix in ("", "_csv", "_sent")
    },
    "followup_la_expected_illness": page(WHOLE, post=True),
    "followup_unauthorised_letters": page(WHOLE),
    "followup_unauthorised_letter": page(WHOLE),
    "pending_absence_reports": page(WHOLE),
    "pending_report_accept": page(WHOLE, post=True),
    "pending_report_reject": page(WHOLE, post=True),
    # Leave: the office records, only the head decides.
    "leave_requests": page(WHOLE),
    "leave_request_new": page(WHOLE),
    "leave_queue": page({H}),
    "leave_decide": page({H}),
    "leave_letter": page(WHOLE),
    "leave_letter_send": page(WHOLE, post=True),
    "leave_taken_anyway": page(WHOLE, post=True),
    "part_time_timetables": page(WHOLE),
    "part_time_timetable_new": page(WHOLE),
    "timetable_review": page(WHOLE),
    # Threshold cases, notices and the intervention ladder: the attendance lead and the head.
    "threshold_cases": page(CASES),
    "suspension_notices": page(CASES),
    "threshold_case": page(CASES),
    "threshold_case_support": page(CASES, post=True),
    "threshold_case_decide": page(CASES, post=True),
    "notice_to_improve": page(CASES, post=True),
    "notice_to_improve_letter": page(CASES),
    "penalty_notice_record": page(CASES, post=True),
    "penalty_notice_payment": page(CASES, post=True),
    "penalty_notice_la_decision": page(CASES, post=True),
    "intervention_ladder": page(CASES),
    "ladder_letters": page(CASES, post=True),
    "ladder_letters_preview": page(CASES),
    "ladder_letter_download": page(CASES),
    # Figures: pupil-level pages for staff; governors aggregates only.
    "report_school": page(WHOLE),
    "report_classes": page({T, *WHOLE}),
    "report_pupil": page({T, *WHOLE}),
    "report_census": page(WHOLE),
    "report_census_xml": page(WHOLE),
    "pupil_ctf": page(WHOLE),
    "governors_dashboard": page(FIGURES_ONLY),
    "governors_report": page(FIGURES_ONLY),
    "governors_csv": page(FIGURES_ONLY),
    "federation_overview": page(FIGURES_ONLY, kind="federation"),
    "federation_overview_csv": page(FIGURES_ONLY, kind="federation"),
    # The parents' pages refuse every member of staff (they are tested with parents in
    # tests/test_parents_pages.py).
    "parents_home": page(set(), kind="parents"),
    "parents_child": page(set(), kind="parents"),
    "parents_report_absence": page(set(), kind="parents"),
    "parents_ask_for_leave": page(set(), kind="parents"),
    "parents_letter": page(set(), kind="parents"),
    # The API. A detail outside the user's reach is not found (404); a register or mark of
    # another class is refused (403), as on the pages.
    "api:register": page({T, *WHOLE}),
    "api:mark_amend": page(WHOLE, post=True),
    "api:school": page(STAFF, denied=404),
    "api:school_figures": page(FIGURES_ONLY),
    "api:pupil": page({T, *WHOLE, F}, denied=404),
    "api:leave_request": page(WHOLE, denied=404),
    "api:case": page(CASES, denied=404),
    # The API's lists: everyone gets a 200; the rows are only those the role may read.
    "api:schools": page(STAFF, kind="list"),
    "api:groups": page({T, *WHOLE, F}, kind="list"),
    "api:pupils": page({T, *WHOLE, F}, kind="list"),
    "api:marks": page({T, *WHOLE, F}, kind="list"),
    "api:calls": page(WHOLE, kind="list"),
    "api:leave_requests": page(WHOLE, kind="list"),
    "api:cases": page(CASES, kind="list"),
    # The API's schema and its documentation page: any signed-in user (issue #21 finding 13).
    "api_schema": page(STAFF, kind="site"),
    "api_docs": page(STAFF, kind="site"),
}

# Signing in and out (its second step included: tests/test_two_step.py), and the parents'
# sign-in by e-mailed link, open before anyone is (wholly) signed in.
PUBLIC = {
    "login",
    "logout",
    "two_step",
    "two_step_set_up",
    "parent_sign_in_request",
    "parent_sign_in",
}

# Which list holds which object (the id each row carries).
LIST_OBJECTS = {
    "api:schools": "school_id",
    "api:groups": "group_id",
    "api:pupils": "pupil_id",
    "api:marks": "mark_id",
    "api:calls": "call_id",
    "api:leave_requests": "leave_id",
    "api:cases": "case_id",
}


def _routes(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """Every named route as (name, route), the admin and regular-expression routes left out."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            route = str(entry.pattern)
            if route.startswith("admin/"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            if "^" in route or "(?P" in route:
                continue  # static files, format suffixes
            yield f"{namespace}{entry.name}", route


ROUTES = dict(_routes(get_resolver().url_patterns))
CHECKED = sorted(name for name in ROUTES if name not in PUBLIC)


# The world ----------------------------------------------------------------------------------

SCHOOLS = {"own": "Alder Primary", "sister": "Birch Primary", "foreign": "Cedar Primary"}
SURNAMES = {"own": "Alderwick", "sister": "Birchmore", "foreign": "Cedarholme"}
PDF = b"%PDF-1.4\n% a stored letter\n"


def _school_world(key: str, federation, serial: int) -> dict:
    school = SchoolFactory(federation=federation, name=SCHOOLS[key])
    SessionTimesFactory(school=school)
    term = TermFactory(school=school)
    school_calendar_rebuild(school=school)
    now = timezone.now()
    teacher = UserFactory(username=f"teacher-{key}")
    MembershipFactory(user=teacher, school=school, role=T)
    office = UserFactory(username=f"office-{key}")
    MembershipFactory(user=office, school=school, role=OFC, position="Office manager")
    group = RegistrationGroupFactory(school=school, name="4A")
    group.teachers.add(teacher)
    pupil = PupilFactory(
        upn=make_upn(900 + serial), legal_forename="Quinlan", legal_surname=SURNAMES[key]
    )
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2025, 9, 1))
    GroupMembershipFactory(group=group, pupil=pupil, start_date=date(2025, 9, 1))
    contact = ContactFactory(name=f"Parent {SURNAMES[key]}")
    PupilContactFactory(pupil=pupil, contact=contact)
    mark = MarkFactory(pupil=pupil, school=school, date=MONDAY - timedelta(days=3), code_id="N")
    span = {"school": school, "pupil": pupil, "first_day": MONDAY + timedelta(days=14)}
    call = ParentCall.objects.create(
        school=school,
        pupil=pupil,
        contact=contact,
        contact_name=contact.name,
        direction=CallDirection.WE_CALLED,
        outcome=CallOutcome.NO_ANSWER,
        called_at=now,
        recorded_by=office,
    )
    leave = LeaveRequest.objects.create(
        **span,
        last_day=MONDAY + timedelta(days=15),
        category=LeaveCategory.EXCEPTIONAL,
        reason="A family funeral",
        received_on=MONDAY,
        recorded_by=office,
        recorded_at=now,
    )
    leave.letter.save(f"leave-{key}.pdf", ContentFile(PDF))
    timetable = PartTimeTimetable.objects.create(
        school=school,
        pupil=pupil,
        start=MONDAY,
        end=MONDAY + timedelta(days=40),
        sessions_off=["Fri PM"],
        reason="Phased return",
        agreed_by=office,
        agreed_at=now,
    )
    review = TimetableReview.objects.create(timetable=timetable, due_on=MONDAY + timedelta(14))
    evidence = MedicalEvidenceRequest.objects.create(
        school=school,
        pupil=pupil,
        first_day=MONDAY - timedelta(days=7),
        last_day=MONDAY - timedelta(days=1),
        requested_on=MONDAY,
        requested_by=office,
    )
    flag = SafeguardingFlag.objects.create(
        school=school, pupil=pupil, raised_on=MONDAY, raised_at=now, raised_by=office
    )
    report = ParentReport.objects.create(
        **span,
        last_day=MONDAY + timedelta(days=14),
        contact=contact,
        kind=ReportKind.ILLNESS,
        submitted_at=now,
        submitted_by=office,
    )
    case = ThresholdCase.objects.create(
        school=school,
        pupil=pupil,
        window_start=date(2025, 9, 3),
        window_end=MONDAY,
        sessions=10,
        opened_on=MONDAY,
        opened_at=now,
    )
    notice = NoticeToImprove.objects.create(
        case=case,
        improvement_start=MONDAY,
        improvement_end=MONDAY + timedelta(days=28),
        target_percent=Decimal("95.00"),
        sufficient_improvement="No unauthorised absence",
        support_so_far="Meetings",
        further_support="Mentoring",
        early_notice_grounds="",
        issued_by=office,
        issued_at=now,
    )
    notice.letter.save(f"notice-{key}.pdf", ContentFile(PDF))
    penalty = PenaltyNotice.objects.create(
        school=school,
        pupil=pupil,
        parent=contact,
        case=case,
        kind=PenaltyNoticeKind.NATIONAL,
        sequence=1,
        issued_on=MONDAY,
        served_by="hand",
        received_on=MONDAY,
        full_amount=Decimal("160.00"),
        full_due_on=MONDAY + timedelta(days=28),
        recorded_by=office,
        recorded_at=now,
    )
    ladder = LadderLetter.objects.create(
        school=school,
        pupil=pupil,
        kind="absence",
        half_term_start=date(2025, 9, 3),
        half_term_end=date(2025, 10, 24),
        period_start=date(2025, 9, 3),
        as_of=MONDAY,
        possible=6,
        attended=4,
        authorised=0,
        unauthorised=2,
        attendance_pct=Decimal("66.67"),
        requested_by=office,
        requested_at=now,
    )
    ladder.letter.save(f"ladder-{key}.pdf", ContentFile(PDF))
    unauthorised = UnauthorisedAbsenceLetter.objects.create(
        school=school, pupil=pupil, requested_at=now
    )
    unauthorised.letter.save(f"unauthorised-{key}.pdf", ContentFile(PDF))
    message = OutboxMessage.objects.create(
        school=school,
        kind=MessageKind.LADDER_LETTER,
        about_id=ladder.pk,
        key=f"matrix-{key}",
        description="Absence letter",
        status=OutboxStatus.FAILED,
        created_at=now,
        next_attempt_at=now,
    )
    return {
        "school": school,
        "pupil": pupil,
        "ids": {
            "school_id": school.pk,
            "federation_id": federation.pk,
            "group_id": group.pk,
            "mark_id": mark.pk,
            "pupil_id": pupil.pk,
            "call_id": call.pk,
            "leave_id": leave.pk,
            "review_id": review.pk,
            "request_id": evidence.pk,
            "flag_id": flag.pk,
            "report_id": report.pk,
            "case_id": case.pk,
            "notice_id": penalty.pk,
            "letter_id": ladder.pk,
            "unauthorised_letter_id": unauthorised.pk,
            "message_id": message.pk,
            "term_id": term.pk,
        },
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict]:
    """Alder and Birch Primary (one federation) and Cedar Primary (another); a member of staff
    of every role at Alder. Built once, rolled back when the module ends."""
    clock = time_machine.travel(datetime(2025, 9, 8, 9, 5, tzinfo=LONDON), tick=False)
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    with django_db_blocker.unblock(), clock, media:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            federation = FederationFactory(name="Marches Test Federation")
            built = {
                "own": _school_world("own", federation, 1),
                "sister": _school_world("sister", federation, 2),
                "foreign": _school_world("foreign", FederationFactory(name="Other One"), 3),
            }
            own = built["own"]["school"]
            users = {T: own.memberships.get(role=T).user, OFC: own.memberships.get(role=OFC).user}
            for role in (L, H, G, F):
                users[role] = UserFactory(username=f"{role}-own")
                MembershipFactory(user=users[role], school=own, role=role, position=role)
            built["users"] = users
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _url(name: str, ids: dict) -> str:
    fixed = {"day": MONDAY, "session": "AM", "table": "rates", "kind": "leave", "token": "x"}
    fields = re.findall(r"<(?:\w+:)?(\w+)>", ROUTES[name])
    return reverse(name, kwargs={field: ids.get(field, fixed.get(field)) for field in fields})


def _reaches(rule: Rule, role: str, variant: str) -> bool:
    """Whether the role's place at its own school carries to the variant's school (so its
    permission there, or its refusal, a 403)."""
    if variant == "own":
        return True
    if variant == "sister":
        return role == F or rule.kind == "federation"  # one federation, one overview
    return False


# Query parameters a route needs besides its path.
# (A governor's figures are for whole terms: every school's term is TermFactory's autumn term.)
QUERIES = {
    "api:school_figures": {"from": "2025-09-03", "to": "2025-12-19"},
    "ladder_letters_preview": {"kind": "absence"},
}


def _request(client, name: str, rule: Rule, url: str):
    if not rule.post:
        return client.get(url, QUERIES.get(name, {}))
    if name.startswith("api:"):
        return client.post(url, {}, content_type="application/json")
    return client.post(url, {})


def _assert_reveals_nothing(response, world: dict, variant: str, role: str) -> None:
    body = response.content.decode(errors="replace")
    other = world[variant]
    assert other["pupil"].legal_surname not in body
    assert other["pupil"].upn not in body
    if not (variant == "sister" and role == F):  # the admin may know its sister schools' names
        assert other["school"].name not in body


# The tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHECKED)
def test_every_route_has_a_rule(name):
    # Issue #7: "generated from the URL configuration so a new endpoint without a rule fails".
    assert name in RULES, f"add a rule for {name} to tests/test_permission_matrix.py"


def test_every_rule_is_for_a_route_that_exists():
    assert sorted(set(RULES) - set(ROUTES)) == []


def test_the_federation_admin_holds_only_reading_permissions():
    # The federation admin "every school of the federation" (issue #7): it reads, never acts.
    assert {
        permissions.VIEW_SCHOOL,
        permissions.VIEW_CLASSES,
        permissions.VIEW_PUPILS,
        permissions.VIEW_ALL_PUPILS,
        permissions.VIEW_DASHBOARD,
        permissions.VIEW_FEDERATION,
    } == permissions.FEDERATION_WIDE


def test_governors_hold_no_pupil_level_permission():
    # HMFA: governing bodies monitor "attendance figures for the whole school": aggregates only.
    held = permissions.permissions_of({G})
    assert held == {
        permissions.VIEW_SCHOOL,
        permissions.VIEW_DASHBOARD,
        permissions.VIEW_FEDERATION,
    }


MATRIX = [(name, role) for name in CHECKED if name in RULES for role in ROLES]


@pytest.mark.parametrize(("name", "role"), MATRIX)
def test_each_role_reaches_exactly_what_its_rule_allows(client, world, name, role):
    # Issue #7: own school and permitted 200, not permitted 403. Issue #21: another school's
    # object is a 404, pages like the API, and the answer names nothing of that school.
    rule = RULES[name]
    client.force_login(world["users"][role])
    if rule.kind in ("site", "parents"):
        response = _request(client, name, rule, _url(name, world["own"]["ids"]))
        expected = 200 if role in rule.roles else 403
        assert response.status_code == expected, f"{name} as {role}"
        return
    if rule.kind == "list":
        _assert_list_is_scoped(client, world, name, rule, role)
        return
    for variant in ("own", "sister", "foreign"):
        url = _url(name, world[variant]["ids"])
        response = _request(client, name, rule, url)
        status = response.status_code
        if role in rule.roles and _reaches(rule, role, variant):
            allowed = {200, 302, 400} if rule.post else {200}
            assert status in allowed, f"{url} as {role}: {status}"
        elif _reaches(rule, role, variant):
            assert status == rule.denied, f"{url} as {role}: {status}"
        else:
            assert status == 404, f"{url} as {role}: {status}, not 404"
            _assert_reveals_nothing(response, world, variant, role)
    # Another school's object under the user's own school: not found, and nothing of it shown.
    fields = re.findall(r"<(?:\w+:)?(\w+)>", ROUTES[name])
    objects = [f for f in fields if f.endswith("_id") and f not in ("school_id", "federation_id")]
    if "school_id" in fields and objects and role in rule.roles:
        ids = world["sister"]["ids"] | {"school_id": world["own"]["ids"]["school_id"]}
        response = _request(client, name, rule, _url(name, ids))
        assert response.status_code == 404, f"{name} with a sister school's ids as {role}"
        _assert_reveals_nothing(response, world, "sister", role)


def _assert_list_is_scoped(client, world: dict, name: str, rule: Rule, role: str) -> None:
    key = LIST_OBJECTS[name]
    response = client.get(reverse(name), {"page_size": 500})
    assert response.status_code == 200
    listed = {row["id"] for row in response.json()["results"]}
    visible = set()
    if role in rule.roles:
        visible.add(world["own"]["ids"][key])
        if role == F:
            visible.add(world["sister"]["ids"][key])
    mine = {world[v]["ids"][key] for v in ("own", "sister", "foreign")}
    assert listed & mine == visible, f"{name} as {role}"


# A route without a rule is failed by test_every_route_has_a_rule, not checked here.
@pytest.mark.parametrize("name", [name for name in CHECKED if name in RULES])
def test_signed_out_visitors_are_sent_to_sign_in(client, world, name):
    # Pages send a visitor to sign in; the API refuses (401 or 403) without saying more.
    rule = RULES[name]
    response = _request(client, name, rule, _url(name, world["own"]["ids"]))
    if name.startswith("api"):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        sign_in = reverse("parent_sign_in_request" if rule.kind == "parents" else "login")
        assert response["Location"].startswith(sign_in)
    _assert_reveals_nothing(response, world, "own", T)
