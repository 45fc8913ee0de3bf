"""Issue 16, items 6-9: leave recorded after it was taken, retention from the date of entry, a
late arrival after the session ended, and the letter HMFA promises for unauthorised absence.

The School Attendance (Pupil Registration) (England) Regulations 2024: regulation 7 (entries
kept six years from the date they were entered), regulation 10 (`U`: "attended after the taking
of the register ended but before the end of the session"), regulation 11 (leave granted only on
a request made in advance; in exceptional circumstances, by a parent the pupil normally lives
with).
"""

from datetime import date, datetime, time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from absences.models import LeaveCategory, LeaveDecision, UnauthorisedAbsenceLetter
from absences.services.leave import leave_request_decide, leave_request_record
from absences.services.unauthorised_letters import unauthorised_letters_request
from core.errors import DomainError
from registers.models import Mark
from registers.services.marks import late_arrival_record
from retention.services import retention_run
from tests.conftest import LONDON
from tests.factories import MarkFactory, PupilContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def _leave(school, pupil, office, **overrides):
    values = {
        "first_day": date(2025, 9, 8),
        "first_session": "AM",
        "last_day": date(2025, 9, 12),
        "last_session": "PM",
        "category": LeaveCategory.EXCEPTIONAL,
        "reason": "A family funeral abroad",
        "evidence": "",
        "received_on": date(2025, 9, 25),  # 17 days after the leave began
        "requested_by_name": "Mona Parent",
        "requester_lives_with_pupil": True,
    }
    return leave_request_record(school=school, pupil=pupil, by=office, **{**values, **overrides})


# 6. Leave recorded after it was taken -------------------------------------------------------------


@pytest.mark.parametrize("category", ["C", "J1", "S"])
def test_leave_asked_for_after_it_began_cannot_be_approved_as_c_j1_or_s(
    client, school, pupils_4a, office, head, category
):
    # Regulation 11: C only on a request made in advance, J1 if asked for in advance, S if
    # agreed in advance. A request received 17 days after the leave began is retrospective.
    with time_machine.travel(datetime(2025, 9, 26, 10, 0, tzinfo=LONDON), tick=False):
        leave = _leave(school, pupils_4a[0], office, category=category)
        assert leave.retrospective
        client.force_login(head)
        page = client.get(reverse("leave_decide", args=[school.pk, leave.pk])).content.decode()
        assert "only on a request made in advance" in page
        with pytest.raises(DomainError, match="only on a request made in advance"):
            leave_request_decide(leave=leave, approve=True, reason="Granted", by=head)
        leave.refresh_from_db()
        assert leave.decision == LeaveDecision.PENDING
        assert not Mark.objects.filter(code_id=category).exists()
        refused = leave_request_decide(leave=leave, approve=False, reason="Not in advance", by=head)
    assert refused.decision == LeaveDecision.REFUSED


def test_leave_asked_for_in_advance_by_a_parent_the_pupil_lives_with_can_be_approved(
    school, pupils_4a, office, head
):
    with time_machine.travel(datetime(2025, 9, 5, 10, 0, tzinfo=LONDON), tick=False):
        leave = _leave(school, pupils_4a[0], office, received_on=date(2025, 9, 1))
        assert not leave.retrospective
        decided = leave_request_decide(leave=leave, approve=True, reason="Granted", by=head)
    assert decided.decision == LeaveDecision.APPROVED


def test_exceptional_leave_asked_for_by_a_parent_the_pupil_does_not_live_with_is_refused(
    school, pupils_4a, office, head
):
    # Regulation 11: "an application made in advance ... by a parent with whom the pupil
    # normally resides".
    with time_machine.travel(datetime(2025, 9, 5, 10, 0, tzinfo=LONDON), tick=False):
        leave = _leave(
            school,
            pupils_4a[0],
            office,
            received_on=date(2025, 9, 1),
            requested_by_name="Dan Parent",
            requester_lives_with_pupil=False,
        )
        with pytest.raises(DomainError, match="Dan Parent is not recorded as one"):
            leave_request_decide(leave=leave, approve=True, reason="Granted", by=head)
        # Interview leave has no such condition.
        interview = _leave(
            school,
            pupils_4a[1],
            office,
            category=LeaveCategory.INTERVIEW,
            received_on=date(2025, 9, 1),
            requester_lives_with_pupil=False,
        )
        assert (
            leave_request_decide(leave=interview, approve=True, reason="Granted", by=head).decision
            == LeaveDecision.APPROVED
        )


# 7. Retention from the date of entry ----------------------------------------------------------


def test_a_mark_imported_long_after_its_session_is_kept_six_years_from_its_import(school):
    # Regulation 7: "every entry ... kept for a period of six years beginning with the date on
    # which it was entered". A mark for 21 July 2025 imported on 4 December 2026 is kept past
    # August 2031, until six years from 4 December 2026.
    imported = MarkFactory(
        school=school,
        date=date(2025, 7, 21),
        recorded_at=datetime(2026, 12, 4, 10, 0, tzinfo=LONDON),
    )
    entered_then = MarkFactory(school=school, date=date(2025, 7, 18))
    for day, kept in ((date(2031, 9, 1), {imported.pk}), (date(2033, 8, 31), set())):
        with time_machine.travel(datetime.combine(day, time(1, 30), tzinfo=LONDON), tick=False):
            retention_run(federation=school.federation, today=timezone.localdate(), dry_run=False)
        assert set(Mark.objects.values_list("pk", flat=True)) == kept
    assert not Mark.objects.filter(pk=entered_then.pk).exists()


# 8. A late arrival after the session ---------------------------------------------------------


@pytest.mark.parametrize("arrived", [time(16, 30), time(23, 0)])
def test_an_arrival_after_the_afternoon_session_is_refused_not_coded_u(
    school, pupils_4a, office, arrived
):
    # Regulation 10: U is "attended after the taking of the register ended but before the end of
    # the session"; the `school` fixture's afternoon ends at 15:15.
    with time_machine.travel(datetime(2025, 9, 8, 23, 30, tzinfo=LONDON), tick=False):
        with pytest.raises(DomainError, match="after the PM session ended \\(15:15\\)"):
            late_arrival_record(
                school=school,
                pupil=pupils_4a[0],
                day=date(2025, 9, 8),
                session="PM",
                arrived_at=arrived,
                reason="Came back for a coat",
                by=office,
            )
        assert not Mark.objects.exists()
        within = late_arrival_record(
            school=school,
            pupil=pupils_4a[0],
            day=date(2025, 9, 8),
            session="PM",
            arrived_at=time(14, 0),
            reason="Dentist",
            by=office,
        )
    assert within.mark.code_id == "U"


# 9. HMFA: parents told in writing of unauthorised absence ---------------------------------------


@pytest.mark.pdf
def test_parents_get_one_letter_listing_sessions_recorded_as_unauthorised_once(
    client, school, pupils_4a, django_capture_on_commit_callbacks, mailoutbox
):
    # HMFA policy: "parents will be notified in writing if the absences are unauthorised".
    from pypdf import PdfReader

    pupil = pupils_4a[0]
    parent = PupilContactFactory(
        pupil=pupil, contact__name="Mona Parent", contact__email="mona@example.org"
    ).contact
    for session, code in (("AM", "G"), ("PM", "O")):
        MarkFactory(
            pupil=pupil, school=school, date=date(2025, 9, 8), session=session, code_id=code
        )
    MarkFactory(pupil=pupil, school=school, date=date(2025, 9, 9), session="AM", code_id="N")
    today = date(2025, 9, 12)
    assert unauthorised_letters_request(school=school, today=today) == []  # switched off

    school.federation.unauthorised_absence_letters = True
    school.federation.save()
    with django_capture_on_commit_callbacks(execute=True):
        (letter_id,) = unauthorised_letters_request(school=school, today=today)
    assert unauthorised_letters_request(school=school, today=today) == []  # listed once
    letter = UnauthorisedAbsenceLetter.objects.get(pk=letter_id)
    assert letter.sessions.count() == 2  # G and O; N is still being chased
    with letter.letter.open("rb") as stored:
        text = " ".join(
            " ".join((page.extract_text() or "").split()) for page in PdfReader(stored).pages
        )
    assert "2 sessions of" in text and "have been recorded as unauthorised" in text
    assert "Monday 8 September 2025" in text
    assert [message.to for message in mailoutbox] == [["mona@example.org"]]

    parent.user = UserFactory(username="parent-mona")
    parent.save()
    client.force_login(parent.user)
    page = client.get(reverse("parents_child", args=[pupil.pk])).content.decode()
    assert "Absence recorded as unauthorised" in page
    url = reverse("parents_letter", args=[pupil.pk, "unauthorised", letter_id])
    assert client.get(url).status_code == 200
