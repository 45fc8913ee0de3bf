"""Notices to improve: the 3-to-6-week improvement period, the letter, and the period's result."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.errors import DomainError
from penalties.models import NoticeToImprove, ThresholdCase
from penalties.services import notice_to_improve_issue, threshold_cases_open
from tests.factories import PupilContactFactory
from tests.test_thresholds import mark, pupil_at, whole_days

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
START = date(2025, 9, 22)  # a Monday of the `school` fixture's autumn term


@pytest.fixture
def monday():
    with time_machine.travel(datetime(2025, 9, 22, 10, 0, tzinfo=LONDON), tick=False):
        yield START


@pytest.fixture
def case(school, monday) -> ThresholdCase:
    pupil = pupil_at(school)
    pupil.legal_forename, pupil.legal_surname = "Ada", "Absentia"
    pupil.save()
    PupilContactFactory(pupil=pupil, contact__name="Mona Absentia")
    whole_days(pupil, school, date(2025, 9, 8), 5, "G")
    threshold_cases_open(school=school, as_of=date(2025, 9, 19))
    return ThresholdCase.objects.get()


def issue(case, by, *, start=START, end=START + timedelta(days=20), **overrides):
    fields = {
        "improvement_start": start,
        "improvement_end": end,
        "target_percent": 95,
        "sufficient_improvement": "No unauthorised absence and attendance of at least 95%",
        "support_so_far": "Two meetings offered with the family support worker",
        "further_support": "A place at the breakfast club and a weekly check-in",
        "early_notice_grounds": "Any further holiday taken in term time",
        **overrides,
    }
    return notice_to_improve_issue(case=case, by=by, **fields)


@pytest.mark.parametrize("days", [21, 42], ids=["3w", "6w"])
def test_an_improvement_period_of_3_or_6_weeks_is_accepted(case, attendance_lead, days):
    # "A clear timeframe of between 3 and 6 weeks for the improvement period": its first and
    # last days are both in it.
    notice = issue(case, attendance_lead, end=START + timedelta(days=days - 1))
    assert (notice.improvement_end - notice.improvement_start).days + 1 == days


@pytest.mark.parametrize("days", [20, 43], ids=["2w6d", "6w1d"])
def test_an_improvement_period_outside_3_to_6_weeks_is_refused(case, attendance_lead, days):
    # "an improvement period of 3 to 6 weeks that the system will not let fall outside those bounds"
    with pytest.raises(DomainError, match="between 3 and 6 weeks"):
        issue(case, attendance_lead, end=START + timedelta(days=days - 1))
    assert not NoticeToImprove.objects.exists()


def test_an_improvement_period_starting_in_the_past_is_refused(case, attendance_lead):
    with pytest.raises(DomainError, match="past"):
        issue(case, attendance_lead, start=START - timedelta(days=1))


@pytest.mark.parametrize("field", ["sufficient_improvement", "support_so_far", "further_support"])
def test_every_part_of_the_notice_is_required(case, attendance_lead, field):
    # "They will include: ... support provided so far ... further support ... a clear warning"
    with pytest.raises(DomainError, match="must say"):
        issue(case, attendance_lead, **{field: " "})
    assert not NoticeToImprove.objects.exists()


@pytest.mark.parametrize("target", [-1, 101])
def test_the_target_is_a_percentage(case, attendance_lead, target):
    with pytest.raises(DomainError, match="0 to 100"):
        issue(case, attendance_lead, target_percent=target)


def test_a_second_notice_on_the_same_case_is_refused(case, attendance_lead):
    issue(case, attendance_lead)
    with pytest.raises(DomainError, match="already"):
        issue(case, attendance_lead)


@pytest.mark.pdf
def test_the_letter_has_everything_the_framework_requires(
    case, attendance_lead, client, django_capture_on_commit_callbacks
):
    # "Details of the pupil's attendance record and of the offences; ... section 7 ...;
    # a clear warning ...; a clear timeframe ...; the grounds ... before the end"
    from pypdf import PdfReader

    with django_capture_on_commit_callbacks(execute=True):
        notice = issue(case, attendance_lead)  # eager Celery: the letter is drawn on commit
    notice.refresh_from_db()
    notice.letter.open("rb")
    pdf = notice.letter.read()
    notice.letter.close()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "Ada Absentia" in text
    assert "Mona Absentia" in text
    for day in ("Monday 8 September 2025", "Friday 12 September 2025"):
        assert day in text
    assert "G" in text and "Morning" in text
    assert "section 7 of the Education Act 1996" in text
    assert "Monday 22 September 2025" in text and "Sunday 12 October 2025" in text
    assert "No unauthorised absence and attendance of at least 95%" in text
    assert "a penalty notice may be issued" in text
    assert "Any further holiday taken in term time" in text
    assert "Two meetings offered" in text and "breakfast club" in text
    # Each figure names its period: the window's 10 sessions possible (the holiday), none
    # attended; this school year to date the same.
    assert (
        "over the 10 school weeks of the threshold (3 September 2025 to 12 September 2025) "
        "was 0.0%: 0 of 10 possible sessions" in text
    )
    assert "over this school year to date (3 September 2025 to 22 September 2025)" in text

    client.force_login(attendance_lead)
    response = client.get(reverse("notice_to_improve_letter", args=[case.school_id, case.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_case_shows_attendance_during_the_period_against_the_target(
    case, attendance_lead, client
):
    # "At the end of the period the case shows attendance during the period against the stated
    # criterion."
    issue(case, attendance_lead, target_percent=95)
    pupil = case.pupil
    for offset in range(0, 5):  # week of 22 September: present every session
        day = START + timedelta(days=offset)
        mark(pupil, case.school, day, "AM", "/")
        mark(pupil, case.school, day, "PM", "\\")
    whole_days(pupil, case.school, date(2025, 9, 29), 1, "G")  # 2 sessions missed
    mark(pupil, case.school, date(2025, 10, 14), "AM", "G")  # after the period: not counted

    with time_machine.travel(datetime(2025, 10, 14, 9, 0, tzinfo=LONDON), tick=False):
        client.force_login(attendance_lead)
        page = client.get(reverse("threshold_case", args=[case.school_id, case.pk]))
    content = page.content.decode()
    figures = page.context["period"].figures
    assert (figures.possible, figures.attended, figures.attendance_pct) == (12, 10, Decimal("83.3"))
    assert page.context["period"].ended is True
    assert "83.3%" in content
    assert "The target was not met." in content


def test_the_office_cannot_download_the_letter(case, attendance_lead, office, client):
    # The attendance lead and the head deal with notices.
    issue(case, attendance_lead)
    client.force_login(office)
    url = reverse("notice_to_improve_letter", args=[case.school_id, case.pk])
    assert client.get(url).status_code == 403


@pytest.mark.pdf
def test_the_letter_is_emailed_to_the_parents_once_when_asked(
    case, attendance_lead, django_capture_on_commit_callbacks, mailoutbox
):
    # Issue 5: every letter is stored, downloadable, and optionally e-mailed to the parents.
    from penalties.services.notices_to_improve import notice_to_improve_letter_store

    with django_capture_on_commit_callbacks(execute=True):
        notice = issue(case, attendance_lead, email_parents=True)
    [message] = mailoutbox
    assert message.to == [case.pupil.pupil_contacts.get().contact.email]
    assert "Ada Absentia" in message.subject
    [(filename, pdf, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and pdf.startswith(b"%PDF")
    notice_to_improve_letter_store(notice_id=notice.pk)  # a retry sends nothing more
    assert len(mailoutbox) == 1
    notice.refresh_from_db()
    assert notice.emailed_at is not None


@pytest.mark.pdf
def test_the_letter_is_not_emailed_unless_asked(
    case, attendance_lead, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        issue(case, attendance_lead)
    assert mailoutbox == []


@pytest.mark.pdf
def test_grounds_for_an_earlier_notice_are_optional_and_an_empty_value_prints_nothing(
    case, attendance_lead
):
    # Issue #22: "'grounds for a notice before the period ends' is compulsory (typing 'None'
    # puts 'None' in the letter)": optional, and the letter then says nothing of it.
    from pypdf import PdfReader

    from penalties.services.notices_to_improve import notice_to_improve_letter

    notice = issue(case, attendance_lead, early_notice_grounds="  ")
    assert notice.early_notice_grounds == ""
    pdf = notice_to_improve_letter(notice=notice)
    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "a penalty notice may be issued to you" in text
    assert "before the improvement period ends" not in text
    assert "None" not in text
