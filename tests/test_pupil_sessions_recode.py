"""`pupil_sessions_recode`: the office recodes one pupil's sessions once a reason is known."""

from datetime import date

import pytest

from core.errors import DomainError
from registers.models import Amendment, Mark
from registers.selectors import school_sessions_between
from registers.services.marks import pupil_sessions_recode
from tests.conftest import MONDAY
from tests.factories import MarkFactory

pytestmark = pytest.mark.django_db


def test_saved_marks_are_amended_and_missing_ones_created(
    monday_morning, school, pupils_4a, office
):
    pupil = pupils_4a[0]
    MarkFactory(pupil=pupil, school=school, date=date(2025, 9, 5), session="AM", code_id="N")
    sessions = school_sessions_between(
        school=school, first_day=date(2025, 9, 5), last_day=MONDAY, last_session="AM"
    )
    # Friday AM and PM, then Monday AM: the weekend has no sessions.
    assert sessions == [(date(2025, 9, 5), "AM"), (date(2025, 9, 5), "PM"), (MONDAY, "AM")]
    result = pupil_sessions_recode(
        school=school, pupil=pupil, sessions=sessions, code="I", reason="Parent call", by=office
    )
    assert (result.created, result.amended) == (2, 1)
    # 2024 regulations: the original entry stays distinguishable from the amendment.
    amendment = Amendment.objects.get()
    assert (amendment.original_code_id, amendment.new_code_id) == ("N", "I")
    assert set(Mark.objects.values_list("code", flat=True)) == {"I"}


def test_a_session_before_the_pupil_joined_refuses_them_all(
    monday_morning, school, pupils_4a, office
):
    pupil = pupils_4a[0]
    pupil.enrolments.update(start_date=date(2025, 9, 4))
    with pytest.raises(DomainError, match="is not on roll at Test Primary for all of those days"):
        pupil_sessions_recode(
            school=school,
            pupil=pupil,
            sessions=[(date(2025, 9, 3), "AM"), (date(2025, 9, 4), "AM")],
            code="I",
            reason="Parent call",
            by=office,
        )
    assert not Mark.objects.exists()


def test_a_session_still_to_come_is_refused(monday_morning, school, pupils_4a, office):
    with pytest.raises(DomainError, match="still to come"):
        pupil_sessions_recode(
            school=school,
            pupil=pupils_4a[0],
            sessions=[(MONDAY, "AM"), (date(2025, 9, 9), "AM")],
            code="I",
            reason="Parent call",
            by=office,
        )
    assert not Mark.objects.exists()
