"""Absences parents report online: the office's pending queue, accept and reject, and what each
does to the register."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.urls import reverse

from absences.access import ParentChild
from absences.models import (
    CallDirection,
    ParentCall,
    ParentReport,
    ReportedAbsence,
    ReportKind,
    ReportStatus,
)
from absences.selectors.expected import expected_codes
from absences.services.parents import absence_report_submit
from absences.services.reports import parent_report_accept, parent_report_reject
from core.errors import DomainError
from registers.models import Amendment, Mark, MarkSource
from registers.selectors import register_sheet
from registers.services.register import RegisterEntry, register_submit
from tests.conftest import LONDON, MONDAY
from tests.factories import ContactFactory, PupilContactFactory, UserFactory

pytestmark = pytest.mark.django_db
WEDNESDAY = date(2025, 9, 10)


@pytest.fixture
def family(school, class_4a, pupils_4a):
    """Pat Parent (signed in before) with parental responsibility for the first pupil of 4A."""
    user = UserFactory(username="parent-contact-pat")
    contact = ContactFactory(name="Pat Parent", user=user)
    PupilContactFactory(pupil=pupils_4a[0], contact=contact, priority=1)
    return ParentChild(pupil=pupils_4a[0], school=school, contact=contact)


def _report(family, *, kind=ReportKind.ILLNESS, first_day=MONDAY, last_day=None, **more):
    return absence_report_submit(
        child=family,
        kind=kind,
        first_day=first_day,
        first_session=more.pop("first_session", "AM"),
        last_day=last_day,
        appointment_time=more.pop("appointment_time", None),
        details=more.pop("details", "Temperature"),
        by=family.contact.user,
    )


def _line(class_4a, pupil, day=MONDAY, session="AM"):
    return next(
        line
        for line in register_sheet(group=class_4a, day=day, session=session).lines
        if line.pupil == pupil
    )


@time_machine.travel(datetime(2025, 9, 8, 8, 20, tzinfo=LONDON), tick=False)
def test_accepted_before_registration_the_register_shows_the_code_as_already_known(
    family, office, class_4a
):
    # Issue: accept -> "the register is filled in"; before registration it shows as known.
    report = _report(family)
    assert report.status == ReportStatus.PENDING
    assert _line(class_4a, family.pupil).mark is None  # pending: the register is untouched

    parent_report_accept(report=report, code="I", by=office)

    line = _line(class_4a, family.pupil)
    assert (line.mark.code_id, line.mark.source) == ("I", MarkSource.OFFICE)
    assert _line(class_4a, family.pupil, session="PM").mark.code_id == "I"
    report.refresh_from_db()
    assert (report.status, report.code_id, report.decided_by) == (
        ReportStatus.ACCEPTED,
        "I",
        office,
    )
    call = ParentCall.objects.get(pupil=family.pupil)
    assert (call.direction, call.contact, call.recorded_by) == (
        CallDirection.ONLINE,
        family.contact,
        office,
    )
    assert report.call == call


def test_accepted_after_the_register_was_taken_with_n_the_mark_is_amended(
    monday_morning, family, office, class_4a, pupils_4a, teacher_4a
):
    # Issue: "the mark amended with the reason 'reported by parent'"; the original N is kept.
    register_submit(
        group=class_4a,
        day=MONDAY,
        session="AM",
        entries=[
            RegisterEntry(pupil_id=p.pk, code="N" if p == family.pupil else "/") for p in pupils_4a
        ],
        by=teacher_4a,
    )
    report = _report(family)  # after registration: it reaches the queue at once
    response_queue = ParentReport.objects.filter(school=family.school, status=ReportStatus.PENDING)
    assert list(response_queue) == [report]

    parent_report_accept(report=report, code="I", by=office)

    mark = Mark.objects.get(pupil=family.pupil, date=MONDAY, session="AM")
    assert mark.code_id == "I"
    amendment = Amendment.objects.get(mark=mark)
    assert (amendment.original_code_id, amendment.new_code_id) == ("N", "I")
    assert amendment.reason == "Reported by parent: Pat Parent"
    assert amendment.amended_by == office


def test_accepted_for_days_to_come_the_register_fills_them_in_when_taken(
    monday_morning, family, office, class_4a
):
    # Issue: future days are "filled in when the day comes through the expected-codes path".
    report = _report(family, first_day=WEDNESDAY, last_day=date(2025, 9, 11))
    parent_report_accept(report=report, code="I", by=office)

    assert not Mark.objects.filter(pupil=family.pupil).exists()
    reported = ReportedAbsence.objects.get(pupil=family.pupil)
    assert (reported.first_day, reported.last_day, reported.code_id) == (
        WEDNESDAY,
        date(2025, 9, 11),
        "I",
    )
    expected = expected_codes(
        school=family.school, pupil_ids=[family.pupil.pk], day=WEDNESDAY, session="PM"
    )
    assert expected[family.pupil.pk].code == "I"
    assert _line(class_4a, family.pupil, day=WEDNESDAY).expected_code == "I"


def test_a_medical_appointment_is_the_session_its_time_falls_in(monday_morning, family, office):
    # Luston and Shobdon 4.3: a medical appointment notified in advance is authorised (M).
    report = _report(
        family, kind=ReportKind.MEDICAL, first_day=WEDNESDAY, appointment_time=time(14, 0)
    )
    assert (report.first_session, report.last_session) == ("PM", "PM")
    parent_report_accept(report=report, code="M", by=office)
    reported = ReportedAbsence.objects.get(pupil=family.pupil)
    assert (reported.first_session, reported.last_session, reported.code_id) == ("PM", "PM", "M")


def test_a_rejected_report_leaves_the_register_alone_and_the_parent_sees_the_note(
    client, monday_morning, family, office, class_4a
):
    # Issue: "or rejects with a note the parent sees".
    report = _report(family, first_day=WEDNESDAY)
    with pytest.raises(DomainError, match="note"):
        parent_report_reject(report=report, note="  ", by=office)
    parent_report_reject(report=report, note="Please ring us about this one.", by=office)

    assert not Mark.objects.filter(pupil=family.pupil).exists()
    assert not ReportedAbsence.objects.exists()
    assert _line(class_4a, family.pupil, day=WEDNESDAY).expected_code == ""
    client.force_login(family.contact.user)
    page = client.get(reverse("parents_child", args=[family.pupil.pk])).content.decode()
    assert "Not accepted" in page
    assert "Please ring us about this one." in page


def test_a_report_is_decided_once(monday_morning, family, office):
    report = _report(family, first_day=WEDNESDAY)
    parent_report_accept(report=report, code="I", by=office)
    with pytest.raises(DomainError, match="already accepted"):
        parent_report_reject(report=report, note="No", by=office)
    with pytest.raises(DomainError, match="already accepted"):
        parent_report_accept(report=report, code="I", by=office)
    assert ReportedAbsence.objects.count() == 1


def test_an_accept_the_register_cannot_take_saves_nothing(monday_morning, family, office):
    # Bad input gets a clear message and saves nothing: the report stays pending.
    report = _report(family, first_day=WEDNESDAY)
    with pytest.raises(DomainError, match="attendance code"):
        parent_report_accept(report=report, code="/", by=office)
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    assert not ParentCall.objects.exists()


def test_reports_for_days_gone_are_refused(monday_morning, family):
    # Issue: "report an absence for today or future days".
    with pytest.raises(DomainError, match="today or days to come"):
        _report(family, first_day=date(2025, 9, 5))
    with pytest.raises(DomainError, match="time of the appointment"):
        _report(family, kind=ReportKind.MEDICAL)
    with pytest.raises(DomainError, match="reason"):
        _report(family, kind=ReportKind.OTHER, details="")
    assert not ParentReport.objects.exists()


@pytest.mark.parametrize("last_day", [date(9999, 12, 31), date(2026, 8, 1)])
def test_a_report_ending_after_this_school_year_is_refused(monday_morning, family, last_day):
    # Issue #21 finding 14: "A parent can report an absence ending 31 December 9999." What to
    # build: "report end dates within the school year".
    with pytest.raises(DomainError, match=r"end of this school year \(Fri 31 Jul 2026\)"):
        _report(family, last_day=last_day)
    assert not ParentReport.objects.exists()


def test_a_report_may_end_on_the_last_day_of_the_school_year(monday_morning, family):
    report = _report(family, last_day=date(2026, 7, 31))
    assert report.last_day == date(2026, 7, 31)


def test_the_office_accepts_from_the_pending_queue_page(
    client, monday_morning, family, office, school, django_assert_max_num_queries
):
    report = _report(family)
    _report(family, first_day=WEDNESDAY)
    client.force_login(office)
    today_page = client.get(reverse("absence_today", args=[school.pk])).content.decode()
    assert "2 waiting" in today_page
    queue = reverse("pending_absence_reports", args=[school.pk])
    client.get(queue)
    with django_assert_max_num_queries(9):
        page = client.get(queue)
    assert page.status_code == 200
    assert len(page.context["lines"]) == 2

    response = client.post(
        reverse("pending_report_accept", args=[school.pk, report.pk]),
        {
            f"accept-{report.pk}-code": "I",
            f"accept-{report.pk}-first_day": "2025-09-08",
            f"accept-{report.pk}-first_session": "AM",
            f"accept-{report.pk}-last_day": "2025-09-08",
            f"accept-{report.pk}-last_session": "PM",
            f"accept-{report.pk}-note": "Get well soon",
        },
    )
    assert response.status_code == 302
    assert Mark.objects.get(pupil=family.pupil, session="AM").code_id == "I"
    assert len(client.get(queue).context["lines"]) == 1


def test_the_queue_is_the_schools_own(client, monday_morning, family, head_elsewhere, school):
    # Staff of another school are refused, naming nothing of this school (issue #21: a 404).
    report = _report(family)
    client.force_login(head_elsewhere)
    assert client.get(reverse("pending_absence_reports", args=[school.pk])).status_code == 404
    response = client.post(
        reverse("pending_report_reject", args=[school.pk, report.pk]), {"reject-1-note": "x"}
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
