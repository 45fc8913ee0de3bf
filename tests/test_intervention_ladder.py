"""The intervention ladder (95 / 93 / 90 %): crossings recorded once, half-termly letters."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from penalties.models import LadderLetter, LadderStep
from penalties.selectors.ladder import attendance_this_school_year, ladder_letters_due
from penalties.services import intervention_ladder_run, ladder_letters_request
from penalties.tasks import intervention_ladder_for_every_school
from registers.codes import code_catalogue
from tests.factories import (
    EnrolmentFactory,
    MarkFactory,
    PupilContactFactory,
    PupilFactory,
)
from tests.html_forms import form_data, forms_on

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Friday 21 November 2025: the second half of the `school` fixture's autumn term
# (half term 27-31 October), after 100 school sessions.
AS_OF = date(2025, 11, 21)
HALF_TERM_START = date(2025, 11, 1)  # the days of half term belong to the half after it


@pytest.fixture(autouse=True)
def friday():
    with time_machine.travel(datetime(2025, 11, 21, 16, 0, tzinfo=LONDON), tick=False):
        yield AS_OF


def sessions(count: int):
    """The first `count` sessions of the autumn term, skipping weekends and half term."""
    day = date(2025, 9, 3)
    while count:
        if day.weekday() < 5 and not date(2025, 10, 27) <= day <= date(2025, 10, 31):
            for session in ("AM", "PM"):
                if count:
                    yield day, session
                    count -= 1
        day += timedelta(days=1)


def pupil_with(school, *, attended=0, authorised=0, unauthorised=0, not_possible=0, name="Ada"):
    """A pupil on roll whose sessions, in this order, are present, I, O and X."""
    pupil = PupilFactory(legal_forename=name, legal_surname="Absentia", preferred_forename="")
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2025, 9, 1))
    codes = (
        ["present"] * attended + ["I"] * authorised + ["O"] * unauthorised + ["X"] * not_possible
    )
    for (day, session), code in zip(sessions(len(codes)), codes, strict=True):
        if code == "present":
            code = "/" if session == "AM" else "\\"
        MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id=code)
    return pupil


def _confirmation(preview) -> dict:
    """What the preview's button sends: the kind and the pupils it listed."""
    [confirm] = forms_on(preview.content.decode())
    return form_data(confirm)


def request_letters(school, kind, as_of, by, **kwargs):
    """As the page does it: preview the letters due, then confirm every pupil listed."""
    preview = ladder_letters_due(school=school, kind=kind, as_of=as_of)
    return ladder_letters_request(
        school=school,
        kind=kind,
        as_of=as_of,
        by=by,
        pupil_ids=[row.pupil.pk for row in preview.due],
        **kwargs,
    )


def test_attendance_is_attended_over_possible_with_not_possible_sessions_left_out(school):
    # "attendance % = attended / possible sessions"; X (not required) is not a possible session
    pupil = pupil_with(school, attended=18, authorised=1, unauthorised=1, not_possible=4)

    [(pupil_id, figures)] = attendance_this_school_year(school=school, as_of=AS_OF).items()

    assert pupil_id == pupil.pk
    assert (figures.possible, figures.attended, figures.authorised, figures.unauthorised) == (
        20,
        18,
        1,
        1,
    )
    assert figures.attendance_pct == Decimal("90.0")


@pytest.mark.parametrize(
    ("attended", "steps"),
    [(96, set()), (95, set()), (94, {1}), (93, {1}), (92, {1, 2}), (90, {1, 2}), (89, {1, 2, 3})],
)
def test_a_step_is_crossed_only_strictly_below_its_percentage(school, attended, steps):
    # "Step One: Attendance drops below 95%" ... "below 93%" ... "below 90%": exactly 95% is not below
    pupil_with(school, attended=attended, unauthorised=100 - attended)

    intervention_ladder_run(school=school, as_of=AS_OF)

    assert set(LadderStep.objects.values_list("step", flat=True)) == steps


def test_running_twice_records_each_crossing_once(school):
    # "a job lists pupils who crossed each step since the last run"
    pupil_with(school, attended=89, unauthorised=11)

    assert intervention_ladder_run(school=school, as_of=AS_OF) == 3
    assert intervention_ladder_run(school=school, as_of=AS_OF) == 0
    assert LadderStep.objects.count() == 3
    step = LadderStep.objects.get(step=3)
    assert (step.attendance_pct, step.possible, step.attended) == (Decimal("89.00"), 100, 89)


def test_the_weekly_job_runs_the_ladder_for_every_school(school, other_school):
    # "a job lists pupils who crossed each step since the last run" (beat, every school)
    pupil_with(school, attended=94, unauthorised=6)
    pupil_with(other_school, attended=94, unauthorised=6)

    assert intervention_ladder_for_every_school.delay(AS_OF.isoformat()).get() == 2
    assert set(LadderStep.objects.values_list("school", flat=True)) == {
        school.pk,
        other_school.pk,
    }


def test_the_page_lists_crossings_newest_first_and_runs_now(school, attendance_lead, client):
    # "a job lists pupils who crossed each step since the last run"
    pupil_with(school, attended=94, unauthorised=6, name="Early")
    intervention_ladder_run(school=school, as_of=AS_OF - timedelta(days=7))
    pupil_with(school, attended=92, unauthorised=8, name="Later")
    client.force_login(attendance_lead)
    url = reverse("intervention_ladder", args=[school.pk])

    assert client.post(url).status_code == 302
    page = client.get(url).content.decode()

    assert LadderStep.objects.count() == 3
    assert page.index("Later Absentia") < page.index("Early Absentia")


@pytest.mark.parametrize("persona", ["office", "teacher_4a", "head_elsewhere"])
def test_only_the_attendance_lead_and_head_see_the_ladder(school, persona, request, client):
    # The policies: the attendance lead monitors attendance and talks to the parents
    client.force_login(request.getfixturevalue(persona))
    refused = 404 if persona == "head_elsewhere" else 403  # issue #21: another school's

    assert client.get(reverse("intervention_ladder", args=[school.pk])).status_code == refused
    assert (
        client.post(reverse("ladder_letters", args=[school.pk]), {"kind": "absence"}).status_code
        == refused
    )


def test_the_head_sees_the_ladder(school, head, client):
    client.force_login(head)

    assert client.get(reverse("intervention_ladder", args=[school.pk])).status_code == 200


def test_a_batch_requests_each_due_letter_once_this_half_term(school, attendance_lead):
    # "Parents and carers will receive an Absence letter each half term" (below 93%); below 90% a meeting
    below_90 = pupil_with(school, attended=89, unauthorised=11)
    below_93 = pupil_with(school, attended=92, authorised=8)
    pupil_with(school, attended=93, unauthorised=7)

    assert request_letters(school, "absence", AS_OF, attendance_lead) == 2
    assert request_letters(school, "absence", AS_OF, attendance_lead) == 0
    assert request_letters(school, "meeting", AS_OF, attendance_lead) == 1

    assert sorted(LadderLetter.objects.values_list("kind", "pupil")) == sorted(
        [("absence", below_90.pk), ("absence", below_93.pk), ("meeting", below_90.pk)]
    )
    assert set(LadderLetter.objects.values_list("half_term_start", flat=True)) == {HALF_TERM_START}


def test_the_next_half_term_brings_a_new_letter(school, attendance_lead):
    # "an Absence letter each half term"
    pupil_with(school, attended=10, unauthorised=90)
    request_letters(school, "absence", date(2025, 10, 24), attendance_lead)

    assert request_letters(school, "absence", AS_OF, attendance_lead) == 1
    assert LadderLetter.objects.count() == 2


def test_the_page_shows_progress_and_refreshes_while_letters_are_drawn(
    school, attendance_lead, client, django_capture_on_commit_callbacks
):
    # "A batch action produces all of a school's letters of one kind in one go, with progress shown"
    pupil_with(school, attended=92, unauthorised=8)
    pupil_with(school, attended=91, unauthorised=9, name="Bea")
    client.force_login(attendance_lead)
    url = reverse("intervention_ladder", args=[school.pk])

    preview = client.get(reverse("ladder_letters_preview", args=[school.pk]), {"kind": "absence"})
    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("ladder_letters", args=[school.pk]), _confirmation(preview))
    page = client.get(url)

    assert len(queued) == 2
    assert "Absence letters: 0 of 2 drawn" in page.content.decode()
    assert page["Refresh"] == "5"

    LadderLetter.objects.update(drawn_at=timezone.now())  # as the two tasks would
    page = client.get(url)
    assert "Absence letters: 2 of 2 drawn" in page.content.decode()
    assert not page.has_header("Refresh")


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


@pytest.mark.pdf
def test_the_absence_letter_has_the_breakdown(
    school, attendance_lead, client, django_capture_on_commit_callbacks
):
    # "Parents and carers will receive an Absence letter ... including a breakdown of their child's attendance"
    pupil = pupil_with(school, attended=90, authorised=6, unauthorised=4, not_possible=2)
    PupilContactFactory(pupil=pupil, contact__name="Mona Absentia")
    client.force_login(attendance_lead)

    with django_capture_on_commit_callbacks(execute=True):
        request_letters(school, "absence", AS_OF, attendance_lead)

    letter = LadderLetter.objects.get()
    response = client.get(reverse("ladder_letter_download", args=[school.pk, letter.pk]))
    text = _pdf_text(b"".join(response.streaming_content))
    assert response["Content-Type"] == "application/pdf"
    for expected in (
        "Ada Absentia",
        "Mona Absentia",
        "Test Primary",
        "dropped below 93%",
        "Possible sessions 100",
        "Sessions attended 90",
        "Authorised absence 6",
        "Unauthorised absence 4",
        "Attendance 90.0%",
    ):
        assert expected in text


@pytest.mark.pdf
def test_the_meeting_invitation_invites_the_parents(
    school, attendance_lead, django_capture_on_commit_callbacks
):
    # "Step Three: Attendance drops below 90% ... invited to a meeting"
    pupil_with(school, attended=85, unauthorised=15)

    with django_capture_on_commit_callbacks(execute=True):
        request_letters(school, "meeting", AS_OF, attendance_lead)

    text = _pdf_text(LadderLetter.objects.get().letter.read())
    for expected in (
        "Ada Absentia",
        "dropped below 90%",
        "invited to a meeting",
        "Possible sessions 100",
        "Sessions attended 85",
        "Unauthorised absence 15",
        "Attendance 85.0%",
    ):
        assert expected in text


@pytest.mark.pdf
def test_letters_are_emailed_once_to_each_parent_with_responsibility(
    school, attendance_lead, django_capture_on_commit_callbacks
):
    # "optionally emailed to the parents"
    from penalties.tasks import draw_ladder_letter

    pupil = pupil_with(school, attended=85, unauthorised=15)
    PupilContactFactory(pupil=pupil, priority=1, parental_responsibility=True)
    PupilContactFactory(pupil=pupil, priority=2, parental_responsibility=True)
    PupilContactFactory(pupil=pupil, priority=3, parental_responsibility=False)

    with django_capture_on_commit_callbacks(execute=True):
        request_letters(school, "absence", AS_OF, attendance_lead, email_parents=True)
    draw_ladder_letter.delay(LadderLetter.objects.get().pk)  # a retry draws and sends nothing more

    assert len(mail.outbox) == 2
    assert all(len(message.to) == 1 for message in mail.outbox)
    assert mail.outbox[0].attachments[0][2] == "application/pdf"


def test_another_schools_staff_cannot_download_a_letter(
    school, other_school, attendance_lead, head_elsewhere, client
):
    # A head at another school must see nothing of this school's pupils
    pupil_with(school, attended=85, unauthorised=15)
    request_letters(school, "meeting", AS_OF, attendance_lead)
    letter = LadderLetter.objects.get()
    client.force_login(head_elsewhere)

    assert (
        client.get(reverse("ladder_letter_download", args=[school.pk, letter.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("ladder_letter_download", args=[other_school.pk, letter.pk])).status_code
        == 404
    )


def test_the_ladder_records_the_percentage_every_other_page_shows(school):
    # Issue #6: "Every page and export uses this module": one place, rounded half up.
    pupil_with(school, attended=91, unauthorised=8)  # 91 of 99 = 91.919...%

    intervention_ladder_run(school=school, as_of=AS_OF)

    assert set(LadderStep.objects.values_list("attendance_pct", flat=True)) == {Decimal("91.9")}


@pytest.mark.parametrize("pupils", [2, 12])
def test_the_ladder_reads_every_pupil_in_one_aggregate_query(
    school, pupils, django_assert_max_num_queries
):
    # Issue #6: "Computed in the database with one aggregate query per report" (not per pupil).
    for index in range(pupils):
        pupil_with(school, attended=89, unauthorised=11, name=f"Pupil{index}")
    code_catalogue()  # read once per process

    # The school, the figures, a count before and after, one insert per step (and a savepoint).
    with django_assert_max_num_queries(9):
        assert intervention_ladder_run(school=school, as_of=AS_OF) == 3 * pupils


# Thin data (issue #17) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("possible", "steps"), [(1, set()), (2, set()), (29, set()), (30, {1, 2, 3})]
)
def test_no_step_fires_before_the_federations_minimum_of_possible_sessions(school, possible, steps):
    # Issue #17: "A step of the ladder fires only when the pupil has at least
    # ladder_minimum_sessions possible sessions this school year (default 30, three school weeks)".
    pupil_with(school, authorised=possible)  # ill every session so far: 0 %

    intervention_ladder_run(school=school, as_of=AS_OF)

    assert set(LadderStep.objects.values_list("step", flat=True)) == steps


def test_no_letter_is_due_on_two_sessions_of_authorised_illness(school, attendance_lead):
    # Issue #17: "0.0 %: 0 of 2 possible sessions for two sessions of authorised chickenpox".
    pupil_with(school, authorised=2)

    assert ladder_letters_due(school=school, kind="absence", as_of=AS_OF).due == []
    assert request_letters(school, "absence", AS_OF, attendance_lead) == 0
    assert not LadderLetter.objects.exists()


def test_the_minimum_is_the_federations_setting(school):
    # Issue #17: "a federation setting in the YAML".
    school.federation.ladder_minimum_sessions = 10
    school.federation.save()
    pupil_with(school, attended=5, unauthorised=5)

    intervention_ladder_run(school=school, as_of=AS_OF)

    assert set(LadderStep.objects.values_list("step", flat=True)) == {1, 2, 3}


def test_the_preview_lists_each_pupil_their_figure_and_letter_and_draws_nothing(
    school, attendance_lead, client, django_capture_on_commit_callbacks
):
    # Issue #17: "a preview listing each pupil, their figure and the letter they would get, then
    # a confirm; nothing is drawn or e-mailed before it".
    pupil = pupil_with(school, attended=88, unauthorised=12, name="Ada")
    PupilContactFactory(pupil=pupil, parental_responsibility=True)
    pupil_with(school, attended=95, unauthorised=5, name="Bea")
    client.force_login(attendance_lead)

    with django_capture_on_commit_callbacks() as queued:
        preview = client.get(
            reverse("ladder_letters_preview", args=[school.pk]),
            {"kind": "absence", "email_parents": "on"},
        )

    page = " ".join(preview.content.decode().split())
    assert preview.status_code == 200
    assert "Ada Absentia" in page and "Bea Absentia" not in page
    assert "88.0%" in page and "88 of 100" in page
    assert "3 Sep 2025 – 21 Nov 2025" in page
    assert "Absence letter (below 93%)" in page
    assert "Draw this letter and e-mail it to the parents" in page
    assert not LadderLetter.objects.exists() and not queued and not mail.outbox


def test_the_confirmation_draws_only_the_pupils_the_preview_listed(school, attendance_lead, client):
    # Issue #17: nothing is drawn that the preview did not show; a pupil who falls below after the
    # preview waits for the next one.
    pupil_with(school, attended=88, unauthorised=12, name="Ada")
    client.force_login(attendance_lead)
    preview = client.get(reverse("ladder_letters_preview", args=[school.pk]), {"kind": "absence"})
    later = pupil_with(school, attended=80, unauthorised=20, name="Cai")

    response = client.post(reverse("ladder_letters", args=[school.pk]), _confirmation(preview))

    assert response.status_code == 302
    assert list(LadderLetter.objects.values_list("pupil__legal_forename", flat=True)) == ["Ada"]
    assert ladder_letters_due(school=school, kind="absence", as_of=AS_OF).due[0].pupil == later


def test_a_confirmation_sent_twice_draws_each_letter_once(school, attendance_lead, client):
    # Issue #17: "every form that creates something is safe to submit twice".
    pupil_with(school, attended=88, unauthorised=12)
    client.force_login(attendance_lead)
    preview = client.get(reverse("ladder_letters_preview", args=[school.pk]), {"kind": "absence"})
    data = _confirmation(preview)

    first = client.post(reverse("ladder_letters", args=[school.pk]), data)
    second = client.post(reverse("ladder_letters", args=[school.pk]), data)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert LadderLetter.objects.count() == 1


@pytest.mark.pdf
def test_each_letter_states_the_period_and_the_sessions_it_rests_on(
    school, attendance_lead, django_capture_on_commit_callbacks
):
    # Issue #17: "each letter states the period and the sessions it rests on".
    pupil_with(school, attended=85, unauthorised=15)

    with django_capture_on_commit_callbacks(execute=True):
        request_letters(school, "meeting", AS_OF, attendance_lead)

    letter = LadderLetter.objects.get()
    assert letter.period_start == date(2025, 9, 3)
    text = _pdf_text(letter.letter.read())
    assert (
        "These figures rest on the 100 possible sessions from Wednesday 3 September 2025 to "
        "Friday 21 November 2025" in text
    )
    assert "attendance from 3 September 2025 to 21 November 2025" in text
