"""Evidence used once: marks that supported an issued penalty notice count towards no other.

Issue rule: "Marks that supported an issued penalty notice cannot count towards another notice
for the same pupil: the threshold engine leaves them out of later windows, and the case shows
which marks were used." The threshold itself (shared/domain/attendance-rules.md, "Penalty
notices"): "10 sessions of unauthorised absence (codes G, N, O, U) within a rolling period of 10
school weeks".
"""

import json
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from penalties.models import PenaltyNoticeEvidence, PenaltyNoticeKind, ThresholdCase
from penalties.selectors import pupils_meeting_threshold
from penalties.services import case_route_decide, penalty_notice_record, threshold_cases_open
from registers.services.marks import mark_amend
from tests.conftest import LONDON
from tests.factories import PupilContactFactory
from tests.test_thresholds import mark, pupil_at, whole_days

pytestmark = pytest.mark.django_db

FIRST_WEEK = date(2025, 9, 8)  # a Monday of the `school` fixture's autumn term
ISSUED = date(2025, 9, 22)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime(2025, 12, 1, 10, 0, tzinfo=LONDON), tick=False):
        yield date(2025, 12, 1)


@pytest.fixture
def pupil(school):
    return pupil_at(school)


@pytest.fixture
def first_marks(school, pupil):
    """Ten unauthorised sessions (a week of holiday not granted): the threshold, once."""
    return whole_days(pupil, school, FIRST_WEEK, 5, "G")


@pytest.fixture
def case(school, first_marks) -> ThresholdCase:
    assert threshold_cases_open(school=school, as_of=date(2025, 9, 19)) == 1
    return ThresholdCase.objects.get()


def issue_notice(case, by, *, relationship="Mother", priority=1):
    parent = PupilContactFactory(
        pupil=case.pupil, relationship=relationship, priority=priority
    ).contact
    return penalty_notice_record(
        case=case,
        parent=parent,
        kind=PenaltyNoticeKind.NATIONAL,
        issued_on=ISSUED,
        served_by="hand",
        by=by,
    )


def meeting(school, as_of=date(2025, 11, 28), **kwargs):
    return pupils_meeting_threshold(schools=[school], as_of=as_of, **kwargs)


def test_a_penalty_notice_records_the_marks_that_met_the_threshold(case, first_marks, head):
    # The notice rests on the case's window: the unauthorised marks that met the threshold.
    notice = issue_notice(case, head)
    assert set(notice.marks_used.values_list("pk", flat=True)) == {m.pk for m in first_marks}


def test_the_same_ten_sessions_do_not_trigger_again_after_a_notice(school, case, first_marks, head):
    # Marks that supported an issued penalty notice cannot count towards another notice.
    assert [r.pupil_id for r in meeting(school)] == [case.pupil_id]  # before the notice
    issue_notice(case, head)
    assert meeting(school) == []
    # Nor when the case is closed and the nightly check runs again.
    case_route_decide(case=case, route="close", reason="Notice paid", by=head)
    assert threshold_cases_open(school=school, as_of=date(2025, 11, 28)) == 0


def test_with_new_sessions_only_the_new_ones_count(school, pupil, case, first_marks, head):
    # "leaves them out of later windows": 6 new sessions beside the 10 used ones are not 10.
    issue_notice(case, head)
    week_after = FIRST_WEEK + timedelta(days=7)
    new = whole_days(pupil, school, week_after, 3, "N")
    assert meeting(school) == []
    new += whole_days(pupil, school, week_after + timedelta(days=7), 2, "O")
    (result,) = meeting(school)
    assert result.sessions == 10
    assert {m.mark_id for m in result.marks} == {m.pk for m in new}


def test_every_liable_parents_notice_for_the_case_rests_on_the_same_marks(
    client, school, case, first_marks, head
):
    # Each liable parent can be issued a notice for the same absence; the case page shows
    # which marks were used.
    mother = issue_notice(case, head)
    father = issue_notice(case, head, relationship="Father", priority=2)
    assert set(mother.marks_used.all()) == set(father.marks_used.all()) == set(first_marks)
    client.force_login(head)
    response = client.get(reverse("threshold_case", args=[school.pk, case.pk]))
    used = response.context["notice_evidence"]
    assert [len(u.marks) for u in used] == [10, 10]
    assert used[0].marks[0].date == FIRST_WEEK and used[0].marks[0].code == "G"
    page = response.content.decode()
    assert "Sessions used as evidence" in page
    assert "Mon 8 Sep 2025 AM: G" in page


def test_a_mark_amended_to_an_authorised_code_is_not_recorded_as_evidence(
    school, pupil, case, first_marks, head
):
    # Only unauthorised sessions support a notice, read as they stand when it is recorded: an
    # illness accepted since supports nothing; a late after close since, in the window, does.
    late = mark(pupil, school, date(2025, 9, 4), "AM", "U")  # the window: 3 to 12 September
    amended = first_marks[0]
    mark_amend(mark=amended, code="I", arrived_at=None, reason="GP letter", by=head, seen_version=1)
    notice = issue_notice(case, head)
    used = set(notice.marks_used.values_list("pk", flat=True))
    assert amended.pk not in used and late.pk in used
    assert len(used) == 10


def test_a_suspension_notice_uses_no_attendance_marks(school, pupil, first_marks, head):
    # The suspended-pupil notice is outside the national framework.
    parent = PupilContactFactory(pupil=pupil).contact
    penalty_notice_record(
        pupil=pupil,
        school=school,
        parent=parent,
        kind=PenaltyNoticeKind.SUSPENSION_PUBLIC_PLACE,
        issued_on=ISSUED,
        served_by="hand",
        by=head,
    )
    assert not PenaltyNoticeEvidence.objects.exists()
    assert len(meeting(school)) == 1


def test_check_thresholds_json_keeps_its_shape_and_leaves_used_marks_out(
    school, pupil, case, first_marks, head
):
    # The command's output is unchanged in shape; the used sessions are simply not there.
    issue_notice(case, head)
    new = [mark(pupil, school, FIRST_WEEK + timedelta(days=14 + d), "AM", "U") for d in range(5)]
    new += [mark(pupil, school, FIRST_WEEK + timedelta(days=21 + d), "PM", "N") for d in range(5)]
    out = StringIO()
    call_command(
        "check_thresholds", "--school", school.urn, "--as-of", "2025-11-28", "--json", stdout=out
    )
    (row,) = json.loads(out.getvalue())
    assert set(row) == {"upn", "window_start", "window_end", "sessions", "marks"}
    assert row["sessions"] == 10
    assert {m["date"] for m in row["marks"]} == {m.date.isoformat() for m in new}
    assert set(row["marks"][0]) == {"date", "session", "code"}
