"""The contact log holds automatic messages (the first-day absence e-mail, logged with no member
of staff) beside the calls people log. Every page that shows a line of it says what an automatic
one is, names no one for it, and still names the person for a call (issue 14: *Absence today*
answered 500 for the whole office once one e-mail had been sent)."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from absences.models import (
    CallDirection,
    CallOutcome,
    ParentCall,
    ParentReport,
    ReportKind,
    ReportStatus,
    SafeguardingFlag,
)
from absences.services.calls import parent_call_record
from absences.services.first_day import first_day_message_send, first_day_messages_claim
from tests.conftest import LONDON, MONDAY
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilContactFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CALLED_DAD = datetime(2025, 9, 8, 9, 16, tzinfo=LONDON)  # after the AM register closed (09:15)
EMAILED = datetime(2025, 9, 8, 9, 20, tzinfo=LONDON)
AFTERNOON = datetime(2025, 9, 8, 14, 0, tzinfo=LONDON)
AUTOMATIC = "First-day e-mail sent to Mum Example, Dad Example"


@pytest.fixture
def contact_log(school, pupils_4a, teacher_4a, office):
    """Monday: the first pupil is absent all day (N), the others present. At 09:16 the office
    rang Dad (no answer); at 09:20 the first-day e-mail went to Mum and Dad by itself."""
    absent = pupils_4a[0]
    for pupil in pupils_4a:
        for session in ("AM", "PM"):
            MarkFactory(
                pupil=pupil,
                school=school,
                date=MONDAY,
                session=session,
                code_id="N" if pupil == absent else ("/" if session == "AM" else "\\"),
                recorded_by=teacher_4a,
            )
    mum, dad = (
        ContactFactory(name=name, email=email, user=UserFactory(username=username))
        for name, email, username in [
            ("Mum Example", "mum@example.org", "parent-mum"),
            ("Dad Example", "dad@example.org", "parent-dad"),
        ]
    )
    for priority, contact in enumerate([mum, dad], start=1):
        PupilContactFactory(pupil=absent, contact=contact, priority=priority)
    school.first_day_message_enabled = True
    school.save()
    with time_machine.travel(CALLED_DAD, tick=False):
        parent_call_record(
            school=school,
            pupil=absent,
            contact=dad,
            contact_name=dad.name,
            direction=CallDirection.WE_CALLED,
            outcome=CallOutcome.NO_ANSWER,
            reason_given="",
            code=None,
            first_day=None,
            last_day=None,
            expected_return=None,
            by=office,
        )
    with time_machine.travel(EMAILED, tick=False):
        for message_id in first_day_messages_claim(school_id=school.pk, now=timezone.now()):
            first_day_message_send(message_id=message_id)
    automatic = ParentCall.objects.get(direction=CallDirection.EMAILED)
    assert automatic.recorded_by is None
    return {"pupil": absent, "mum": mum, "dad": dad, "automatic": automatic}


@pytest.fixture
def afternoon():
    with time_machine.travel(AFTERNOON, tick=False):
        yield


def test_absence_today_lists_the_automatic_email_as_sent_automatically_beside_the_call(
    client, afternoon, school, office, contact_log
):
    # The page answered 500 (VariableDoesNotExist) for every member of the office.
    client.force_login(office)
    response = client.get(reverse("absence_today", args=[school.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(AUTOMATIC) == 2  # the pupil's calls today, and the day's log
    assert "sent automatically" in page
    assert "by Olive Office" in page  # the call a person logged still names them
    assert "We called: Dad Example · No answer" in page


def test_the_pupil_profile_lists_the_automatic_email_with_no_person(
    client, afternoon, school, office, contact_log
):
    client.force_login(office)
    url = reverse("report_pupil", args=[school.pk, contact_log["pupil"].pk])
    response = client.get(url)
    assert response.status_code == 200
    calls = next(table for table in response.context["tables"] if table.name == "calls")
    assert calls.header[-1] == "Recorded by"
    assert [row[2:4] + row[-1:] for row in calls.rows] == [
        ["First-day e-mail", "E-mail sent", "sent automatically"],
        ["We called", "No answer", "Olive Office"],
    ]
    csv = client.get(url, {"format": "csv", "table": "calls"}).content.decode()
    assert "sent automatically" in csv and "Olive Office" in csv


def test_continuing_absence_shows_the_latest_contact_and_an_automatic_one_names_no_one(
    client, afternoon, school, office, contact_log
):
    client.force_login(office)
    response = client.get(reverse("followup_continuing_absence", args=[school.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Mon 8 Sep 09:20 · {AUTOMATIC}" in page
    assert "sent automatically" in page


def test_continuing_absence_names_the_person_when_their_call_is_the_latest(
    client, afternoon, school, office, contact_log
):
    ParentCall.objects.filter(pk=contact_log["automatic"].pk).update(
        called_at=datetime(2025, 9, 8, 9, 0, tzinfo=LONDON)
    )
    client.force_login(office)
    page = client.get(reverse("followup_continuing_absence", args=[school.pk])).content.decode()
    assert "We called: Dad Example · No answer" in page
    assert "by Olive Office" in page
    assert AUTOMATIC not in page


def test_safeguarding_lists_what_was_tried_with_the_automatic_email_as_such(
    client, afternoon, school, office, head, contact_log
):
    # Mum is rung too and not reached: every contact tried, so the pupil is flagged.
    parent_call_record(
        school=school,
        pupil=contact_log["pupil"],
        contact=contact_log["mum"],
        contact_name="Mum Example",
        direction=CallDirection.WE_CALLED,
        outcome=CallOutcome.VOICEMAIL,
        reason_given="",
        code=None,
        first_day=None,
        last_day=None,
        expected_return=None,
        by=office,
    )
    assert SafeguardingFlag.objects.filter(pupil=contact_log["pupil"]).exists()
    client.force_login(head)
    response = client.get(reverse("safeguarding_flags", args=[school.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"09:20 · {AUTOMATIC}" in page and "sent automatically" in page
    assert 'We called: Dad Example · No answer <span class="who">by Olive Office' in page
    assert 'We called: Mum Example · Left a voicemail <span class="who">by Olive Office' in page


def test_a_resolved_flag_with_nobody_recorded_still_renders(client, afternoon, school, head):
    # `resolved_by` may be empty: the page must not follow it blindly.
    from tests.factories import PupilFactory

    SafeguardingFlag.objects.create(
        school=school,
        pupil=PupilFactory(),
        raised_on=MONDAY,
        raised_at=timezone.now(),
        raised_by=head,
        resolved_at=timezone.now(),
        resolved_by=None,
        resolution="Seen at home by the attendance lead.",
    )
    client.force_login(head)
    response = client.get(reverse("safeguarding_flags", args=[school.pk]))
    assert response.status_code == 200
    assert "Seen at home by the attendance lead." in response.content.decode()


def test_a_decided_parent_report_with_nobody_recorded_still_renders(
    client, afternoon, school, office, contact_log
):
    ParentReport.objects.create(
        school=school,
        pupil=contact_log["pupil"],
        contact=contact_log["mum"],
        kind=ReportKind.ILLNESS,
        first_day=MONDAY,
        last_day=MONDAY,
        status=ReportStatus.REJECTED,
        office_note="Seen in town.",
        submitted_by=contact_log["mum"].user,
        decided_by=None,
        decided_at=timezone.now(),
        submitted_at=timezone.now(),
    )
    client.force_login(office)
    response = client.get(reverse("pending_absence_reports", args=[school.pk]))
    assert response.status_code == 200
    assert "Seen in town." in response.content.decode()


def test_a_parent_sees_the_automatic_email_and_their_own_call_but_not_another_parents(
    client, afternoon, contact_log
):
    # Parents may live apart: Mum sees the message the school sent to both, not Dad's call.
    client.force_login(contact_log["mum"].user)
    response = client.get(reverse("parents_child", args=[contact_log["pupil"].pk]))
    assert response.status_code == 200
    assert [call.pk for call in response.context["contact_log"]] == [contact_log["automatic"].pk]
    page = response.content.decode()
    assert "the school's first-day absence e-mail was sent" in page
    assert "Dad Example" not in page

    client.force_login(contact_log["dad"].user)
    page = client.get(reverse("parents_child", args=[contact_log["pupil"].pk])).content.decode()
    assert "the school's first-day absence e-mail was sent" in page
    assert "the school rang you (no answer)" in page


def test_the_api_gives_the_automatic_email_no_person_and_says_what_it_is(
    client, afternoon, office, contact_log
):
    client.force_login(office)
    response = client.get(reverse("api:calls"))
    assert response.status_code == 200
    rows = {row["direction"]: row for row in response.json()["results"]}
    assert rows["emailed"]["recorded_by"] is None
    assert rows["emailed"]["automatic"] is True
    assert rows["emailed"]["summary"] == AUTOMATIC
    assert rows["we_called"]["recorded_by"] == "Olive Office"
    assert rows["we_called"]["automatic"] is False


def test_the_api_schema_says_recorded_by_may_be_null(client, office):
    client.force_login(office)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    call = schema["components"]["schemas"]["ParentCall"]["properties"]
    assert call["recorded_by"].get("nullable") is True
    assert call["automatic"]["type"] == "boolean"
