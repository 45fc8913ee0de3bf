"""The register pages: who may open which register, what it shows, and saving it."""

from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registers.codes import code_catalogue, present_code
from registers.models import Amendment, Mark, Register
from registers.services.register import RegisterEntry, register_submit
from tests.conftest import LONDON, MONDAY
from tests.factories import (
    MarkFactory,
    RegistrationGroupFactory,
    enrol_in_group,
)
from tests.html_forms import form_data, forms_on

pytestmark = pytest.mark.django_db


def _url(group, session="AM", day=MONDAY) -> str:
    return reverse("register", args=[group.pk, day, session])


def _take(group, pupils, by, session="AM") -> None:
    """The register taken with everyone present."""
    register_submit(
        group=group,
        day=MONDAY,
        session=session,
        entries=[RegisterEntry(pupil_id=p.pk, code=present_code(session)) for p in pupils],
        by=by,
    )


def _form(pupils, codes=None, seen=None, **extra) -> dict:
    data = {"pupil": [str(p.pk) for p in pupils], "action": "save", **extra}
    for pupil in pupils:
        data[f"code-{pupil.pk}"] = (codes or {}).get(pupil.pk, "/")
        data[f"seen-{pupil.pk}"] = (seen or {}).get(pupil.pk, "")
    return data


def test_a_teacher_opens_their_class_register_with_every_pupil_on_roll(
    client, monday_morning, class_4a, pupils_4a, teacher_4a
):
    client.force_login(teacher_4a)
    response = client.get(_url(class_4a))
    page = response.content.decode()
    assert response.status_code == 200
    assert [line["pupil"] for line in response.context["lines"]] == pupils_4a
    assert "Not taken yet." in page
    # Form controls have labels: each pupil's code picker is labelled with their name.
    for pupil in pupils_4a:
        assert f'<label class="pupil-name" for="code-{pupil.pk}">{pupil.name}</label>' in page
        assert f'<label for="arrived-{pupil.pk}">' in page


def _offered(page: str) -> set[str]:
    """The codes the no-script picker offers (the options, not the tap menu's buttons)."""
    return {
        code
        for code, entry in code_catalogue().items()
        if f'<option value="{code}">{code} - {entry.meaning}</option>' in page
    }


def test_the_code_picker_offers_every_2024_code_with_its_meaning_and_no_withdrawn_one(
    client, monday_morning, class_4a, pupils_4a, office
):
    client.force_login(office)
    page = client.get(_url(class_4a)).content.decode()
    current = {code for code, entry in code_catalogue().items() if entry.valid_until is None}
    # Issue 22, item 7: the AM register does not offer the afternoon's present mark.
    assert _offered(page) == current - {"\\"}
    assert page.index('value="N"') < page.index('value="K"')  # common codes first
    pm = client.get(_url(class_4a, "PM")).content.decode()
    assert _offered(pm) == current - {"/"}


def test_a_teacher_is_not_offered_the_planned_closure_mark(
    client, monday_morning, class_4a, pupils_4a, teacher_4a, office
):
    # Issue 22, item 7: "teachers are offered # (planned closure)"; the office records closures.
    client.force_login(teacher_4a)
    page = client.get(_url(class_4a)).content.decode()
    assert "#" not in _offered(page) and 'data-code="#"' not in page
    assert {"N", "L", "I", "M", "C2", "Y4"} <= _offered(page)
    # A closure already recorded is still shown on the teacher's register, so that saving the
    # register sends it back as it is.
    MarkFactory(pupil=pupils_4a[0], school=class_4a.school, date=MONDAY, session="AM", code_id="#")
    page = client.get(_url(class_4a)).content.decode()
    assert '<option value="#" selected>#' in page


def test_a_teacher_cannot_open_another_classs_register(client, monday_morning, school, teacher_4a):
    other_class = RegistrationGroupFactory(school=school, name="3B")
    client.force_login(teacher_4a)
    assert client.get(_url(other_class)).status_code == 403


def test_the_office_and_head_open_any_class_of_their_school(
    client, monday_morning, school, class_4a, pupils_4a, office, head
):
    for user in (office, head):
        client.force_login(user)
        assert client.get(_url(class_4a)).status_code == 200


def test_staff_of_another_school_get_404_and_learn_nothing_of_its_pupils(
    client, monday_morning, class_4a, pupils_4a, head_elsewhere
):
    client.force_login(head_elsewhere)
    for response in (
        client.get(_url(class_4a)),
        client.post(_url(class_4a), _form(pupils_4a)),
    ):
        assert response.status_code == 404  # issue #21: as a class that does not exist
        # The page's own words (the header's sign-out form carries a random CSRF token).
        page = response.content.decode().split('<main id="main">')[1]
        assert not any(p.legal_surname in page for p in pupils_4a)
        assert "Test Primary" not in page and "4A" not in page
    assert not Mark.objects.exists()


def test_an_unknown_class_is_404_and_a_bad_session_is_404(client, monday_morning, teacher_4a):
    client.force_login(teacher_4a)
    assert client.get(reverse("register", args=[99999, MONDAY, "AM"])).status_code == 404
    assert client.get(f"/registers/1/{MONDAY}/EV/").status_code == 404
    assert client.get("/registers/1/2025-02-30/AM/").status_code == 404


def test_one_action_marks_everyone_not_yet_marked_present_without_saving(
    client, monday_morning, class_4a, pupils_4a, teacher_4a
):
    client.force_login(teacher_4a)
    data = _form(pupils_4a, action="fill_present")
    data[f"code-{pupils_4a[0].pk}"] = "N"
    for pupil in pupils_4a[1:]:
        data[f"code-{pupil.pk}"] = ""
    response = client.post(_url(class_4a), data)
    codes = [line["code"] for line in response.context["lines"]]
    assert codes == ["N", "/", "/", "/", "/"]
    assert not Mark.objects.exists()
    pm = client.post(_url(class_4a, "PM"), {**data, f"code-{pupils_4a[0].pk}": ""})
    assert {line["code"] for line in pm.context["lines"]} == {"\\"}


def test_saving_the_register_stores_it_and_reopening_shows_who_took_it(
    client, monday_morning, class_4a, pupils_4a, teacher_4a
):
    client.force_login(teacher_4a)
    late, absent = pupils_4a[0], pupils_4a[1]
    data = _form(pupils_4a, codes={late.pk: "L", absent.pk: "N"})
    data[f"arrived-{late.pk}"] = "08:57"
    response = client.post(_url(class_4a), data)
    assert response.status_code == 302
    assert Mark.objects.get(pupil=late).minutes_late == 12
    assert Mark.objects.get(pupil=absent).code_id == "N"
    page = client.get(_url(class_4a)).content.decode()
    assert "Taken by Tess Teacher at 09:05." in page


def test_a_refused_register_says_why_and_saves_nothing(
    client, monday_morning, class_4a, pupils_4a, teacher_4a
):
    client.force_login(teacher_4a)
    response = client.post(_url(class_4a), _form(pupils_4a, codes={pupils_4a[0].pk: "L"}))
    assert response.status_code == 400
    assert "a late mark (L) needs the arrival time" in response.content.decode()
    assert not Mark.objects.exists()


def test_a_stale_save_shows_the_current_marks_and_saves_nothing(
    client, monday_morning, class_4a, pupils_4a, teacher_4a, office
):
    client.force_login(teacher_4a)
    MarkFactory(
        pupil=pupils_4a[2], school=class_4a.school, date=MONDAY, code_id="I", recorded_by=office
    )
    response = client.post(_url(class_4a), _form(pupils_4a))
    page = response.content.decode()
    assert response.status_code == 409
    assert f"{pupils_4a[2].name}: now I (Illness" in page and "Olive Office" in page
    assert [line["code"] for line in response.context["lines"]] == ["", "", "I", "", ""]
    assert Mark.objects.count() == 1


def test_opening_a_register_takes_the_same_queries_whatever_the_class_size(
    client, monday_morning, school, class_4a, teacher_4a
):
    # A fixed number of queries per page: 10 pupils cost what 60 do.
    client.force_login(teacher_4a)
    big = RegistrationGroupFactory(school=school, name="4B")
    big.teachers.add(teacher_4a)
    counts = []
    for group, size in ((class_4a, 10), (big, 60)):
        pupils = enrol_in_group(group, size)
        _take(group, pupils, teacher_4a)
        client.get(_url(group))  # warm the session and the code catalogue
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(group)).status_code == 200
        counts.append(len(queries))
    # The session, the user, the class, the user's roles, the sheet's four reads, the day.
    assert counts[0] == counts[1] <= 9


def test_todays_registers_show_not_taken_taken_and_changed_since(
    client, monday_morning, school, class_4a, pupils_4a, teacher_4a, office
):
    client.force_login(teacher_4a)
    page = client.get(reverse("home")).content.decode()
    assert page.count("not taken") == 2  # AM and PM
    _take(class_4a, pupils_4a, teacher_4a)
    page = client.get(reverse("home")).content.decode()
    assert "state-taken" in page and page.count("not taken") == 1
    with time_machine.travel(datetime(2025, 9, 8, 10, 30, tzinfo=LONDON), tick=False):
        from registers.services.marks import mark_amend

        mark = Mark.objects.get(pupil=pupils_4a[0], session="AM")
        mark_amend(
            mark=mark, code="M", arrived_at=None, reason="Dentist", by=office, seen_version=1
        )
        client.force_login(teacher_4a)  # 85 minutes on: signed out when idle (issue #21)
        page = client.get(reverse("home")).content.decode()
    assert "changed since" in page


@time_machine.travel(datetime(2025, 9, 8, 9, 20, tzinfo=LONDON), tick=False)
def test_the_late_book_records_the_arrival_and_updates_the_mark(
    client, class_4a, pupils_4a, teacher_4a, office
):
    register_submit(
        group=class_4a,
        day=MONDAY,
        session="AM",
        entries=[
            RegisterEntry(pupil_id=p.pk, code="N" if p == pupils_4a[0] else "/") for p in pupils_4a
        ],
        by=teacher_4a,
    )
    client.force_login(office)
    url = reverse("late_book", args=[class_4a.school_id])
    response = client.post(
        url,
        {"pupil": pupils_4a[0].pk, "session": "AM", "arrived_at": "09:20", "reason": "Bus late"},
    )
    assert response.status_code == 302
    mark = Mark.objects.get(pupil=pupils_4a[0], session="AM")
    # Late after the register closed (09:15) is U; the N the teacher entered is kept as original.
    assert (mark.code_id, mark.minutes_late, mark.source) == ("U", 35, "register")
    amendment = Amendment.objects.get(mark=mark)
    assert (amendment.original_code_id, amendment.reason) == ("N", "Late book: Bus late")
    assert "Bus late" in client.get(url).content.decode()


def test_the_late_book_refuses_a_blank_reason_and_teachers_cannot_open_it(
    client, monday_morning, class_4a, pupils_4a, teacher_4a, office
):
    url = reverse("late_book", args=[class_4a.school_id])
    client.force_login(office)
    response = client.post(
        url, {"pupil": pupils_4a[0].pk, "session": "AM", "arrived_at": "09:00", "reason": ""}
    )
    assert response.status_code == 400 and not Mark.objects.exists()
    client.force_login(teacher_4a)
    assert client.get(url).status_code == 403


def test_an_amendment_needs_a_reason_and_the_history_shows_original_and_amendment(
    client, monday_morning, class_4a, pupils_4a, teacher_4a, office
):
    _take(class_4a, pupils_4a, teacher_4a)
    mark = Mark.objects.get(pupil=pupils_4a[0], session="AM")
    client.force_login(office)
    url = reverse("mark_amend", args=[mark.pk])
    refused = client.post(url, {"code": "I", "reason": "", "seen_version": 1})
    assert refused.status_code == 400 and not Amendment.objects.exists()
    assert (
        client.post(url, {"code": "I", "reason": "Mum rang", "seen_version": 1}).status_code == 302
    )
    stale = client.post(url, {"code": "M", "reason": "Dentist", "seen_version": 1})
    assert stale.status_code == 409 and "now I (Illness" in stale.content.decode()
    history = client.get(reverse("pupil_history", args=[class_4a.school_id, pupils_4a[0].pk]))
    page = history.content.decode()
    # 2024 regulations: original entry and amendment distinguishable, with reason, name, position.
    assert "<del>/</del>" in page and "<ins>I</ins>" in page
    assert "Olive Office (Office manager): Mum rang" in page
    assert Mark.objects.get(pk=mark.pk).code_id == "I"


def test_the_history_of_another_schools_pupil_is_not_found(
    client, monday_morning, class_4a, pupils_4a, office, other_school
):
    client.force_login(office)
    from tests.factories import EnrolmentFactory

    outsider = EnrolmentFactory(school=other_school).pupil
    assert (
        client.get(reverse("pupil_history", args=[class_4a.school_id, outsider.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("pupil_history", args=[other_school.pk, outsider.pk])).status_code == 404
    )


def _closure_confirmed(client, url: str, values: dict):
    """As the office does it: check what the closure changes, then confirm what was shown."""
    preview = client.post(url, values)
    assert (
        preview.status_code == 200 and "What this closure will change" in preview.content.decode()
    )
    confirm = next(
        form
        for form in forms_on(preview.content.decode(), url)
        if any(f.name == "confirm" for f in form.fields)
    )
    return client.post(url, {**form_data(confirm), "confirm": "1"})


def test_a_closure_shows_the_registers_and_marks_it_will_change_and_saves_nothing_until_confirmed(
    client, monday_morning, school, class_4a, pupils_4a, teacher_4a, office
):
    # Issue #17: "before applying, show how many registers and marks it will change".
    _take(class_4a, pupils_4a, teacher_4a)  # this morning's register: 5 marks to amend
    client.force_login(office)
    url = reverse("school_closure", args=[school.pk])

    preview = client.post(
        url, {"date": str(MONDAY), "sessions": ["AM", "PM"], "code": "Y4", "reason": "Burst pipe"}
    )

    page = " ".join(preview.content.decode().split())
    assert preview.status_code == 200
    assert "<strong>2</strong> class registers (5 pupils)" in page
    assert "<strong>5</strong> new marks" in page
    assert "<strong>5</strong> saved marks changed" in page
    assert Mark.objects.filter(code="Y4").count() == 0 and not Amendment.objects.exists()
    confirm = next(
        f
        for f in forms_on(preview.content.decode(), url)
        if any(x.name == "confirm" for x in f.fields)
    )
    assert client.post(url, {**form_data(confirm), "confirm": "1"}).status_code == 302
    assert Mark.objects.filter(code="Y4").count() == 10 and Amendment.objects.count() == 5


def test_a_whole_school_closure_codes_every_pupil_and_closes_the_sessions(
    client, monday_morning, school, class_4a, pupils_4a, teacher_4a, office
):
    # Fact sheet: '#' is a planned whole-school closure; not a possible session.
    client.force_login(office)
    url = reverse("school_closure", args=[school.pk])
    response = _closure_confirmed(
        client,
        url,
        {"date": "2025-09-10", "sessions": ["AM", "PM"], "code": "#", "reason": "INSET"},
    )
    assert response.status_code == 302
    assert Mark.objects.filter(date=date(2025, 9, 10), code="#").count() == 10
    from registers.selectors import is_school_session

    assert not is_school_session(school=school, day=date(2025, 9, 10), session="AM")


def test_an_unexpected_closure_amends_marks_already_taken(
    client, monday_morning, school, class_4a, pupils_4a, teacher_4a, office
):
    _take(class_4a, pupils_4a, teacher_4a)
    client.force_login(office)
    response = _closure_confirmed(
        client,
        reverse("school_closure", args=[school.pk]),
        {"date": str(MONDAY), "sessions": ["PM"], "code": "Y4", "reason": "Heating failed"},
    )
    assert response.status_code == 302
    assert set(Mark.objects.filter(session="PM").values_list("code", flat=True)) == {"Y4"}
    assert Register.objects.count() == 1 and not Amendment.objects.exists()


def test_a_closure_in_the_future_cannot_be_unexpected(client, monday_morning, school, office):
    client.force_login(office)
    response = client.post(
        reverse("school_closure", args=[school.pk]),
        {"date": "2025-09-10", "sessions": ["AM"], "code": "Y4", "reason": "Snow forecast"},
    )
    assert response.status_code == 400
    assert "recorded on the day, not in advance" in response.content.decode()
    assert not Mark.objects.exists()


def test_the_office_can_go_from_a_saved_mark_to_its_history_and_a_teacher_cannot(
    client, monday_morning, class_4a, pupils_4a, teacher_4a, office
):
    _take(class_4a, pupils_4a, teacher_4a)
    history = reverse("pupil_history", args=[class_4a.school_id, pupils_4a[0].pk])
    client.force_login(office)
    assert history in client.get(_url(class_4a)).content.decode()
    client.force_login(teacher_4a)
    assert history not in client.get(_url(class_4a)).content.decode()


def test_a_dual_registered_pupil_at_the_other_school_this_session_is_filled_in_as_d(
    client, monday_morning, class_4a, pupils_4a, teacher_4a
):
    # Fact sheet: D, dual registered, attending the other school; known before the register.
    enrolment = pupils_4a[1].enrolments.get()
    enrolment.registration_type = "M"
    enrolment.other_school_sessions = ["Mon AM", "Wed PM"]
    enrolment.save()
    client.force_login(teacher_4a)
    response = client.get(_url(class_4a))
    assert [line["code"] for line in response.context["lines"]] == ["", "D", "", "", ""]
    assert "dual registration, at the other school this session" in response.content.decode()
    # Filling in the rest keeps the D; saving stores it.
    data = _form(pupils_4a, codes={pupils_4a[1].pk: "D"})
    client.post(_url(class_4a), data)
    assert Mark.objects.get(pupil=pupils_4a[1]).code_id == "D"
    assert [line["code"] for line in client.get(_url(class_4a, "PM")).context["lines"]] == [""] * 5


def test_the_closure_form_offers_the_date_as_a_date_picker_reads_it(
    client, monday_morning, school, office
):
    # A browser's date input only shows a value written YYYY-MM-DD.
    client.force_login(office)
    page = client.get(reverse("school_closure", args=[school.pk])).content.decode()
    assert 'type="date" name="date" value="2025-09-08"' in page


def test_a_teacher_moves_to_the_previous_and_next_school_day_and_the_other_session(
    client, monday_morning, class_4a, pupils_4a, teacher_4a
):
    # Issue 22, item 4: "A teacher cannot reach another day's register from the pages".
    # Monday 8 September: the previous school day is Friday 5 September (the first of term
    # is 3 September), the next Tuesday 9 September.
    client.force_login(teacher_4a)
    page = client.get(_url(class_4a)).content.decode()
    assert f'href="{_url(class_4a, "AM", date(2025, 9, 5))}" rel="prev"' in page
    assert f'href="{_url(class_4a, "AM", date(2025, 9, 9))}" rel="next"' in page
    assert f'href="{_url(class_4a, "PM")}">PM</a>' in page
    assert f'href="{_url(class_4a, "AM")}" aria-current="page">AM</a>' in page


def test_a_future_days_register_shows_no_save_and_cannot_be_marked(
    client, monday_morning, class_4a, pupils_4a, teacher_4a
):
    # Issue 22, item 4: "a future day's register shows Save"; a register is taken on the day.
    client.force_login(teacher_4a)
    page = client.get(_url(class_4a, "AM", date(2025, 9, 9))).content.decode()
    assert "9 September 2025 is still to come" in page
    assert "Save register" not in page and "Mark everyone" not in page
    assert '<fieldset class="register-lines" disabled>' in page
    # Today's register has both.
    page = client.get(_url(class_4a)).content.decode()
    assert "Save register" in page and '<fieldset class="register-lines">' in page


def test_a_teacher_cannot_enter_a_planned_closure_but_keeps_one_the_office_recorded(
    client, monday_morning, class_4a, pupils_4a, teacher_4a, office
):
    # Issue 22, item 7: `#` (planned closure) is the office's, recorded for the whole school or
    # a phase; a teacher's register neither offers it nor accepts it, but saves one already
    # there as it is.
    client.force_login(teacher_4a)
    first = pupils_4a[0]
    response = client.post(_url(class_4a), _form(pupils_4a, codes={first.pk: "#"}))
    assert response.status_code == 400
    assert any(
        "a planned closure ('#') is recorded by the office" in problem
        for problem in response.context["problems"]
    )
    assert not Mark.objects.exists()

    closed = MarkFactory(
        pupil=first, school=class_4a.school, date=MONDAY, session="AM", code_id="#"
    )
    response = client.post(
        _url(class_4a),
        _form(pupils_4a, codes={first.pk: "#"}, seen={first.pk: str(closed.version)}),
    )
    assert response.status_code == 302
    assert Mark.objects.get(pupil=first).code_id == "#" and Mark.objects.count() == 5


def test_the_office_may_enter_a_planned_closure_on_a_register(
    client, monday_morning, class_4a, pupils_4a, office
):
    client.force_login(office)
    first = pupils_4a[0]
    response = client.post(_url(class_4a), _form(pupils_4a, codes={first.pk: "#"}))
    assert response.status_code == 302
    assert Mark.objects.get(pupil=first).code_id == "#"
