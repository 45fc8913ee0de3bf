"""The registers' JSON API: read a register, submit it, amend a mark, with the pages' rules."""

from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registers.models import Amendment, Mark, MarkSource, Register, School
from tests.conftest import LONDON, MONDAY
from tests.factories import (
    EnrolmentFactory,
    GroupMembershipFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    enrol_in_group,
)

pytestmark = pytest.mark.django_db

MONDAY_10AM = datetime(2025, 9, 8, 10, 0, tzinfo=LONDON)
AFTER_HALF_TERM = datetime(2025, 11, 3, 10, 0, tzinfo=LONDON)
JSON = "application/json"


def _register_url(group_id: int, day: date = MONDAY, session: str = "AM") -> str:
    return reverse("api:register", args=[group_id, day, session])


def _amend_url(mark_id: int) -> str:
    return reverse("api:mark_amend", args=[mark_id])


def _line(pupil, code: str, *, arrived_at: str | None = None, seen: int | None = None) -> dict:
    line = {"pupil": pupil.pk, "code": code, "seen_version": seen}
    if arrived_at is not None:
        line["arrived_at"] = arrived_at
    return line


def _all_present(pupils: list, seen: dict | None = None) -> dict:
    return {"marks": [_line(p, "/", seen=(seen or {}).get(p.pk)) for p in pupils]}


@pytest.fixture
def pupils_4a(class_4a) -> list:
    return enrol_in_group(class_4a, surnames=["Adams", "Brown", "Clarke", "Davies"])


# Reading a register


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_teacher_reads_their_class_register_with_marks_already_known(
    client, school, teacher_4a, office, class_4a, pupils_4a
):
    # A mark saved before the register was taken (the office logged an absence) shows as known.
    logged = MarkFactory(
        pupil=pupils_4a[1], school=school, code_id="I", source=MarkSource.OFFICE, recorded_by=office
    )
    client.force_login(teacher_4a)

    response = client.get(_register_url(class_4a.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["group"] == {"id": class_4a.pk, "name": "4A"}
    assert body["school"] == {"id": school.pk, "urn": school.urn, "name": "Test Primary"}
    assert (body["date"], body["session"]) == ("2025-09-08", "AM")
    assert (body["taken_by"], body["taken_at"]) == (None, None)
    assert [line["pupil"] for line in body["lines"]] == [
        {"id": p.pk, "upn": p.upn, "name": p.name} for p in pupils_4a
    ]
    assert [line["mark"] for line in body["lines"]] == [
        None,
        {
            "id": logged.pk,
            "code": "I",
            "minutes_late": None,
            "source": "office",
            "version": 1,
            "amended": False,
        },
        None,
        None,
    ]
    assert {line["expected_code"] for line in body["lines"]} == {""}


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_dual_registered_pupil_at_the_other_school_is_expected_as_d(
    client, teacher_4a, class_4a, pupils_4a
):
    # Fact sheet: D, dual registered, attending the other school; known before the register.
    pupils_4a[0].enrolments.update(registration_type="M", other_school_sessions=["Mon AM"])
    client.force_login(teacher_4a)
    body = client.get(_register_url(class_4a.pk)).json()
    assert [line["expected_code"] for line in body["lines"]] == ["D", "", "", ""]


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_taken_register_says_who_took_it_and_when(client, teacher_4a, class_4a, pupils_4a):
    client.force_login(teacher_4a)
    client.post(_register_url(class_4a.pk), _all_present(pupils_4a), content_type=JSON)

    body = client.get(_register_url(class_4a.pk)).json()

    assert body["taken_by"] == "Tess Teacher"
    assert body["taken_at"] == "2025-09-08T10:00:00+01:00"
    assert {line["mark"]["code"] for line in body["lines"]} == {"/"}


@time_machine.travel(MONDAY_10AM, tick=False)
def test_reading_a_register_of_60_pupils_takes_no_more_queries_than_one_of_10(
    client, school, office, django_assert_max_num_queries
):
    small = RegistrationGroupFactory(school=school, name="3S")
    big = RegistrationGroupFactory(school=school, name="6B")
    for group, size in ((small, 10), (big, 60)):
        pupils = enrol_in_group(group, surnames=[f"Pupil{group.name}{n:03d}" for n in range(size)])
        for pupil in pupils[::2]:
            mark = MarkFactory(pupil=pupil, school=school, code_id="N", recorded_by=office)
            Amendment.objects.create(
                mark=mark,
                original_code_id="N",
                new_code_id="N",
                reason="Checked",
                amended_at=MONDAY_10AM,
                amended_by=office,
                amended_by_name="Olive Office",
                amended_by_position="Office manager",
            )
    client.force_login(office)

    with CaptureQueriesContext(connection) as small_queries:
        small_response = client.get(_register_url(small.pk))
    with django_assert_max_num_queries(len(small_queries)):
        big_response = client.get(_register_url(big.pk))

    assert len(small_response.json()["lines"]) == 10
    assert len(big_response.json()["lines"]) == 60
    assert big_response.json()["lines"][0]["mark"]["amended"] is True


# Submitting a register


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_full_register_is_saved_with_minutes_late_from_the_arrival_times(
    client, school, teacher_4a, class_4a, pupils_4a
):
    # Both policies, 'Lateness': L before the register closes, with the minutes since it
    # opened; U after it closes.
    adams, brown, clarke, davies = pupils_4a
    client.force_login(teacher_4a)

    response = client.post(
        _register_url(class_4a.pk),
        {
            "marks": [
                _line(adams, "/"),
                _line(brown, "L", arrived_at="08:55"),
                _line(clarke, "L", arrived_at="09:20"),
                _line(davies, "N"),
            ]
        },
        content_type=JSON,
    )

    assert response.status_code == 200
    assert response.json() == {"created": 4, "amended": 0, "unchanged": 0}
    saved = {
        m.pupil_id: (m.code_id, m.minutes_late, m.source, m.recorded_by_id)
        for m in Mark.objects.filter(school=school, date=MONDAY, session="AM")
    }
    assert saved == {
        adams.pk: ("/", None, "register", teacher_4a.pk),
        brown.pk: ("L", 10, "register", teacher_4a.pk),
        clarke.pk: ("U", 35, "register", teacher_4a.pk),
        davies.pk: ("N", None, "register", teacher_4a.pk),
    }
    register = Register.objects.get(group=class_4a, date=MONDAY, session="AM")
    assert register.taken_by == teacher_4a


@time_machine.travel(MONDAY_10AM, tick=False)
def test_every_pupil_needs_a_mark(client, teacher_4a, class_4a, pupils_4a):
    client.force_login(teacher_4a)

    response = client.post(
        _register_url(class_4a.pk), _all_present(pupils_4a[:3]), content_type=JSON
    )

    assert response.status_code == 400
    assert response.json()["problems"] == [
        f"Every pupil needs a mark; 1 have none: {pupils_4a[3].name}."
    ]
    assert not Mark.objects.exists()
    assert not Register.objects.exists()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_changing_a_saved_register_needs_a_reason_and_keeps_the_original(
    client, teacher_4a, class_4a, pupils_4a
):
    # 2024 regulations: an amendment keeps the original entry, the reason, and the name and
    # position of the person.
    client.force_login(teacher_4a)
    client.post(_register_url(class_4a.pk), _all_present(pupils_4a), content_type=JSON)
    seen = {m.pupil_id: m.version for m in Mark.objects.all()}
    changed = _all_present(pupils_4a, seen)
    changed["marks"][0]["code"] = "N"

    refused = client.post(_register_url(class_4a.pk), changed, content_type=JSON)
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Give the reason for changing marks that were already saved."
    }
    assert not Amendment.objects.exists()

    changed["reason"] = "Sam went home before the register was finished"
    saved = client.post(_register_url(class_4a.pk), changed, content_type=JSON)
    assert saved.status_code == 200
    assert saved.json() == {"created": 0, "amended": 1, "unchanged": 3}
    amendment = Amendment.objects.get()
    assert (amendment.original_code_id, amendment.new_code_id) == ("/", "N")
    assert amendment.reason == "Sam went home before the register was finished"
    assert (amendment.amended_by_name, amendment.amended_by_position) == (
        "Tess Teacher",
        "Year 4 teacher",
    )


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_stale_submit_is_refused_with_the_current_marks_and_nothing_saved(
    client, school, teacher_4a, office, class_4a, pupils_4a
):
    # No lost updates: a save made from an out-of-date register is refused, showing what changed.
    adams, brown = pupils_4a[:2]
    client.force_login(teacher_4a)
    client.post(_register_url(class_4a.pk), _all_present(pupils_4a), content_type=JSON)
    read_versions = {m.pupil_id: m.version for m in Mark.objects.all()}
    client.force_login(office)
    adams_mark = Mark.objects.get(pupil=adams)
    client.post(
        _amend_url(adams_mark.pk),
        {"code": "I", "reason": "Parent phoned: ill", "seen_version": 1},
        content_type=JSON,
    )
    client.force_login(teacher_4a)
    stale = _all_present(pupils_4a, read_versions)
    stale["marks"][1] = _line(brown, "L", arrived_at="09:00", seen=read_versions[brown.pk])
    stale["reason"] = "Brown was late after all"

    response = client.post(_register_url(class_4a.pk), stale, content_type=JSON)

    assert response.status_code == 409
    body = response.json()
    assert body["detail"].startswith("Someone else changed these marks")
    assert body["conflicts"] == [
        {
            "pupil_id": adams.pk,
            "pupil_name": adams.name,
            "code": "I",
            "meaning": "Illness (not medical or dental appointment)",
            "saved_by": "Olive Office",
            "saved_at": "10:00",
        }
    ]
    assert Mark.objects.get(pupil=brown).code_id == "/"
    assert Mark.objects.get(pupil=adams).code_id == "I"
    assert Amendment.objects.count() == 1


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_mark_saved_after_the_register_was_read_is_not_overwritten(
    client, school, teacher_4a, office, class_4a, pupils_4a
):
    # The client read no mark for Adams (seen_version null); the office has logged one since.
    MarkFactory(pupil=pupils_4a[0], school=school, code_id="M", recorded_by=office)
    client.force_login(teacher_4a)

    response = client.post(_register_url(class_4a.pk), _all_present(pupils_4a), content_type=JSON)

    assert response.status_code == 409
    assert [(c["pupil_id"], c["code"]) for c in response.json()["conflicts"]] == [
        (pupils_4a[0].pk, "M")
    ]
    assert Mark.objects.count() == 1
    assert not Register.objects.exists()


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("ZZ", "'ZZ' is not an attendance code"),
        # 2024 regulations: codes they withdrew (H, J, Y) may only appear on earlier sessions.
        ("H", "'H' was withdrawn on 19 August 2024; use a 2024 code"),
    ],
)
@time_machine.travel(MONDAY_10AM, tick=False)
def test_an_unknown_or_withdrawn_code_is_refused_and_nothing_saved(
    client, teacher_4a, class_4a, pupils_4a, code, problem
):
    client.force_login(teacher_4a)
    payload = _all_present(pupils_4a)
    payload["marks"][2]["code"] = code

    response = client.post(_register_url(class_4a.pk), payload, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["problems"] == [f"{pupils_4a[2].name}: {problem}."]
    assert not Mark.objects.exists()
    assert not Register.objects.exists()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_teacher_cannot_enter_a_planned_closure_through_the_api_and_the_office_can(
    client, teacher_4a, office, class_4a, pupils_4a
):
    # Issue 22, item 7: `#` (planned closure) is recorded by the office for the whole school or
    # a phase, not by a class teacher; the API applies the same rule as the page.
    payload = _all_present(pupils_4a)
    payload["marks"][1]["code"] = "#"
    client.force_login(teacher_4a)
    response = client.post(_register_url(class_4a.pk), payload, content_type=JSON)
    assert response.status_code == 400
    assert response.json()["problems"] == [
        f"{pupils_4a[1].name}: a planned closure ('#') is recorded by the office for the whole "
        "school or phase, not on a class register."
    ]
    assert not Mark.objects.exists()
    client.force_login(office)
    assert client.post(_register_url(class_4a.pk), payload, content_type=JSON).status_code == 200
    assert Mark.objects.get(pupil=pupils_4a[1]).code_id == "#"


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (date(2025, 9, 6), "Saturday 6 September 2025 AM is not a school session at Test Primary."),
        (date(2025, 10, 28), "Tuesday 28 October 2025 AM is not a school session at Test Primary."),
    ],
    ids=["weekend", "half term"],
)
@time_machine.travel(AFTER_HALF_TERM, tick=False)
def test_a_day_without_a_school_session_is_refused(
    client, teacher_4a, class_4a, pupils_4a, day, problem
):
    client.force_login(teacher_4a)

    response = client.post(
        _register_url(class_4a.pk, day), _all_present(pupils_4a), content_type=JSON
    )

    assert response.status_code == 400
    assert response.json() == {"detail": problem, "problems": [problem]}
    assert not Mark.objects.exists()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_register_for_a_day_still_to_come_is_refused(client, teacher_4a, class_4a, pupils_4a):
    # A register is taken on the day, not filled in ahead.
    client.force_login(teacher_4a)

    response = client.post(
        _register_url(class_4a.pk, date(2025, 9, 9)), _all_present(pupils_4a), content_type=JSON
    )

    assert response.status_code == 400
    assert response.json()["problems"] == [
        "9 September 2025 is still to come: a register is taken on the day."
    ]
    assert not Mark.objects.exists()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_late_mark_without_an_arrival_time_is_refused(client, teacher_4a, class_4a, pupils_4a):
    # Lateness is recorded with the minutes late, so L needs the time the pupil arrived.
    client.force_login(teacher_4a)
    payload = _all_present(pupils_4a)
    payload["marks"][0]["code"] = "L"

    response = client.post(_register_url(class_4a.pk), payload, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["problems"] == [
        f"{pupils_4a[0].name}: a late mark (L) needs the arrival time."
    ]
    assert not Mark.objects.exists()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_another_schools_pupil_in_the_body_is_refused_without_naming_them(
    client, teacher_4a, class_4a, pupils_4a, other_school
):
    # No school sees another's pupils, not even by guessing an id.
    elsewhere_class = RegistrationGroupFactory(school=other_school, name="Owls")
    outsider = PupilFactory(legal_forename="Zebedee", legal_surname="Outsider")
    EnrolmentFactory(pupil=outsider, school=other_school)
    GroupMembershipFactory(group=elsewhere_class, pupil=outsider)
    client.force_login(teacher_4a)
    payload = _all_present(pupils_4a)
    payload["marks"].append(_line(outsider, "/"))

    response = client.post(_register_url(class_4a.pk), payload, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["problems"] == [
        f"Pupil {outsider.pk} is not on this class's register for that day (or is listed twice)."
    ]
    page = response.content.decode()
    assert "Zebedee" not in page and "Outsider" not in page and outsider.upn not in page
    assert not Mark.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"marks": "all present"},
        {"marks": [{"pupil": "Adams", "code": "/", "seen_version": None}]},
        {"marks": [{"pupil": 1, "code": "/", "seen_version": "one"}]},
        {"marks": [{"pupil": 1, "code": "L", "arrived_at": "8.55", "seen_version": None}]},
        # HH:MM only: the late rule counts whole minutes, so seconds are refused, not dropped.
        {"marks": [{"pupil": 1, "code": "L", "arrived_at": "08:55:30", "seen_version": None}]},
        {"marks": [{"pupil": 1, "code": "/"}]},
        {"marks": [{"pupil": 1, "code": "ABC", "seen_version": None}]},
        {"marks": [{"pupil": 1, "code": "/", "seen_version": None}], "reason": ["late"]},
        [1, 2],
    ],
    ids=[
        "marks not a list",
        "pupil not an id",
        "seen_version not a number",
        "arrival not a time",
        "arrival with seconds",
        "seen_version missing",
        "code too long",
        "reason not text",
        "body not an object",
    ],
)
@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_malformed_body_gets_field_errors_and_saves_nothing(
    client, teacher_4a, class_4a, pupils_4a, payload
):
    client.force_login(teacher_4a)

    response = client.post(_register_url(class_4a.pk), payload, content_type=JSON)

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) <= {"marks", "reason", "non_field_errors"} and errors
    assert not Mark.objects.exists()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_body_that_is_not_json_is_a_400(client, teacher_4a, class_4a, pupils_4a):
    client.force_login(teacher_4a)

    response = client.post(_register_url(class_4a.pk), "{marks: all", content_type=JSON)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/registers/{group}/2025-02-30/AM/",
        "/api/v1/registers/{group}/8-9-2025/AM/",
        "/api/v1/registers/{group}/2025-09-08/am/",
        "/api/v1/registers/{group}/2025-09-08/EVENING/",
    ],
)
@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_date_or_session_that_does_not_exist_is_not_found(client, teacher_4a, class_4a, path):
    client.force_login(teacher_4a)

    assert client.get(path.format(group=class_4a.pk)).status_code == 404


# Who may take which register


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_teacher_may_not_take_another_class_register(client, school, teacher_4a):
    # Teachers take their own classes' registers; the office and the head any class.
    class_4b = RegistrationGroupFactory(school=school, name="4B")
    pupils_4b = enrol_in_group(class_4b, surnames=["Evans"])
    client.force_login(teacher_4a)

    read = client.get(_register_url(class_4b.pk))
    submit = client.post(_register_url(class_4b.pk), _all_present(pupils_4b), content_type=JSON)

    assert (read.status_code, submit.status_code) == (403, 403)
    assert submit.json() == {"detail": "You do not have access to this."}
    assert not Mark.objects.exists()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_the_office_may_take_any_class_register_at_its_school(client, office, class_4a, pupils_4a):
    client.force_login(office)

    response = client.post(_register_url(class_4a.pk), _all_present(pupils_4a), content_type=JSON)

    assert response.status_code == 200
    assert Mark.objects.filter(recorded_by=office).count() == 4


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_head_at_another_school_sees_nothing_of_this_school(
    client, head_elsewhere, class_4a, pupils_4a
):
    # A head at another school must see nothing of this one: not its pupils, not its classes.
    client.force_login(head_elsewhere)

    read = client.get(_register_url(class_4a.pk))
    submit = client.post(_register_url(class_4a.pk), _all_present(pupils_4a), content_type=JSON)

    # Issue #21: not found, as a class that does not exist.
    assert (read.status_code, submit.status_code) == (404, 404)
    for response in (read, submit):
        page = response.content.decode()
        assert all(p.legal_surname not in page and p.upn not in page for p in pupils_4a)
        assert "Test Primary" not in page and "4A" not in page
    assert not Mark.objects.exists()


@pytest.mark.parametrize("group_id", [987654, 10**20])
@time_machine.travel(MONDAY_10AM, tick=False)
def test_an_unknown_class_is_not_found(client, teacher_4a, group_id):
    client.force_login(teacher_4a)

    read = client.get(_register_url(group_id))
    submit = client.post(_register_url(group_id), {"marks": []}, content_type=JSON)

    assert (read.status_code, submit.status_code) == (404, 404)
    assert read.json() == {"detail": "No such class."}


def test_signed_out_requests_are_refused(client, school, class_4a, pupils_4a):
    # Session authentication has no challenge to send, so DRF answers 403, not 401.
    mark = MarkFactory(pupil=pupils_4a[0], school=school)

    responses = [
        client.get(_register_url(class_4a.pk)),
        client.post(_register_url(class_4a.pk), _all_present(pupils_4a), content_type=JSON),
        client.post(
            _amend_url(mark.pk), {"code": "N", "reason": "x", "seen_version": 1}, content_type=JSON
        ),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert Mark.objects.get().code_id == "/"


# Amending a mark


@pytest.fixture
def saved_mark(school, teacher_4a, pupils_4a) -> Mark:
    """Adams's AM mark on Monday 8 September, N as the teacher entered it."""
    return MarkFactory(
        pupil=pupils_4a[0],
        school=school,
        code_id="N",
        recorded_by=teacher_4a,
        recorded_at=MONDAY_10AM,
    )


@time_machine.travel(MONDAY_10AM, tick=False)
def test_the_office_amends_a_mark_keeping_the_original_entry(client, office, saved_mark):
    # 2024 regulations: an amendment keeps the original entry, the reason, and the name and
    # position of the person.
    client.force_login(office)

    response = client.post(
        _amend_url(saved_mark.pk),
        {"code": "I", "reason": "Parent phoned: ill", "seen_version": 1},
        content_type=JSON,
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": saved_mark.pk,
        "code": "I",
        "minutes_late": None,
        "source": "register",
        "version": 2,
        "amended": True,
    }
    amendment = Amendment.objects.get(mark=saved_mark)
    assert (amendment.original_code_id, amendment.new_code_id) == ("N", "I")
    assert amendment.reason == "Parent phoned: ill"
    assert amendment.amended_by == office
    assert (amendment.amended_by_name, amendment.amended_by_position) == (
        "Olive Office",
        "Office manager",
    )
    saved_mark.refresh_from_db()
    assert (saved_mark.code_id, saved_mark.version) == ("I", 2)


@time_machine.travel(MONDAY_10AM, tick=False)
def test_an_amendment_to_late_takes_the_minutes_from_the_arrival_time(client, office, saved_mark):
    client.force_login(office)

    response = client.post(
        _amend_url(saved_mark.pk),
        {"code": "L", "arrived_at": "09:05", "reason": "Signed in late", "seen_version": 1},
        content_type=JSON,
    )

    assert response.status_code == 200
    assert (response.json()["code"], response.json()["minutes_late"]) == ("L", 20)
    amendment = Amendment.objects.get(mark=saved_mark)
    assert (amendment.original_minutes_late, amendment.new_minutes_late) == (None, 20)


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"code": "I", "reason": "", "seen_version": 1},
            {"detail": "Give the reason for changing marks that were already saved."},
        ),
        (
            {"code": "I", "reason": "   ", "seen_version": 1},
            {"detail": "Give the reason for changing marks that were already saved."},
        ),
        ({"code": "I", "seen_version": 1}, {"reason": ["This field is required."]}),
        (
            {"code": "N", "reason": "Checked", "seen_version": 1},
            {"detail": "The mark is already N; nothing to change."},
        ),
        (
            {"code": "L", "reason": "Late", "seen_version": 1},
            {"detail": "Sam Adams: a late mark (L) needs the arrival time."},
        ),
        (
            {"code": "I", "arrived_at": "9am", "reason": "Ill", "seen_version": 1},
            {"arrived_at": ["Time has wrong format. Use one of these formats instead: hh:mm."]},
        ),
    ],
    ids=["blank reason", "spaces for a reason", "no reason", "same code", "L alone", "bad time"],
)
@time_machine.travel(MONDAY_10AM, tick=False)
def test_an_amendment_the_rules_refuse_is_a_400_and_changes_nothing(
    client, office, saved_mark, payload, errors
):
    client.force_login(office)

    response = client.post(_amend_url(saved_mark.pk), payload, content_type=JSON)

    assert response.status_code == 400
    assert response.json() == errors
    saved_mark.refresh_from_db()
    assert (saved_mark.code_id, saved_mark.version) == ("N", 1)
    assert not Amendment.objects.exists()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_stale_amendment_is_refused_with_the_mark_as_it_is_now(client, office, saved_mark):
    # No lost updates: an amendment made from an out-of-date form is refused.
    client.force_login(office)
    first = {"code": "I", "reason": "Parent phoned: ill", "seen_version": 1}
    client.post(_amend_url(saved_mark.pk), first, content_type=JSON)

    second = {"code": "M", "reason": "Dentist", "seen_version": 1}
    response = client.post(_amend_url(saved_mark.pk), second, content_type=JSON)

    assert response.status_code == 409
    assert [(c["code"], c["saved_by"]) for c in response.json()["conflicts"]] == [
        ("I", "Olive Office")
    ]
    saved_mark.refresh_from_db()
    assert (saved_mark.code_id, saved_mark.version) == ("I", 2)
    assert Amendment.objects.count() == 1


@time_machine.travel(MONDAY_10AM, tick=False)
def test_only_the_office_or_head_of_the_school_may_amend(
    client, teacher_4a, head_elsewhere, saved_mark, pupils_4a
):
    # Office, attendance lead and head amend any mark of their school; a teacher does not.
    payload = {"code": "I", "reason": "Parent phoned: ill", "seen_version": 1}
    answers = []
    for user in (teacher_4a, head_elsewhere):
        client.force_login(user)
        answers.append(client.post(_amend_url(saved_mark.pk), payload, content_type=JSON))

    assert [a.status_code for a in answers] == [403, 404]  # issue #21: another school's
    assert pupils_4a[0].legal_surname not in answers[1].content.decode()
    assert not Amendment.objects.exists()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_amending_an_unknown_mark_is_not_found(client, office, school):
    client.force_login(office)
    payload = {"code": "I", "reason": "Ill", "seen_version": 1}

    response = client.post(_amend_url(987654), payload, content_type=JSON)

    assert response.status_code == 404
    assert response.json() == {"detail": "No such mark."}


def test_school_fixture_is_the_autumn_2025_term(school: School):
    # Guards the dates above: they assume term from 3 September with half term 27-31 October.
    term = school.terms.get()
    assert (term.start, term.half_term_start, term.half_term_end) == (
        date(2025, 9, 3),
        date(2025, 10, 27),
        date(2025, 10, 31),
    )
