"""`register_submit`: a class's register for one session, saved whole or not at all."""

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from registers.codes import code_catalogue
from registers.errors import StaleSave
from registers.models import Amendment, Mark, Register
from registers.services.register import RegisterEntry, RegisterRefused, register_submit
from tests.conftest import MONDAY
from tests.factories import (
    EnrolmentFactory,
    GroupMembershipFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    enrol_in_group,
)

pytestmark = pytest.mark.django_db


def _entries(pupils, code="/", **overrides) -> list[RegisterEntry]:
    """Everyone `code`, except the pupils given as {pupil: (code, arrived_at)}."""
    entries = []
    for pupil in pupils:
        chosen, arrived = overrides.get(pupil.legal_surname, (code, None))
        entries.append(RegisterEntry(pupil_id=pupil.pk, code=chosen, arrived_at=arrived))
    return entries


def _submit(group, pupils, teacher, *, day=MONDAY, session="AM", entries=None, reason=""):
    return register_submit(
        group=group,
        day=day,
        session=session,
        entries=entries if entries is not None else _entries(pupils),
        by=teacher,
        reason=reason,
    )


def test_a_full_register_saves_every_mark_and_who_took_it(
    monday_morning, class_4a, pupils_4a, teacher_4a
):
    result = _submit(class_4a, pupils_4a, teacher_4a)
    assert (result.created, result.amended) == (5, 0)
    assert list(Mark.objects.values_list("code", flat=True).distinct()) == ["/"]
    assert set(Mark.objects.values_list("recorded_by", flat=True)) == {teacher_4a.pk}
    register = Register.objects.get()
    assert (register.taken_by, register.group, register.session) == (teacher_4a, class_4a, "AM")


@pytest.mark.parametrize(
    ("arrived", "code", "minutes"),
    [
        # Both policies: late before the register closes is L, with the minutes late recorded.
        (time(8, 57), "L", 12),
        # The register is open until its close time (09:15 in the factory's times).
        (time(9, 15), "L", 30),
        # Late after the register has closed is U, an unauthorised absence.
        (time(9, 16), "U", 31),
    ],
)
def test_the_arrival_time_decides_late_before_or_after_the_register_closed(
    monday_morning, class_4a, pupils_4a, teacher_4a, arrived, code, minutes
):
    late = pupils_4a[0]
    _submit(
        class_4a,
        pupils_4a,
        teacher_4a,
        entries=_entries(pupils_4a, **{late.legal_surname: ("L", arrived)}),
    )
    mark = Mark.objects.get(pupil=late)
    assert (mark.code_id, mark.minutes_late) == (code, minutes)


def test_lateness_follows_the_pupils_phase_times(monday_morning, school, class_4a, teacher_4a):
    # HMFA policy, Lord Scudamore: reception starts at 8.50, years 1-6 at 8.45.
    from tests.factories import SessionTimesFactory

    school.session_times.update(year_groups=["1", "2", "3", "4", "5", "6"])
    SessionTimesFactory(school=school, phase="Reception", year_groups=["R"], am_start=time(8, 50))
    pupils = enrol_in_group(class_4a, 2)
    pupils[0].year_group = "R"
    pupils[0].save()
    _submit(
        class_4a,
        pupils,
        teacher_4a,
        entries=[
            RegisterEntry(pupil_id=pupils[0].pk, code="L", arrived_at=time(9, 0)),
            RegisterEntry(pupil_id=pupils[1].pk, code="L", arrived_at=time(9, 0)),
        ],
    )
    assert dict(Mark.objects.values_list("pupil_id", "minutes_late")) == {
        pupils[0].pk: 10,
        pupils[1].pk: 15,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "F"}, "'F' is not an attendance code"),
        # Fact sheet: withdrawn codes (H, J, plain Y) must be refused for new entries.
        ({"code": "H"}, "'H' was withdrawn on 19 August 2024"),
        ({"code": "\\"}, "'\\' is the afternoon present mark"),
        # Both policies: L is "arrived after the register has started but before it has closed".
        ({"code": "L"}, "a late mark (L) needs the arrival time"),
        ({"code": "L", "arrived_at": time(8, 40)}, "before the register opened"),
        ({"code": "/", "arrived_at": time(9, 0)}, "An arrival time goes with a late mark"),
        ({"code": ""}, "Every pupil needs a mark; 1 have none"),
    ],
)
def test_a_bad_line_refuses_the_whole_register_and_saves_nothing(
    monday_morning, class_4a, pupils_4a, teacher_4a, change, message
):
    entries = _entries(pupils_4a)
    entries[0] = RegisterEntry(
        pupil_id=pupils_4a[0].pk, code=change["code"], arrived_at=change.get("arrived_at")
    )
    with pytest.raises(RegisterRefused) as refused:
        _submit(class_4a, pupils_4a, teacher_4a, entries=entries)
    assert message in refused.value.message
    assert not Mark.objects.exists() and not Register.objects.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2025, 9, 6), "Saturday 6 September 2025 AM is not a school session"),
        (date(2025, 9, 1), "Monday 1 September 2025 AM is not a school session"),  # before term
        (date(2025, 9, 9), "9 September 2025 is still to come"),
    ],
)
def test_a_register_for_a_day_without_that_session_is_refused(
    monday_morning, class_4a, pupils_4a, teacher_4a, day, message
):
    with pytest.raises(RegisterRefused, match=message):
        _submit(class_4a, pupils_4a, teacher_4a, day=day)
    assert not Mark.objects.exists()


def test_a_pupil_not_on_the_classs_roll_that_day_is_refused_without_naming_them(
    monday_morning, class_4a, pupils_4a, teacher_4a, other_school
):
    stranger = EnrolmentFactory(school=other_school, pupil__legal_surname="Outsider").pupil
    entries = [*_entries(pupils_4a), RegisterEntry(pupil_id=stranger.pk, code="/")]
    with pytest.raises(RegisterRefused) as refused:
        _submit(class_4a, pupils_4a, teacher_4a, entries=entries)
    assert f"Pupil {stranger.pk} is not on this class's register" in refused.value.message
    assert "Outsider" not in refused.value.message
    assert not Mark.objects.exists()


def test_only_pupils_on_roll_and_in_the_class_that_day_are_on_the_register(
    monday_morning, school, class_4a, teacher_4a
):
    # Admission register: on roll from the starting day; a leaver is not on later registers.
    stays, left, joins_later = (PupilFactory() for _ in range(3))
    EnrolmentFactory(pupil=stays, school=school, start_date=date(2025, 9, 1))
    EnrolmentFactory(
        pupil=left,
        school=school,
        start_date=date(2025, 9, 1),
        leaving_date=date(2025, 9, 5),
        leaving_reason="9(1)(f)",
    )
    EnrolmentFactory(pupil=joins_later, school=school, start_date=date(2025, 9, 9))
    for pupil in (stays, left, joins_later):
        GroupMembershipFactory(group=class_4a, pupil=pupil, start_date=date(2025, 9, 1))
    from registers.selectors import register_sheet

    sheet = register_sheet(group=class_4a, day=MONDAY, session="AM")
    assert [line.pupil for line in sheet.lines] == [stays]


def test_changing_a_saved_mark_is_an_amendment_that_keeps_the_original(
    monday_morning, class_4a, pupils_4a, teacher_4a
):
    _submit(class_4a, pupils_4a, teacher_4a)
    first = pupils_4a[0]
    entries = [
        RegisterEntry(pupil_id=p.pk, code="N" if p == first else "/", seen_version=1)
        for p in pupils_4a
    ]
    with pytest.raises(DomainError, match="Give the reason for changing marks"):
        _submit(class_4a, pupils_4a, teacher_4a, entries=entries)

    result = _submit(class_4a, pupils_4a, teacher_4a, entries=entries, reason="Went home ill")
    assert (result.created, result.amended, result.unchanged) == (0, 1, 4)
    # 2024 regulations: an amendment records the original entry, the amended entry, the
    # reason, the date, and the name and position of the person who made it.
    amendment = Amendment.objects.get()
    assert (amendment.original_code_id, amendment.new_code_id) == ("/", "N")
    assert amendment.reason == "Went home ill"
    assert (amendment.amended_by_name, amendment.amended_by_position) == (
        "Tess Teacher",
        "Year 4 teacher",
    )
    mark = Mark.objects.get(pupil=first)
    assert (mark.code_id, mark.version) == ("N", 2)


def test_a_stale_save_is_refused_with_the_current_mark_and_nothing_saved(
    monday_morning, class_4a, pupils_4a, teacher_4a, office
):
    # The office logged an absence after the teacher opened the register (teacher saw no mark).
    MarkFactory(
        pupil=pupils_4a[0], school=class_4a.school, date=MONDAY, code_id="I", recorded_by=office
    )
    with pytest.raises(StaleSave) as stale:
        _submit(class_4a, pupils_4a, teacher_4a)
    [conflict] = stale.value.conflicts
    assert (conflict.pupil_id, conflict.code, conflict.saved_by) == (
        pupils_4a[0].pk,
        "I",
        "Olive Office",
    )
    assert "now I (Illness" in stale.value.message
    assert Mark.objects.count() == 1 and not Register.objects.exists()


def test_a_mark_saved_meanwhile_is_no_conflict_when_the_save_agrees_with_it(
    monday_morning, class_4a, pupils_4a, teacher_4a, office
):
    MarkFactory(pupil=pupils_4a[0], school=class_4a.school, date=MONDAY, code_id="/")
    result = _submit(class_4a, pupils_4a, teacher_4a)
    assert (result.created, result.unchanged) == (4, 1)


def test_marks_known_before_the_register_stay_as_they_are(
    monday_morning, class_4a, pupils_4a, teacher_4a, office
):
    known = MarkFactory(
        pupil=pupils_4a[0], school=class_4a.school, date=MONDAY, code_id="M", source="office"
    )
    entries = [
        RegisterEntry(pupil_id=p.pk, code="M" if p == pupils_4a[0] else "/", seen_version=1)
        for p in pupils_4a
    ]
    _submit(class_4a, pupils_4a, teacher_4a, entries=entries)
    known.refresh_from_db()
    assert (known.code_id, known.source, known.version) == ("M", "office", 1)


def _queries_to_take_and_change(group, pupils, teacher) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as taking:
        _submit(group, pupils, teacher)
    entries = [RegisterEntry(pupil_id=p.pk, code="N", seen_version=1) for p in pupils]
    with CaptureQueriesContext(connection) as changing:
        _submit(group, pupils, teacher, entries=entries, reason="Coach cancelled")
    return len(taking), len(changing)


def test_saving_a_register_takes_the_same_queries_whatever_the_class_size(
    monday_morning, school, class_4a, teacher_4a
):
    # A fixed number of queries per save, not one per pupil: 10 pupils cost what 60 do.
    code_catalogue()
    small = _queries_to_take_and_change(class_4a, enrol_in_group(class_4a, 10), teacher_4a)
    large_class = RegistrationGroupFactory(school=school, name="4B")
    large_class.teachers.add(teacher_4a)
    large = _queries_to_take_and_change(large_class, enrol_in_group(large_class, 60), teacher_4a)
    assert small == large
    # Taking it also reads its phase's close time (was it taken after the close?).
    assert large[0] <= 10 and large[1] <= 10


def test_re_saving_a_register_keeps_a_saved_late_mark_without_retyping_the_arrival(
    monday_morning, class_4a, pupils_4a, teacher_4a
):
    late, other = pupils_4a[0], pupils_4a[1]
    _submit(
        class_4a,
        pupils_4a,
        teacher_4a,
        entries=_entries(pupils_4a, **{late.legal_surname: ("L", time(8, 57))}),
    )
    entries = [
        RegisterEntry(
            pupil_id=p.pk,
            code="L" if p == late else ("N" if p == other else "/"),
            seen_version=1,
        )
        for p in pupils_4a
    ]
    result = _submit(class_4a, pupils_4a, teacher_4a, entries=entries, reason="Left at 9.30")
    assert (result.amended, result.unchanged) == (1, 4)
    assert Mark.objects.get(pupil=late).minutes_late == 12


def test_a_late_mark_that_was_not_saved_as_late_still_needs_its_arrival_time(
    monday_morning, class_4a, pupils_4a, teacher_4a
):
    _submit(class_4a, pupils_4a, teacher_4a)
    entries = [RegisterEntry(pupil_id=p.pk, code="L", seen_version=1) for p in pupils_4a]
    with pytest.raises(RegisterRefused, match="a late mark \\(L\\) needs the arrival time"):
        _submit(class_4a, pupils_4a, teacher_4a, entries=entries, reason="All late")
