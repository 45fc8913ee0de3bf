"""Leave of absence: the office records a parent's request, the head decides, the parents are
told in writing, and the register follows the decision."""

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from absences.models import LeaveCategory, LeaveDecision, LeaveRequest
from absences.services.leave import (
    leave_decision_letter_send,
    leave_request_decide,
    leave_request_record,
    leave_taken_anyway_record,
)
from core.errors import DomainError
from registers.models import Amendment, Mark
from tests.conftest import LONDON, MONDAY
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    MarkFactory,
    PupilContactFactory,
    PupilFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil(pupils_4a):
    return pupils_4a[0]


@pytest.fixture
def parents(pupil):
    """Mother and father with parental responsibility and e-mail; a step-parent with it but no
    e-mail; a grandmother with an e-mail but no parental responsibility."""
    mother = ContactFactory(name="Maria Parent", email="maria@example.org")
    father = ContactFactory(name="Frank Parent", email="frank@example.org")
    step = ContactFactory(name="Stella Step", email="")
    gran = ContactFactory(name="Gina Gran", email="gina@example.org")
    PupilContactFactory(pupil=pupil, contact=mother, relationship="Mother", priority=1)
    PupilContactFactory(pupil=pupil, contact=father, relationship="Father", priority=2)
    PupilContactFactory(pupil=pupil, contact=step, relationship="Step-parent", priority=3)
    PupilContactFactory(
        pupil=pupil,
        contact=gran,
        relationship="Grandmother",
        priority=4,
        parental_responsibility=False,
    )
    return [mother, father, step, gran]


def _record(school, pupil, office, **overrides) -> LeaveRequest:
    """A request for the week of Monday 22 September 2025, received today (Monday 8th)."""
    values = {
        "first_day": date(2025, 9, 22),
        "first_session": "AM",
        "last_day": date(2025, 9, 26),
        "last_session": "PM",
        "category": LeaveCategory.EXCEPTIONAL,
        "reason": "Grandfather's funeral in Poland",
        "evidence": "Funeral director's letter",
        "received_on": MONDAY,
        # Regulation 11: leave in exceptional circumstances is asked for by a parent the pupil
        # normally lives with.
        "requested_by_name": "Mona Parent",
        "requester_lives_with_pupil": True,
    }
    return leave_request_record(school=school, pupil=pupil, by=office, **{**values, **overrides})


def _decide(leave, head, *, approve=True, reason="Exceptional: a close relative's funeral", **kw):
    return leave_request_decide(leave=leave, approve=approve, reason=reason, by=head, **kw)


def _page(response) -> str:
    """The page's own words (the header's sign-out form carries a random CSRF token)."""
    return response.content.decode().split('<main id="main">')[1]


def _pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages
    )


# Recording the request


def test_the_office_records_a_request_and_less_than_three_weeks_notice_is_flagged(
    client, monday_morning, school, pupil, office, head
):
    # "Any request should be submitted ... where possible, at least three weeks before the absence."
    short = _record(school, pupil, office)  # 14 days before
    in_time = _record(
        school, pupil, office, first_day=date(2025, 9, 29), last_day=date(2025, 9, 30)
    )  # 21 days before
    assert short.short_notice and not in_time.short_notice
    assert short.decision == LeaveDecision.PENDING and short.recorded_by == office
    client.force_login(head)
    page = _page(client.get(reverse("leave_queue", args=[school.pk])))
    assert page.count("Short notice") == 1
    assert page.count(f"<td>{pupil.name}</td>") == 2


def test_the_office_records_a_request_through_its_page(
    client, monday_morning, school, pupil, office
):
    # "An 'Exceptional Leave of Absence Request' form must be completed."
    client.force_login(office)
    response = client.post(
        reverse("leave_request_new", args=[school.pk]),
        {
            "pupil": pupil.pk,
            "category": "J1",
            "first_day": "2025-09-22",
            "first_session": "PM",
            "last_day": "2025-09-22",
            "last_session": "PM",
            "reason": "Interview for a specialist music school",
            "evidence": "",
            "received_on": "2025-09-05",
            "requested_by_name": "Mona Parent",
            "requester_lives_with_pupil": "on",
        },
    )
    assert response.status_code == 302
    leave = LeaveRequest.objects.get()
    assert (leave.category, leave.first_session, leave.short_notice) == ("J1", "PM", True)
    page = _page(client.get(reverse("leave_requests", args=[school.pk])))
    assert pupil.name in page and "Short notice" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"first_day": date(2025, 9, 26), "last_day": date(2025, 9, 22)},
            "The last day is before the first day.",
        ),
        (
            {
                "first_day": date(2025, 9, 22),
                "first_session": "PM",
                "last_session": "AM",
                "last_day": date(2025, 9, 22),
            },
            "The last day is before the first day.",
        ),
        (
            {"first_day": date(2025, 9, 20)},
            "Sat 20 Sep 2025 is not a school day at Test Primary",
        ),
        (
            {"first_day": date(2025, 10, 20), "last_day": date(2025, 10, 28)},
            "Tue 28 Oct 2025 is not a school day at Test Primary",
        ),
        (
            {"first_day": date(2025, 12, 22), "last_day": date(2026, 1, 2)},
            "There is no school session at Test Primary from Mon 22 Dec 2025 to Fri 2 Jan 2026",
        ),
        (
            {"received_on": date(2025, 9, 9)},
            "cannot have been received on Tue 9 Sep 2025: that is still to come",
        ),
        ({"reason": "  "}, "Write down the reason the parent gives."),
        ({"category": "trip"}, "Choose the kind of leave asked for."),
    ],
    ids=[
        "last-before-first",
        "pm-to-am-of-one-day",
        "saturday",
        "half-term",
        "christmas-holidays",
        "received-tomorrow",
        "no-reason",
        "not-a-kind-of-leave",
    ],
)
def test_a_request_with_a_bad_input_is_refused_with_its_reason_and_nothing_is_saved(
    monday_morning, school, pupil, office, overrides, message
):
    # "Any request should be submitted ... before the absence": leave is of school sessions, in term.
    with pytest.raises(DomainError) as refused:
        _record(school, pupil, office, **overrides)
    assert message in refused.value.message
    assert not LeaveRequest.objects.exists()


def test_a_request_for_a_pupil_not_on_roll_on_those_days_is_refused(
    monday_morning, school, other_school, pupil, office
):
    # Leave is from this school's register: the pupil is on its roll on those days.
    leaver = PupilFactory(legal_surname="Leaver", legal_forename="Lee")
    EnrolmentFactory(
        pupil=leaver,
        school=school,
        start_date=date(2021, 9, 1),
        leaving_date=date(2025, 9, 24),
        leaving_reason="9(1)(f)",
    )
    elsewhere = PupilFactory(legal_surname="Elsewhere", legal_forename="Eli")
    EnrolmentFactory(pupil=elsewhere, school=other_school)
    with pytest.raises(DomainError) as refused:
        _record(school, leaver, office)
    assert refused.value.message == "Lee Leaver is not on roll at Test Primary on Fri 26 Sep 2025."
    with pytest.raises(DomainError) as refused:
        _record(school, elsewhere, office)
    assert "Eli Elsewhere is not on roll at Test Primary on Mon 22 Sep 2025." in str(refused.value)
    assert not LeaveRequest.objects.exists()


def test_the_request_page_answers_400_with_the_reason_and_saves_nothing(
    client, monday_morning, school, pupil, office
):
    # Leave is of school days: "Sat 20 Sep" cannot be its first day.
    client.force_login(office)
    response = client.post(
        reverse("leave_request_new", args=[school.pk]),
        {
            "pupil": pupil.pk,
            "category": "C",
            "first_day": "2025-09-20",
            "first_session": "AM",
            "last_day": "2025-09-26",
            "last_session": "PM",
            "reason": "Family emergency",
            "received_on": "2025-09-08",
            "requested_by_name": "Mona Parent",
            "requester_lives_with_pupil": "on",
        },
    )
    assert response.status_code == 400
    page = _page(response)
    assert 'role="alert"' in page and "Sat 20 Sep 2025 is not a school day" in page
    assert not LeaveRequest.objects.exists()


# The head's decision


def test_the_head_approves_fewer_days_than_asked(monday_morning, school, pupil, office, head):
    # "A leave of absence is granted at the Executive Headteacher's discretion, including the length of time."
    leave = _decide(
        _record(school, pupil, office),
        head,
        approved_first_day=date(2025, 9, 22),
        approved_last_day=date(2025, 9, 24),
        approved_last_session="AM",
    )
    assert leave.decision == LeaveDecision.APPROVED and leave.decided_by == head
    assert (leave.approved_first_day, leave.approved_first_session) == (date(2025, 9, 22), "AM")
    assert (leave.approved_last_day, leave.approved_last_session) == (date(2025, 9, 24), "AM")
    assert leave.decision_reason == "Exceptional: a close relative's funeral"


def test_approving_without_dates_approves_exactly_the_sessions_asked_for(
    monday_morning, school, pupil, office, head
):
    # The head may approve the whole request as asked: from Monday afternoon to Tuesday morning.
    leave = _record(
        school, pupil, office, first_session="PM", last_day=date(2025, 9, 23), last_session="AM"
    )
    leave = _decide(leave, head)
    assert (leave.approved_first_day, leave.approved_first_session) == (date(2025, 9, 22), "PM")
    assert (leave.approved_last_day, leave.approved_last_session) == (date(2025, 9, 23), "AM")


def test_the_head_cannot_approve_days_that_were_not_asked_for(
    monday_morning, school, pupil, office, head
):
    # The head decides "for how many days": within the request, not beyond it.
    leave = _record(school, pupil, office)
    with pytest.raises(DomainError) as refused:
        _decide(
            leave, head, approved_first_day=date(2025, 9, 19), approved_last_day=date(2025, 9, 23)
        )
    assert "the days asked for or fewer" in refused.value.message
    leave.refresh_from_db()
    assert leave.decision == LeaveDecision.PENDING


def test_a_holiday_cannot_be_approved(monday_morning, school, pupil, office, head):
    # "Holidays during term time will not be authorised."
    leave = _record(school, pupil, office, category=LeaveCategory.HOLIDAY, reason="Cheaper flights")
    with pytest.raises(DomainError) as refused:
        _decide(leave, head, reason="Family time")
    assert "The 2024 regulations do not allow leave of absence for a holiday" in str(refused.value)
    leave.refresh_from_db()
    assert leave.decision == LeaveDecision.PENDING and leave.decided_by is None


def test_the_head_refuses_with_a_reason_and_a_reason_is_needed_either_way(
    monday_morning, school, pupil, office, head
):
    # The head "tells the parents in writing": the reason goes in the letter.
    leave = _record(school, pupil, office, category=LeaveCategory.HOLIDAY, reason="Holiday")
    for approve in (True, False):
        with pytest.raises(DomainError, match="Give the reason for the decision"):
            _decide(leave, head, approve=approve, reason=" ")
    leave = _decide(leave, head, approve=False, reason="A holiday is not exceptional.")
    assert leave.decision == LeaveDecision.REFUSED
    assert leave.decision_reason == "A holiday is not exceptional."
    assert leave.approved_first_day is None and not leave.approved_first_session


def test_a_decided_request_cannot_be_decided_again(monday_morning, school, pupil, office, head):
    # One decision per request: the letter to the parents is not contradicted by a second one.
    leave = _record(school, pupil, office)
    stale = LeaveRequest.objects.get(pk=leave.pk)
    _decide(leave, head, approve=False, reason="No evidence of exceptional circumstances")
    for request in (leave, stale):  # the page reloaded, or a second tab still showing it pending
        with pytest.raises(DomainError, match="already refused on Mon 8 Sep 2025"):
            _decide(request, head)
    leave.refresh_from_db()
    assert leave.decision == LeaveDecision.REFUSED


def test_the_head_decides_through_the_queue(
    client, monday_morning, school, pupil, office, head, django_capture_on_commit_callbacks
):
    # "The head decides, for how many days."
    leave = _record(school, pupil, office)
    client.force_login(head)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("leave_decide", args=[school.pk, leave.pk]),
            {
                "decision": "approve",
                "reason": "Funeral of a close relative",
                "approved_first_day": "2025-09-22",
                "approved_first_session": "AM",
                "approved_last_day": "2025-09-23",
                "approved_last_session": "PM",
            },
        )
    assert response.status_code == 302 and len(callbacks) == 1  # the letter, after commit
    leave.refresh_from_db()
    assert (leave.decision, leave.approved_last_day) == (LeaveDecision.APPROVED, date(2025, 9, 23))
    assert not client.get(reverse("leave_queue", args=[school.pk])).context["pending"]


def test_the_decision_page_refuses_a_holiday_approval_with_400(
    client, monday_morning, school, pupil, office, head
):
    # "Holidays during term time will not be authorised."
    leave = _record(school, pupil, office, category=LeaveCategory.HOLIDAY, reason="Holiday")
    client.force_login(head)
    response = client.post(
        reverse("leave_decide", args=[school.pk, leave.pk]),
        {
            "decision": "approve",
            "reason": "Why not",
            "approved_first_session": "AM",
            "approved_last_session": "PM",
        },
    )
    assert response.status_code == 400
    page = _page(response)
    assert 'role="alert"' in page and "do not allow leave of absence for a holiday" in page


def test_the_office_and_a_teacher_cannot_decide(
    client, monday_morning, school, pupil, office, teacher_4a
):
    # "The Executive Headteacher will only grant a leave of absence": nobody else decides.
    leave = _record(school, pupil, office)
    for user in (office, teacher_4a):
        client.force_login(user)
        assert client.get(reverse("leave_queue", args=[school.pk])).status_code == 403
        url = reverse("leave_decide", args=[school.pk, leave.pk])
        assert client.get(url).status_code == 403
        response = client.post(url, {"decision": "approve", "reason": "Yes"})
        assert response.status_code == 403
        assert pupil.legal_surname not in _page(response)
    leave.refresh_from_db()
    assert leave.decision == LeaveDecision.PENDING


def test_another_schools_head_gets_404_and_learns_no_names(
    client, monday_morning, school, other_school, pupil, office, head_elsewhere
):
    # A head decides leave at their own school only; nothing of another school is shown
    # (issue #21: not even that it exists).
    leave = _record(school, pupil, office)
    client.force_login(head_elsewhere)
    responses = [
        client.get(reverse("leave_queue", args=[school.pk])),
        client.get(reverse("leave_decide", args=[school.pk, leave.pk])),
        client.post(reverse("leave_decide", args=[school.pk, leave.pk]), {"decision": "approve"}),
        client.get(reverse("leave_requests", args=[school.pk])),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    own_school = client.get(reverse("leave_decide", args=[other_school.pk, leave.pk]))
    assert own_school.status_code == 404
    for response in [*responses, own_school]:
        page = _page(response)
        assert pupil.legal_surname not in page and "Test Primary" not in page
    leave.refresh_from_db()
    assert leave.decision == LeaveDecision.PENDING


# The register follows the decision


def _register_line(client, group, day, session, pupil) -> dict:
    response = client.get(reverse("register", args=[group.pk, day, session]))
    assert response.status_code == 200
    return next(line for line in response.context["lines"] if line["pupil"] == pupil)


def test_approved_leave_fills_the_register_with_its_code_for_exactly_those_sessions(
    client, monday_morning, school, class_4a, pupil, teacher_4a, office, head
):
    # "Where a leave of absence is granted, the Headteacher ... will determine the number of days."
    leave = _record(school, pupil, office)  # Mon 22 to Fri 26 September
    _decide(
        leave,
        head,
        approved_first_day=date(2025, 9, 22),
        approved_first_session="PM",
        approved_last_day=date(2025, 9, 24),
        approved_last_session="AM",
    )
    expected = {
        (date(2025, 9, 22), "AM"): "",
        (date(2025, 9, 22), "PM"): "C",
        (date(2025, 9, 23), "AM"): "C",
        (date(2025, 9, 24), "AM"): "C",
        (date(2025, 9, 24), "PM"): "",  # asked for, not approved
        (date(2025, 9, 25), "AM"): "",
    }
    for (day, session), code in expected.items():
        with time_machine.travel(datetime(day.year, day.month, day.day, 9, 5, tzinfo=LONDON)):
            client.force_login(teacher_4a)
            line = _register_line(client, class_4a, day, session, pupil)
        assert line["code"] == code, (day, session)
        assert line["expected_why"] == ("approved leave of absence" if code else "")
    assert not Mark.objects.exists()  # the register writes them when it is taken


def test_approving_leave_already_begun_codes_the_sessions_so_far_amending_saved_marks(
    monday_morning, school, pupil, office, head
):
    # A change to a saved mark is an amendment keeping the original, the reason and who made it.
    for session in ("AM", "PM"):
        MarkFactory(
            pupil=pupil,
            school=school,
            date=date(2025, 9, 4),
            session=session,
            code_id="N",
            recorded_by=office,
        )
    leave = _record(
        school,
        pupil,
        office,
        first_day=date(2025, 9, 4),
        last_day=date(2025, 9, 10),
        received_on=date(2025, 9, 3),
        category=LeaveCategory.STUDY,
    )
    _decide(leave, head, reason="Study leave agreed")
    codes = dict(((m.date, m.session), m.code_id) for m in Mark.objects.filter(pupil=pupil))
    # Thursday 4 to today, Monday 8: written; Tuesday 9 and Wednesday 10 are left to the register.
    assert codes == {(date(2025, 9, d), s): "S" for d in (4, 5, 8) for s in ("AM", "PM")}
    amendments = Amendment.objects.filter(mark__pupil=pupil)
    assert amendments.count() == 2
    assert {(a.original_code_id, a.new_code_id, a.reason) for a in amendments} == {
        ("N", "S", "Leave of absence approved")
    }
    assert {a.amended_by_position for a in amendments} == {"Headteacher"}


# Refused leave taken anyway


def test_refused_leave_taken_anyway_is_coded_G_by_amendment_and_only_once(
    client, monday_morning, school, pupil, office, head
):
    # "If the Headteacher ... does not authorise the absence and parents ... still choose to go on holiday this will ... be marked as code G."
    leave = _record(
        school,
        pupil,
        office,
        category=LeaveCategory.HOLIDAY,
        reason="Holiday",
        first_day=date(2025, 9, 15),
        last_day=date(2025, 9, 19),
    )
    _decide(leave, head, approve=False, reason="A holiday is not an exceptional circumstance.")
    with time_machine.travel(datetime(2025, 9, 17, 10, 0, tzinfo=LONDON), tick=False):
        for day in (date(2025, 9, 15), date(2025, 9, 16)):
            MarkFactory(
                pupil=pupil, school=school, date=day, session="AM", code_id="N", recorded_by=office
            )
        client.force_login(office)
        response = client.post(reverse("leave_taken_anyway", args=[school.pk, leave.pk]))
        assert response.status_code == 302
        again = client.post(reverse("leave_taken_anyway", args=[school.pk, leave.pk]), follow=True)
        assert "already coded G" in again.content.decode()
        with pytest.raises(DomainError, match="already coded G"):
            leave_taken_anyway_record(leave=leave, by=office)
    codes = {(m.date, m.session): m.code_id for m in Mark.objects.filter(pupil=pupil)}
    # Monday 15 to Wednesday 17 (today): G; Thursday and Friday are still to come.
    assert codes == {(date(2025, 9, d), s): "G" for d in (15, 16, 17) for s in ("AM", "PM")}
    amendments = Amendment.objects.filter(mark__pupil=pupil)
    assert {(a.original_code_id, a.new_code_id, a.reason) for a in amendments} == {
        ("N", "G", "Leave refused, taken anyway")
    }
    assert amendments.count() == 2
    leave.refresh_from_db()
    assert leave.taken_anyway_coded_at is not None


def test_only_refused_leave_is_coded_as_taken_anyway(monday_morning, school, pupil, office, head):
    # Approved leave is authorised (its code); a request not yet decided is not refused.
    pending = _record(
        school,
        pupil,
        office,
        first_day=date(2025, 9, 3),
        last_day=date(2025, 9, 5),
        received_on=date(2025, 9, 1),
    )
    with pytest.raises(DomainError, match="not decided this request yet"):
        leave_taken_anyway_record(leave=pending, by=office)
    approved = _decide(pending, head)
    with pytest.raises(DomainError, match="Only refused leave"):
        leave_taken_anyway_record(leave=approved, by=office)
    assert not Mark.objects.filter(code_id="G").exists()


# The letter to the parents


@pytest.mark.pdf
def test_the_approval_letter_is_a_pdf_naming_the_pupil_the_dates_and_the_decision(
    monday_morning,
    school,
    pupil,
    parents,
    office,
    head,
    django_capture_on_commit_callbacks,
):
    # The head "tells the parents in writing", for how many days.
    leave = _record(school, pupil, office)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(leave, head, approved_last_day=date(2025, 9, 24))
    leave.refresh_from_db()
    assert leave.letter.name.startswith("letters/leave/2025/")
    data = leave.letter.read()
    assert len(data) > 1000 and data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "Test Primary" in text and "1 School Lane" in text
    assert "Maria Parent, Frank Parent and Stella Step" in text and "Gina Gran" not in text
    assert pupil.name in text
    assert "Monday 22 September 2025 to Friday 26 September 2025" in text
    assert "approved for fewer days than you asked for" in text
    assert "Monday 22 September 2025 to Wednesday 24 September 2025" in text
    assert "code C" in text and "Hana Head" in text


@pytest.mark.pdf
def test_the_refused_holiday_letter_warns_of_code_G_and_a_penalty_notice(
    monday_morning,
    school,
    pupil,
    parents,
    office,
    head,
    django_capture_on_commit_callbacks,
):
    # "This will then be deemed unauthorised absence and, marked as code G ... may ... issue a penalty notice."
    leave = _record(school, pupil, office, category=LeaveCategory.HOLIDAY, reason="Holiday")
    with django_capture_on_commit_callbacks(execute=True):
        _decide(leave, head, approve=False, reason="A holiday is not an exceptional circumstance.")
    leave.refresh_from_db()
    text = _pdf_text(leave.letter.read())
    assert pupil.name in text and "Monday 22 September 2025" in text
    assert "Your request has been refused" in text
    assert "A holiday is not an exceptional circumstance." in text
    assert "unauthorised and recorded with code G" in text and "penalty notice" in text


@pytest.mark.pdf
def test_the_letter_is_emailed_once_only_to_contacts_with_parental_responsibility(
    monday_morning,
    school,
    pupil,
    parents,
    office,
    head,
    django_capture_on_commit_callbacks,
):
    # Letters go to the parents: contacts with parental responsibility, each with an address.
    leave = _record(school, pupil, office)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(leave, head)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "frank@example.org",
        "maria@example.org",
    ]
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc
        assert pupil.name in message.subject
        [(filename, content, mimetype)] = message.attachments
        assert filename.endswith(".pdf") and mimetype == "application/pdf"
        assert content.startswith(b"%PDF")
    leave.refresh_from_db()
    assert leave.letter_emailed_at is not None
    leave_decision_letter_send(leave_id=leave.pk)  # a retry sends nothing more
    assert len(mail.outbox) == 2


@pytest.mark.pdf
def test_the_office_downloads_the_letter_and_another_school_cannot(
    client,
    monday_morning,
    school,
    other_school,
    pupil,
    parents,
    office,
    teacher_4a,
    head,
    head_elsewhere,
    django_capture_on_commit_callbacks,
):
    # Letters about a pupil are for that school's office and head only.
    leave = _record(school, pupil, office)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(leave, head)
    url = reverse("leave_letter", args=[school.pk, leave.pk])
    for user in (office, head):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(teacher_4a)
    assert client.get(url).status_code == 403
    client.force_login(head_elsewhere)
    forbidden = client.get(url)
    assert forbidden.status_code == 404  # issue #21: another school's is not found
    assert pupil.legal_surname not in _page(forbidden)
    assert client.get(reverse("leave_letter", args=[other_school.pk, leave.pk])).status_code == 404


def test_a_letter_not_yet_drawn_is_404(client, monday_morning, school, pupil, office, head):
    # The letter exists once the decision is made and drawn.
    leave = _decide(_record(school, pupil, office), head)  # on_commit not run: no letter yet
    client.force_login(office)
    assert client.get(reverse("leave_letter", args=[school.pk, leave.pk])).status_code == 404


@pytest.mark.pdf
def test_the_office_sends_a_letter_that_was_not_sent_after_the_decision(
    client, monday_morning, school, pupil, parents, office, head
):
    # The head "tells the parents in writing": a letter that failed is drawn and sent again, once.
    leave = _decide(_record(school, pupil, office), head)  # on_commit not run: as if it failed
    client.force_login(office)
    page = _page(client.get(reverse("leave_requests", args=[school.pk])))
    assert "Draw and send the letter" in page
    url = reverse("leave_letter_send", args=[school.pk, leave.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert len(mail.outbox) == 2  # one each to the mother and the father, not twice
    leave.refresh_from_db()
    assert leave.letter and leave.letter_emailed_at is not None
    assert "e-mailed 8 Sep" in _page(client.get(reverse("leave_requests", args=[school.pk])))
