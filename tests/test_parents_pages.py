"""The parents' pages: only their own children, each child's attendance, absences and letters,
and asking for leave online."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from absences.models import LeaveDecision, LeaveRequest, LeaveSource, ParentReport
from absences.selectors.leave import leave_requests_pending
from registers.models import AccessLog
from tests.conftest import MONDAY
from tests.factories import (
    ContactFactory,
    MarkFactory,
    PupilContactFactory,
    UserFactory,
    enrol_in_group,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def families(monday_morning, school, class_4a, teacher_4a):
    """Pat (parent of Ann, and contact without parental responsibility for Ben) and Robin
    (parent of Ben): each signed in before."""
    ann, ben = enrol_in_group(class_4a, surnames=["Ashby", "Brook"])
    pat = ContactFactory(name="Pat Parent", user=UserFactory(username="parent-pat"))
    robin = ContactFactory(name="Robin Parent", user=UserFactory(username="parent-robin"))
    PupilContactFactory(pupil=ann, contact=pat, priority=1)
    PupilContactFactory(pupil=ben, contact=robin, priority=1)
    PupilContactFactory(pupil=ben, contact=pat, priority=2, parental_responsibility=False)
    return {"pat": pat, "robin": robin, "ann": ann, "ben": ben}


def _child_url(pupil) -> str:
    return reverse("parents_child", args=[pupil.pk])


def test_a_parent_sees_only_their_own_children(client, families):
    # Issue: parents "see only their own children".
    client.force_login(families["pat"].user)
    home = client.get(reverse("parents_home"))
    assert [c.pupil for c in home.context["children"]] == [families["ann"]]
    assert client.get(_child_url(families["ann"])).status_code == 200


def test_anyone_elses_child_is_a_404_on_every_parent_page(client, families):
    # Issue: "a 404 for anyone else's" (here a child Pat is a contact of, without parental
    # responsibility, and a pupil id that does not exist).
    client.force_login(families["pat"].user)
    ben = families["ben"].pk
    for url in (
        reverse("parents_child", args=[ben]),
        reverse("parents_report_absence", args=[ben]),
        reverse("parents_ask_for_leave", args=[ben]),
        reverse("parents_letter", args=[ben, "leave", 1]),
        reverse("parents_child", args=[999999]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("parents_report_absence", args=[ben]),
        {"kind": "illness", "first_day": "2025-09-08", "first_session": "AM"},
    )
    assert response.status_code == 404
    assert not ParentReport.objects.exists()


def test_a_child_page_shows_attendance_sessions_missed_and_their_meanings(
    client, families, school, teacher_4a, django_assert_max_num_queries
):
    # Issue: "this year's attendance %, the sessions missed with their codes' meanings".
    ann = families["ann"]
    for day, session, code in [
        (date(2025, 9, 3), "AM", "/"),
        (date(2025, 9, 3), "PM", "\\"),
        (date(2025, 9, 4), "AM", "/"),
        (date(2025, 9, 4), "PM", "\\"),
        (date(2025, 9, 5), "AM", "I"),
        (date(2025, 9, 5), "PM", "N"),
    ]:
        MarkFactory(pupil=ann, school=school, date=day, session=session, code_id=code)
    client.force_login(families["pat"].user)
    client.get(_child_url(ann))
    # 13: the session is read from the database (issue 19: pages work while Redis is down).
    with django_assert_max_num_queries(13):
        response = client.get(_child_url(ann))
    page = response.content.decode()
    assert str(response.context["figures"].attendance_pct) == "66.7"
    assert "66.7%" in page
    assert [(m.date, m.session, m.code_id) for m in response.context["missed"]] == [
        (date(2025, 9, 5), "PM", "N"),
        (date(2025, 9, 5), "AM", "I"),
    ]
    assert "Illness (not medical or dental appointment)" in page
    assert "Reason for absence not yet established (unauthorised absence)" in page
    assert "unauthorised absence" in page


def test_letters_for_the_child_download_and_no_one_elses(client, families, school, office):
    # Issue: parents see "letters sent to them"; stored letters are served only through the
    # access-checked download.
    def leave_with_letter(pupil):
        leave = LeaveRequest.objects.create(
            school=school,
            pupil=pupil,
            first_day=date(2025, 10, 6),
            last_day=date(2025, 10, 6),
            category="C",
            reason="Funeral",
            received_on=MONDAY,
            recorded_by=office,
            recorded_at=timezone.now(),
            decision=LeaveDecision.APPROVED,
            decided_by=office,
            decided_at=timezone.now(),
        )
        leave.letter.save(f"leave-{leave.pk}.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
        return leave

    own, bens = leave_with_letter(families["ann"]), leave_with_letter(families["ben"])
    client.force_login(families["pat"].user)
    page = client.get(_child_url(families["ann"]))
    assert [(line.kind, line.letter_id) for line in page.context["letters"]] == [("leave", own.pk)]
    download = client.get(reverse("parents_letter", args=[families["ann"].pk, "leave", own.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # Issue #7: letter downloads are logged (who, what, when), naming no pupil.
    logged = AccessLog.objects.get()
    assert (logged.user, logged.school, logged.what) == (
        families["pat"].user,
        school,
        f"leave letter {own.pk}, by a parent",
    )
    # Ben's letter, asked for through Pat's own child: not found, and nothing logged.
    other = client.get(reverse("parents_letter", args=[families["ann"].pk, "leave", bens.pk]))
    assert other.status_code == 404
    assert AccessLog.objects.count() == 1


def test_a_leave_request_made_online_goes_to_the_head_like_a_paper_one(client, families, school):
    # Issue: an online request "enters the same flow as a paper request (the head decides)".
    client.force_login(families["pat"].user)
    response = client.post(
        reverse("parents_ask_for_leave", args=[families["ann"].pk]),
        {
            "category": "C",
            "first_day": "2025-10-06",
            "first_session": "AM",
            "last_day": "2025-10-07",
            "last_session": "PM",
            "reason": "A family funeral abroad",
            "evidence": "",
        },
    )
    assert response.status_code == 302
    leave = LeaveRequest.objects.get()
    assert (leave.source, leave.decision, leave.recorded_by) == (
        LeaveSource.ONLINE,
        LeaveDecision.PENDING,
        families["pat"].user,
    )
    assert leave.received_on == MONDAY
    assert list(leave_requests_pending(school=school)) == [leave]
    page = client.get(_child_url(families["ann"])).content.decode()
    assert "Waiting for the head" in page


def test_a_leave_request_for_days_gone_is_refused_and_nothing_saved(client, families):
    client.force_login(families["pat"].user)
    response = client.post(
        reverse("parents_ask_for_leave", args=[families["ann"].pk]),
        {
            "category": "C",
            "first_day": "2025-09-04",
            "first_session": "AM",
            "last_day": "2025-09-05",
            "last_session": "PM",
            "reason": "Something",
        },
    )
    assert response.status_code == 400
    assert "in advance" in response.content.decode()
    assert not LeaveRequest.objects.exists()


def test_a_parent_reports_an_absence_from_the_page(client, families):
    client.force_login(families["pat"].user)
    response = client.post(
        reverse("parents_report_absence", args=[families["ann"].pk]),
        {"kind": "illness", "first_day": "2025-09-08", "first_session": "AM", "details": "Sick"},
    )
    assert response.status_code == 302
    report = ParentReport.objects.get()
    assert (report.pupil, report.contact, report.first_day, report.last_day) == (
        families["ann"],
        families["pat"],
        MONDAY,
        MONDAY,
    )
    page = client.get(_child_url(families["ann"])).content.decode()
    assert "Waiting for the office" in page


def test_the_pages_fit_a_phone(client, families):
    # Pages must work on a phone: the base layout's viewport, no wide fixed layout.
    client.force_login(families["pat"].user)
    page = client.get(reverse("parents_report_absence", args=[families["ann"].pk]))
    assert 'name="viewport" content="width=device-width' in page.content.decode()
