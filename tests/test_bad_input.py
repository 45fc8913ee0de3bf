"""Bad input to every form: a clear message (400, or 404 for an unknown object), never a 500,
and nothing saved.

The forms are not listed by hand: each page below is opened as the person who uses it, every
`<form method="post">` on it is read from the HTML, and its fields are filled with plausible
values except for the kind under test: a date that does not exist, text in a number field, an
id that does not exist (in a choice or a hidden field), or a time of day that does not exist.
Every table of the project's apps is counted before and after. Injection strings in the text
fields must not break anything or come back unescaped, and oversized bodies are refused.
"""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from absences.models import LeaveCategory, SafeguardingFlag
from absences.services.evidence import medical_evidence_request
from absences.services.leave import leave_request_decide, leave_request_record
from absences.services.timetables import part_time_timetable_agree
from penalties.models import PenaltyNoticeKind, ThresholdCase
from penalties.services.cases import threshold_cases_open
from penalties.services.penalty_notices import penalty_notice_record
from registers.models import Mark
from tests.conftest import LONDON
from tests.factories import (
    MarkFactory,
    PupilContactFactory,
)
from tests.html_forms import Form, post_forms

pytestmark = pytest.mark.django_db

TODAY = date(2025, 10, 1)  # a Wednesday of the `school` fixture's autumn term
WEEK_OF_8_SEPTEMBER = [date(2025, 9, 8) + timedelta(days=offset) for offset in range(5)]
APPS = ("registers", "absences", "penalties", "reports")

INJECTION = "Robert'); DROP TABLE registers_mark;-- <script>alert('x')</script> {{ 7*7 }} %s"
MALFORMED = {
    "date": "2025-02-30",
    "number": "twelve",
    "id": "987654321",
    "id as text": "twelve",
    "time": "25:61",
}
PLAUSIBLE = {
    "date": "2025-09-22",
    "number": "1",
    "time": "09:10",
    "text": "Reason given by the parent",
}


def submissions(form: Form, bad: str, malformed: str = "") -> list[dict[str, str | list[str]]]:
    """The form's data with every field of kind `bad` malformed; one per submit button."""
    data: dict[str, str | list[str]] = {}
    for f in form.fields:
        if f.kind == "submit":
            continue
        if f.kind == bad or (f.kind == "id" and bad == "id as text"):
            value = malformed or MALFORMED[bad]
        elif f.kind == "id":
            value = f.value or (f.options[0] if f.options else "1")
        elif f.kind in ("hidden", "check"):
            value = f.value or "on"
        else:
            value = f.value or PLAUSIBLE.get(f.kind, "x")
        if f.name in data:  # repeated names (the register's `pupil` list)
            existing = data[f.name]
            data[f.name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[f.name] = value
    buttons = [f for f in form.fields if f.kind == "submit"]
    return [{**data, b.name: b.value} for b in buttons] or [data]


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in APPS
        for model in apps.get_app_config(app).get_models()
    }


def has_message(page: str) -> bool:
    return any(sign in page for sign in ('role="alert"', "errorlist", 'class="error"'))


# A school with something behind every form ---------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 10, 1, 10, 0, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def world(clock, school, class_4a, pupils_4a, teacher_4a, head):
    """A threshold case, a mark to amend, leave to decide and refused, a medical-evidence
    request, a part-time timetable with a review, a safeguarding flag, and a penalty notice."""
    truant, marked, away, ill, part_time = pupils_4a
    for day in WEEK_OF_8_SEPTEMBER:
        for session in ("AM", "PM"):
            MarkFactory(pupil=truant, school=school, date=day, session=session, code_id="G")
            MarkFactory(pupil=ill, school=school, date=day, session=session, code_id="I")
    threshold_cases_open(school=school, as_of=date(2025, 9, 19))
    case = ThresholdCase.objects.get()
    mother = PupilContactFactory(pupil=truant, contact__name="Mona Parent").contact
    penalty_notice_record(
        case=case,
        parent=mother,
        kind=PenaltyNoticeKind.NATIONAL,
        issued_on=TODAY,
        served_by="hand",
        by=head,
    )
    mark = MarkFactory(pupil=marked, school=school, date=date(2025, 9, 29), code_id="/")
    leave = {
        "school": school,
        "pupil": away,
        "first_session": "AM",
        "last_session": "PM",
        "category": LeaveCategory.EXCEPTIONAL,
        "reason": "A family funeral",
        "evidence": "",
        "received_on": TODAY,
        "requested_by_name": "Mona Parent",
        "requester_lives_with_pupil": True,
        "by": head,
    }
    pending = leave_request_record(
        **leave, first_day=date(2025, 10, 20), last_day=date(2025, 10, 21)
    )
    refused = leave_request_record(
        **leave, first_day=date(2025, 10, 13), last_day=date(2025, 10, 14)
    )
    leave_request_decide(leave=refused, approve=False, reason="Not exceptional", by=head)
    evidence = medical_evidence_request(
        school=school, pupil=ill, first_day=date(2025, 9, 8), last_day=date(2025, 9, 12), by=head
    )
    timetable = part_time_timetable_agree(
        school=school,
        pupil=part_time,
        start=date(2025, 10, 6),
        end=date(2025, 12, 12),
        sessions_off=["Fri PM"],
        reason="Phased return after illness",
        review_dates=[date(2025, 11, 3)],
        by=head,
    )
    flag = SafeguardingFlag.objects.create(
        school=school, pupil=truant, raised_on=TODAY, raised_at=datetime.now(LONDON), raised_by=head
    )
    return {
        "case": case,
        "mark": mark,
        "pending": pending,
        "refused": refused,
        "evidence": evidence,
        "review": timetable.reviews.get(),
        "flag": flag,
    }


def pages(world, school, class_4a) -> list[tuple[str, str]]:
    """(persona, page) for every page with a form that changes something."""
    s = school.pk
    return [
        ("teacher", reverse("register", args=[class_4a.pk, date(2025, 9, 29), "AM"])),
        ("head", reverse("mark_amend", args=[world["mark"].pk])),
        ("head", reverse("late_book", args=[s])),
        ("head", reverse("school_closure", args=[s])),
        ("head", reverse("absence_today", args=[s])),
        ("head", reverse("safeguarding_flags", args=[s])),
        ("head", reverse("leave_request_new", args=[s])),
        ("head", reverse("leave_decide", args=[s, world["pending"].pk])),
        ("head", reverse("leave_requests", args=[s])),
        ("head", reverse("part_time_timetable_new", args=[s])),
        ("head", reverse("timetable_review", args=[s, world["review"].pk])),
        ("head", reverse("followup_medical_evidence", args=[s])),
        ("head", reverse("followup_evidence_request", args=[s, world["evidence"].pk])),
        ("head", reverse("threshold_cases", args=[s])),
        ("head", reverse("threshold_case", args=[s, world["case"].pk])),
        ("head", reverse("suspension_notices", args=[s])),
        ("head", reverse("intervention_ladder", args=[s])),
    ]


@pytest.fixture
def every_form(client, world, school, class_4a, teacher_4a, head):
    people = {"teacher": teacher_4a, "head": head}
    found = []
    for persona, url in pages(world, school, class_4a):
        client.force_login(people[persona])
        found += [(persona, url, form) for form in post_forms(client, url)]
    return people, found


# The tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["date", "number", "id", "id as text", "time"])
def test_malformed_values_get_a_clear_refusal_and_save_nothing(client, every_form, bad):
    # Every form: malformed dates, unknown ids, text in number fields: a clear 400, nothing saved.
    people, forms = every_form
    tried = []
    for persona, url, form in forms:
        if not any(f.kind == bad.split()[0] for f in form.fields):
            continue
        client.force_login(people[persona])
        for data in submissions(form, bad):
            before = row_counts()
            response = client.post(form.action, data)
            where = f"{form.action} ({bad}, from {url})"
            if data.get("action") == "fill_present":
                # The register's "mark everyone present" button only fills in the page.
                assert response.status_code == 200 and row_counts() == before, where
                continue
            assert response.status_code in (400, 404), where
            if response.status_code == 400:
                assert has_message(response.content.decode()), where
            assert row_counts() == before, where
            tried.append(form.action)
    assert tried, f"no form has a {bad} field"


def test_injection_strings_are_kept_as_text_and_never_come_back_unescaped(client, every_form):
    # Injection strings: stored, if at all, as the words typed; never run as SQL or as script.
    people, forms = every_form
    marks = Mark.objects.count()
    for persona, _url, form in forms:
        if not any(f.kind == "text" for f in form.fields):
            continue
        client.force_login(people[persona])
        for data in submissions(form, "text", INJECTION):
            response = client.post(form.action, data, follow=True)
            assert response.status_code < 500, form.action
            page = response.content.decode()
            assert "<script>alert('x')</script>" not in page, form.action
    assert Mark.objects.count() >= marks  # the table is still there


def test_an_oversized_body_is_refused_before_anything_is_read(client, world, class_4a, teacher_4a):
    # Oversized bodies: Django's DATA_UPLOAD_MAX_MEMORY_SIZE and DATA_UPLOAD_MAX_NUMBER_FIELDS.
    client.force_login(teacher_4a)
    url = reverse("register", args=[class_4a.pk, date(2025, 9, 29), "AM"])
    before = row_counts()
    huge = client.post(
        url, {"action": "save", "reason": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    )
    many = client.post(
        url, {f"code-{n}": "/" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    )
    assert huge.status_code == 400
    assert many.status_code == 400
    assert "Not understood" in huge.content.decode()
    assert row_counts() == before


def test_the_pages_read_here_have_forms(every_form, world, school, class_4a):
    # The sweep above is only as good as its coverage: every page listed has a form it tried.
    _people, forms = every_form
    assert {url for _persona, url, _form in forms} == {
        url for _persona, url in pages(world, school, class_4a)
    }
