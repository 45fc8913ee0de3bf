"""Every form that creates something is safe to send twice: a double click creates one.

Issue #17: "every form that creates something is safe to submit twice (a double click creates
one)". Each case below opens the page as the person who uses it, reads the form from the HTML
(with the one-time token it carries), fills it in, and sends exactly the same thing twice: the
first does what it asks and goes on to the next page, the second changes no row of the
project's apps and goes to the same page with a message. A last test reads every template: a
form posted to has the token, except those that create nothing.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from absences.access import children_for_parent
from absences.models import (
    LeaveCategory,
    LeaveRequest,
    MedicalEvidenceRequest,
    ParentReport,
    ReportKind,
    SafeguardingFlag,
    TimetableReview,
)
from absences.services.evidence import medical_evidence_request
from absences.services.leave import leave_request_record
from absences.services.parents import absence_report_submit
from absences.services.timetables import part_time_timetable_agree
from penalties.models import PenaltyNotice, PenaltyNoticeKind, ThresholdCase
from penalties.services.cases import threshold_cases_open
from penalties.services.penalty_notices import penalty_notice_record
from registers.middleware import ALREADY_SENT
from registers.models import (
    Contact,
    Mark,
    Pupil,
    RegistrationGroup,
    School,
    SubmittedForm,
)
from registers.services.register import RegisterEntry, register_submit
from registers.services.submit_once import FIELD
from registers.tasks import forget_submitted_forms
from tests.conftest import LONDON
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilContactFactory,
    UserFactory,
)
from tests.html_forms import Form, form_data, forms_on
from tests.test_bad_input import row_counts

pytestmark = pytest.mark.django_db

TODAY = date(2025, 10, 1)  # a Wednesday of the `school` fixture's autumn term
SEPTEMBER_WEEK = [date(2025, 9, 8 + offset) for offset in range(5)]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2025, 10, 1, 10, 0, tzinfo=LONDON), tick=False):
        yield


@dataclass
class World:
    school: School
    group: RegistrationGroup
    pupils: list[Pupil]
    head: User
    teacher: User
    case: ThresholdCase
    parent: Contact
    parent_user: User
    leave: LeaveRequest
    evidence: MedicalEvidenceRequest
    review: TimetableReview
    flag: SafeguardingFlag
    report: ParentReport
    notice: PenaltyNotice


@pytest.fixture
def world(school, class_4a, pupils_4a, teacher_4a, head) -> World:
    """A threshold case with a parent, this morning's register with one pupil absent (N), leave
    to decide, a medical-evidence request, a timetable review, a safeguarding flag, a parent's
    report and a penalty notice."""
    truant, absent, away, ill, part_time = pupils_4a
    for day in SEPTEMBER_WEEK:
        for session in ("AM", "PM"):
            MarkFactory(pupil=truant, school=school, date=day, session=session, code_id="G")
            MarkFactory(pupil=ill, school=school, date=day, session=session, code_id="I")
    threshold_cases_open(school=school, as_of=date(2025, 9, 19))
    case = ThresholdCase.objects.get()
    mother = PupilContactFactory(pupil=truant, contact__name="Mona Parent").contact
    notice = penalty_notice_record(
        case=case,
        parent=mother,
        kind=PenaltyNoticeKind.NATIONAL,
        issued_on=date(2025, 9, 24),
        served_by="hand",
        by=head,
    )
    register_submit(
        group=class_4a,
        day=TODAY,
        session="AM",
        entries=[RegisterEntry(pupil_id=p.pk, code="N" if p == absent else "/") for p in pupils_4a],
        by=teacher_4a,
    )
    leave = leave_request_record(
        school=school,
        pupil=away,
        first_day=date(2025, 10, 20),
        first_session="AM",
        last_day=date(2025, 10, 21),
        last_session="PM",
        category=LeaveCategory.EXCEPTIONAL,
        reason="A family funeral",
        evidence="",
        received_on=TODAY,
        by=head,
    )
    evidence = medical_evidence_request(
        school=school, pupil=ill, first_day=SEPTEMBER_WEEK[0], last_day=SEPTEMBER_WEEK[-1], by=head
    )
    timetable = part_time_timetable_agree(
        school=school,
        pupil=part_time,
        start=date(2025, 9, 29),
        end=date(2025, 12, 12),
        sessions_off=["Fri PM"],
        reason="Phased return after illness",
        review_dates=[TODAY],
        by=head,
    )
    flag = SafeguardingFlag.objects.create(
        school=school, pupil=truant, raised_on=TODAY, raised_at=datetime.now(LONDON), raised_by=head
    )
    parent_user = UserFactory(username="parent-pat")
    parent = ContactFactory(name="Pat Parent", email="pat@example.org", user=parent_user)
    PupilContactFactory(pupil=away, contact=parent, priority=1)
    [child] = children_for_parent(contact=parent)
    report = absence_report_submit(
        child=child,
        kind=ReportKind.ILLNESS,
        first_day=date(2025, 10, 2),
        first_session="AM",
        last_day=None,
        appointment_time=None,
        details="Sick",
        by=parent_user,
    )
    return World(
        school=school,
        group=class_4a,
        pupils=pupils_4a,
        head=head,
        teacher=teacher_4a,
        case=case,
        parent=parent,
        parent_user=parent_user,
        leave=leave,
        evidence=evidence,
        review=timetable.reviews.get(),
        flag=flag,
        report=report,
        notice=notice,
    )


@dataclass(frozen=True)
class Case:
    """One form: who opens which page, how to find the form on it, and what to type."""

    who: Callable[[World], object]
    page: Callable[[World], str]
    action: str  # a part of the form's action URL (the page itself: "")
    values: Callable[[World], dict]
    button: tuple[str, str] | None = None


def _s(w: World) -> int:
    return w.school.pk


CASES = {
    "register": Case(
        lambda w: w.teacher,
        lambda w: reverse("register", args=[w.group.pk, TODAY, "PM"]),
        "",
        lambda w: {f"code-{p.pk}": "\\" for p in w.pupils},
        ("action", "save"),
    ),
    "amend a mark": Case(
        lambda w: w.head,
        lambda w: reverse("mark_amend", args=[Mark.objects.get(code_id="N").pk]),
        "",
        lambda w: {"code": "I", "reason": "Mother rang: ill"},
    ),
    "late book": Case(
        lambda w: w.head,
        lambda w: reverse("late_book", args=[_s(w)]),
        "",
        lambda w: {
            "pupil": str(w.pupils[1].pk),
            "session": "AM",
            "arrived_at": "09:40",
            "reason": "Dentist",
        },
    ),
    "log a call": Case(
        lambda w: w.head,
        lambda w: reverse("absence_today", args=[_s(w)]),
        "",
        lambda w: {
            "pupil": str(w.pupils[1].pk),
            "contact": "",
            "contact_name": "Aunt",
            "direction": "we_called",
            "outcome": "no_answer",
            "code": "",
        },
    ),
    "record leave": Case(
        lambda w: w.head,
        lambda w: reverse("leave_request_new", args=[_s(w)]),
        "",
        lambda w: {
            "pupil": str(w.pupils[0].pk),
            "category": "C",
            "first_day": "2025-11-10",
            "last_day": "2025-11-11",
            "reason": "Wedding abroad",
            "received_on": "2025-10-01",
            "requested_by_name": "Mona Parent",
        },
    ),
    "decide leave": Case(
        lambda w: w.head,
        lambda w: reverse("leave_decide", args=[_s(w), w.leave.pk]),
        "",
        lambda w: {"decision": "refuse", "reason": "Not exceptional"},
    ),
    "agree a part-time timetable": Case(
        lambda w: w.head,
        lambda w: reverse("part_time_timetable_new", args=[_s(w)]),
        "",
        lambda w: {
            "pupil": str(w.pupils[3].pk),
            "start": "2025-10-06",
            "end": "2025-11-28",
            "sessions_off": "Mon PM",
            "reason": "Medical advice",
            "review_1": "2025-10-20",
        },
    ),
    "hold a timetable review": Case(
        lambda w: w.head,
        lambda w: reverse("timetable_review", args=[_s(w), w.review.pk]),
        "",
        lambda w: {"notes": "Going well"},
    ),
    "ask for medical evidence": Case(
        lambda w: w.head,
        lambda w: reverse("followup_medical_evidence", args=[_s(w)]),
        "",
        lambda w: {
            "pupil": str(w.pupils[0].pk),
            "first_day": "2025-09-08",
            "last_day": "2025-09-09",
        },
    ),
    "record the evidence's outcome": Case(
        lambda w: w.head,
        lambda w: reverse("followup_evidence_request", args=[_s(w), w.evidence.pk]),
        "outcome",
        lambda w: {"outcome": "received"},
    ),
    "resolve a safeguarding flag": Case(
        lambda w: w.head,
        lambda w: reverse("safeguarding_flags", args=[_s(w)]),
        "resolve",
        lambda w: {"resolution": "Spoke to mother at the gate"},
    ),
    "accept a parent's report": Case(
        lambda w: w.head,
        lambda w: reverse("pending_absence_reports", args=[_s(w)]),
        "accept",
        lambda w: {"code": "I"},
    ),
    "record support on a case": Case(
        lambda w: w.head,
        lambda w: reverse("threshold_case", args=[_s(w), w.case.pk]),
        "support",
        lambda w: {"what": "Attendance meeting", "offered_on": "2025-09-30"},
    ),
    "decide a case's route": Case(
        lambda w: w.head,
        # One step's form at a time (issue #22): the decision is asked for by its link.
        lambda w: reverse("threshold_case", args=[_s(w), w.case.pk]) + "?step=decision",
        "decide",
        lambda w: {"route": "support", "reason": "Engaging with support"},
    ),
    "record a penalty notice's payment": Case(
        lambda w: w.head,
        lambda w: reverse("threshold_case", args=[_s(w), w.case.pk]),
        "payment",
        lambda w: {"paid_on": "2025-09-30", "amount": "80"},
    ),
    "record a suspension notice": Case(
        lambda w: w.head,
        lambda w: reverse("suspension_notices", args=[_s(w)]),
        "",
        lambda w: {"issued_on": "2025-09-30", "served_by": "hand"},
    ),
    "a parent reports an absence": Case(
        lambda w: w.parent_user,
        lambda w: reverse("parents_report_absence", args=[w.leave.pupil_id]),
        "",
        lambda w: {"kind": "illness", "first_day": "2025-10-03", "details": "Temperature"},
    ),
    "a parent asks for leave": Case(
        lambda w: w.parent_user,
        lambda w: reverse("parents_ask_for_leave", args=[w.leave.pupil_id]),
        "",
        lambda w: {
            "category": "C",
            "first_day": "2025-11-17",
            "last_day": "2025-11-17",
            "reason": "Funeral",
        },
    ),
}


def _the_form(forms: list[Form], case: Case, pupil_id: str | None) -> Form:
    found = [form for form in forms if case.action in form.action]
    if pupil_id is not None and len(found) > 1:  # the today page: one call form per pupil
        found = [
            form
            for form in found
            if any(f.name == "pupil" and f.value == pupil_id for f in form.fields)
        ]
    assert found, f"no form posting to ...{case.action}"
    return found[0]


@pytest.mark.parametrize("name", list(CASES))
def test_a_form_sent_twice_does_its_work_once(client, world, name):
    # Issue #17: "every form that creates something is safe to submit twice (a double click
    # creates one)".
    case = CASES[name]
    client.force_login(case.who(world))
    url = case.page(world)
    page = client.get(url)
    assert page.status_code == 200, url
    values = case.values(world)
    form = _the_form(forms_on(page.content.decode(), url), case, values.get("pupil"))
    data = form_data(form, **values)
    if case.button:
        data[case.button[0]] = case.button[1]
    assert data.get(FIELD), f"{name}: the form carries no one-time token"
    before = row_counts()

    first = client.post(form.action, data)
    assert first.status_code == 302, (
        name,
        re.findall(r"error[^>]*>([^<]*(?:<li>[^<]*)?)", first.content.decode()),
    )
    done = row_counts()
    assert done != before, f"{name}: the first submission changed nothing"
    second = client.post(form.action, data)

    assert second.status_code == 302 and second["Location"] == first["Location"], name
    assert row_counts() == done, f"{name}: the second submission changed something"
    assert ALREADY_SENT in client.get(second["Location"], follow=True).content.decode()


def test_a_refused_form_keeps_its_token_free_to_send_again_once_corrected(client, world):
    # Only a form that did its work uses its token up: the corrected form is not "already sent".
    client.force_login(world.head)
    url = reverse("late_book", args=[world.school.pk])
    form = forms_on(client.get(url).content.decode(), url)[0]
    line = {"pupil": str(world.pupils[1].pk), "session": "AM", "arrived_at": "09:40"}

    refused = client.post(url, form_data(form, **line, reason=""))
    accepted = client.post(url, form_data(form, **line, reason="Dentist"))

    assert refused.status_code == 400 and accepted.status_code == 302
    assert SubmittedForm.objects.count() == 1


def test_a_parents_request_for_a_sign_in_link_sent_twice_sends_one_email(
    client, world, django_capture_on_commit_callbacks
):
    # A double click on "send me a link" sends one e-mail (sent by a task once the request
    # commits, issue 21).
    url = reverse("parent_sign_in_request")
    form = forms_on(client.get(url).content.decode(), url)[0]
    data = form_data(form, email="pat@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
        assert client.post(url, data).status_code == 302
    assert len(mail.outbox) == 1


# Forms that create nothing, and so carry no token: signing in and out, a link's confirmation
# (used once by its own token), and the CTF download (a file, not a record).
NO_TOKEN = {
    "base.html": "signing out",
    "registration/login.html": "signing in",
    "registration/two_step.html": "signing in: the one-time code",
    "registration/two_step_set_up.html": "signing in: setting up the one-time codes",
    "parents/sign_in.html": "the e-mailed link is itself used once",
    "reports/pupil_ctf.html": "a download",
    "registers/closure.html": "its first form only asks what the closure would change",
}


def test_every_form_posted_to_carries_a_one_time_token():
    # Issue #17: "find every such form and make it so".
    root = Path(settings.BASE_DIR) / "templates"
    missing = []
    for path in sorted(root.rglob("*.html")):
        name = str(path.relative_to(root))
        text = path.read_text()
        for form in re.findall(r'<form method="post".*?</form>', text, re.S):
            if "{% form_once %}" not in form and name not in NO_TOKEN:
                missing.append(name)
    assert missing == []
    # The closure's confirmation does carry one.
    closure = (root / "registers/closure.html").read_text()
    assert closure.count("{% form_once %}") == 1 and 'name="confirm"' in closure


def test_the_tokens_of_forms_sent_are_forgotten_after_a_week():
    # A token only has to outlive the page it was drawn on; the nightly task forgets the rest.
    now = timezone.now()
    SubmittedForm.objects.create(token=uuid4(), submitted_at=now - timedelta(days=8))
    kept = SubmittedForm.objects.create(token=uuid4(), submitted_at=now - timedelta(days=6))

    assert forget_submitted_forms.delay().get() == 1
    assert list(SubmittedForm.objects.all()) == [kept]
