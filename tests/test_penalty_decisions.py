"""Penalty decisions that stand up to challenge (issue 15), on a school built from YAML with terms
from summer 2024 to spring 2027:

1. evidence read as it stands at each decision, not as it stood when the case opened;
2. the two-notice limit as the local authority counts it, and the days to pay from receipt;
3. compulsory school age (Education Act 1996, s.8) wherever the law applies it;
4. an improvement period of 3 to 6 weeks counting its first and last days;
5. evidence that has gone stale, and letters that name the period of every figure.
"""

import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from absences.services.timetables import part_time_timetable_agree
from core.errors import DomainError
from penalties.models import (
    LADecision,
    NoticeToImprove,
    PenaltyNotice,
    PenaltyNoticeKind,
    ThresholdCase,
)
from penalties.services import notice_to_improve_issue, penalty_notice_record, threshold_cases_open
from penalties.services.penalty_notices import national_sequence
from registers.models import Federation, School
from registers.services.marks import mark_amend, resolved_write
from registers.services.school_config import ConfigRejected, school_config_load
from tests.conftest import LONDON
from tests.factories import (
    EnrolmentFactory,
    MarkFactory,
    PupilContactFactory,
    PupilFactory,
)

pytestmark = pytest.mark.django_db

TERMS = [
    ("Summer 2024", "2024-04-15", "2024-07-23", "2024-05-27", "2024-05-31"),
    ("Autumn 2024", "2024-09-04", "2024-12-20", "2024-10-28", "2024-11-01"),
    ("Spring 2025", "2025-01-06", "2025-04-04", "2025-02-17", "2025-02-21"),
    ("Summer 2025", "2025-04-22", "2025-07-22", "2025-05-26", "2025-05-30"),
    ("Autumn 2025", "2025-09-03", "2025-12-19", "2025-10-27", "2025-10-31"),
    ("Spring 2026", "2026-01-05", "2026-03-27", "2026-02-16", "2026-02-20"),
    ("Summer 2026", "2026-04-13", "2026-07-21", "2026-05-25", "2026-05-29"),
    ("Autumn 2026", "2026-09-02", "2026-12-18", "2026-10-26", "2026-10-30"),
    ("Spring 2027", "2027-01-04", "2027-03-26", "2027-02-15", "2027-02-19"),
]
TODAY = date(2026, 12, 4)  # a Friday


def _config(**federation: object) -> dict:
    return {
        "federation": {"name": "Decisions Federation", **federation},
        "schools": [
            {
                "urn": "999701",
                "name": "Decisions Primary",
                "la_code": "884",
                "session_times": [
                    {
                        "year_groups": ["N1", "N2", "R", "1", "2", "3", "4", "5", "6"],
                        "am_start": "08:45",
                        "am_register_closes": "09:15",
                        "pm_register_opens": "13:15",
                        "pm_register_closes": "13:30",
                        "end": "15:15",
                    }
                ],
                "terms": [
                    {
                        "name": name,
                        "start": start,
                        "end": end,
                        "half_term_start": half_start,
                        "half_term_end": half_end,
                    }
                    for name, start, end, half_start, half_end in TERMS
                ],
            }
        ],
    }


@pytest.fixture
def school() -> School:
    school_config_load(data=_config())
    return School.objects.select_related("federation").get(urn="999701")


@pytest.fixture
def today():
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=LONDON), tick=False):
        yield TODAY


def pupil_born(school, born: date, year_group: str):
    pupil = PupilFactory(date_of_birth=born, year_group=year_group, legal_surname="Absentia")
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2024, 4, 15))
    return pupil


def absent(pupil, school, first: date, days: int, code: str = "N") -> list:
    """Both sessions of `days` consecutive weekdays from `first` (within one week)."""
    return [
        MarkFactory(
            pupil=pupil,
            school=school,
            date=first + timedelta(days=offset),
            session=session,
            code_id=code,
        )
        for offset in range(days)
        for session in ("AM", "PM")
    ]


def checked(school, as_of: date) -> list[dict]:
    out = io.StringIO()
    call_command(
        "check_thresholds",
        "--school",
        school.urn,
        "--as-of",
        as_of.isoformat(),
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def nti(case, by, **overrides):
    fields = {
        "improvement_start": date(2026, 12, 7),
        "improvement_end": date(2026, 12, 27),
        "target_percent": 95,
        "sufficient_improvement": "No unauthorised absence",
        "support_so_far": "Two meetings offered",
        "further_support": "Breakfast club",
        "early_notice_grounds": "Any further holiday taken in term time",
        **overrides,
    }
    return notice_to_improve_issue(case=case, by=by, **fields)


# 1. Evidence as it stands ---------------------------------------------------------------------


@pytest.fixture
def year_3(school):
    return pupil_born(school, date(2018, 5, 1), "3")


@pytest.fixture
def november_case(school, year_3, today):
    """Ten N in the week of 16 November 2026: a case opened today, on recent evidence."""
    marks = absent(year_3, school, date(2026, 11, 16), 5)
    assert threshold_cases_open(school=school, as_of=TODAY) == 1
    return ThresholdCase.objects.get(), marks


def test_a_notice_is_refused_once_amendments_leave_the_threshold_unmet_and_says_which(
    client, school, year_3, november_case, head, office
):
    # National framework: the threshold is 10 sessions of unauthorised absence in 10 school
    # weeks; 8 of the 10 N were amended to I when the parent brought medical evidence.
    case, marks = november_case
    mother = PupilContactFactory(pupil=year_3, contact__name="Mona Absentia").contact
    for mark in marks[:8]:
        mark_amend(
            mark=mark, code="I", arrived_at=None, reason="GP letter", by=office, seen_version=1
        )
    assert checked(school, TODAY) == []
    with pytest.raises(DomainError) as refused:
        penalty_notice_record(
            case=case,
            parent=mother,
            kind=PenaltyNoticeKind.NATIONAL,
            issued_on=TODAY,
            served_by="hand",
            by=head,
        )
    message = refused.value.message
    assert "The threshold is no longer met: 2 of the window's sessions" in message
    assert (
        "Mon 16 Nov 2026 AM (N): amended to I on Fri 4 Dec 2026 by Olive Office "
        "(Office manager): \u201cGP letter\u201d" in message
    )
    with pytest.raises(DomainError, match="The threshold is no longer met"):
        nti(case, head)
    assert not PenaltyNotice.objects.exists() and not NoticeToImprove.objects.exists()

    client.force_login(head)
    page = client.get(reverse("threshold_case", args=[school.pk, case.pk])).content.decode()
    assert "the threshold is no longer met" in page
    assert page.count('<li class="no-longer"><del>') == 8
    assert "amended to I on Fri 4 Dec 2026 by Olive Office" in page


@pytest.mark.pdf
def test_the_letter_lists_only_the_sessions_unauthorised_now(
    school, year_3, november_case, head, office, django_capture_on_commit_callbacks
):
    # Letters list only sessions that are unauthorised now: 11 N, one amended to M.
    from pypdf import PdfReader

    case, marks = november_case
    MarkFactory(pupil=year_3, school=school, date=date(2026, 11, 9), session="AM", code_id="N")
    mark_amend(
        mark=marks[0], code="M", arrived_at=None, reason="Dentist", by=office, seen_version=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        notice = nti(case, head)
    notice.refresh_from_db()
    with notice.letter.open("rb") as stored:
        text = " ".join(
            " ".join((page.extract_text() or "").split())
            for page in PdfReader(io.BytesIO(stored.read())).pages
        )
    assert "has had 10 sessions of unauthorised absence" in text
    assert text.count("Monday 16 November 2026") == 1  # the amended morning is not listed
    assert "Monday 9 November 2026" in text


# 2. The two-notice limit, as the local authority counts it ----------------------------------


@pytest.fixture
def parent(year_3):
    return PupilContactFactory(pupil=year_3, contact__name="Pat Absentia").contact


def on_record(school, pupil, parent, head, issued_on: date, *, withdrawn=False) -> PenaltyNotice:
    """A national notice already issued to the parent, as recorded at the time."""
    return PenaltyNotice.objects.create(
        school=school,
        pupil=pupil,
        parent=parent,
        kind=PenaltyNoticeKind.NATIONAL,
        issued_on=issued_on,
        served_by="hand",
        received_on=issued_on,
        full_amount=Decimal(160),
        full_due_on=issued_on + timedelta(days=28),
        la_decision=LADecision.WITHDRAW if withdrawn else "",
        recorded_by=head,
        recorded_at=timezone.now(),
    )


def sequence(pupil, parent, on: date, counting: str) -> int | None:
    return national_sequence(pupil=pupil, parent_id=parent.pk, issued_on=on, counting=counting)


def test_from_the_first_a_third_is_refused_until_3_years_from_the_first_then_it_starts_again(
    school, year_3, parent, head
):
    # "A third penalty notice cannot be issued to the same parent in respect of the same child
    # within 3 years of the date of issue of the first" (HMFA policy, the national framework).
    on_record(school, year_3, parent, head, date(2024, 9, 2))
    on_record(school, year_3, parent, head, date(2026, 9, 1))
    assert sequence(year_3, parent, date(2027, 9, 1), "from_first") is None
    assert sequence(year_3, parent, date(2027, 9, 2), "from_first") == 1
    on_record(school, year_3, parent, head, date(2027, 9, 2))
    assert sequence(year_3, parent, date(2027, 12, 1), "from_first") == 2


def test_rolling_no_notice_when_two_were_issued_in_the_3_years_ending_on_its_date(
    school, year_3, parent, head
):
    # Some local codes: the three years ending on the date a new notice is proposed.
    on_record(school, year_3, parent, head, date(2024, 9, 2))
    on_record(school, year_3, parent, head, date(2026, 9, 1))
    assert sequence(year_3, parent, date(2027, 9, 1), "rolling") is None
    assert sequence(year_3, parent, date(2027, 9, 2), "rolling") == 2  # 2 Sep 2024 has gone
    on_record(school, year_3, parent, head, date(2027, 9, 2))
    assert sequence(year_3, parent, date(2027, 12, 1), "rolling") is None


def test_a_withdrawn_notice_does_not_count_and_an_unpaid_one_does(school, year_3, parent, head):
    # The framework as local codes reproduce it: notices issued count, paid or not; a notice the
    # local authority withdrew does not.
    on_record(school, year_3, parent, head, date(2024, 9, 2))
    second = on_record(school, year_3, parent, head, date(2026, 9, 1))
    assert sequence(year_3, parent, date(2026, 12, 1), "from_first") is None
    second.la_decision = LADecision.WITHDRAW
    second.save()
    assert sequence(year_3, parent, date(2026, 12, 1), "from_first") == 2
    assert sequence(year_3, parent, date(2026, 12, 1), "rolling") == 2


def test_a_third_is_refused_on_the_case_which_offers_the_alternatives(
    client, school, year_3, parent, november_case, head
):
    case, _ = november_case
    on_record(school, year_3, parent, head, date(2024, 9, 2))
    on_record(school, year_3, parent, head, date(2026, 9, 1))
    with pytest.raises(DomainError, match="A third penalty notice cannot be issued"):
        penalty_notice_record(
            case=case,
            parent=parent,
            kind=PenaltyNoticeKind.NATIONAL,
            issued_on=TODAY,
            served_by="post",
            by=head,
        )
    client.force_login(head)
    page = client.get(reverse("threshold_case", args=[school.pk, case.pk])).content.decode()
    assert "No further penalty notice can be issued to Pat Absentia" in page
    assert "alternative action" in page


@pytest.mark.parametrize(
    ("served_by", "posting_days", "received", "reduced_due", "full_due"),
    [
        ("hand", 2, date(2026, 12, 4), date(2026, 12, 25), date(2027, 1, 1)),
        # Posted on a Friday: received on the second working day after, Tuesday 8 December.
        ("post", 2, date(2026, 12, 8), date(2026, 12, 29), date(2027, 1, 5)),
        ("post", 3, date(2026, 12, 9), date(2026, 12, 30), date(2027, 1, 6)),
    ],
)
def test_the_21_and_28_days_run_from_when_the_notice_is_received(
    school,
    parent,
    november_case,
    head,
    served_by,
    posting_days,
    received,
    reduced_due,
    full_due,
):
    # Local codes of conduct count the 21 and 28 days to pay from receipt; a posted notice is
    # deemed received the federation's number of working days after posting.
    school.federation.penalty_notice_posting_days = posting_days
    school.federation.save()
    case, _ = november_case
    notice = penalty_notice_record(
        case=case,
        parent=parent,
        kind=PenaltyNoticeKind.NATIONAL,
        issued_on=TODAY,
        served_by=served_by,
        by=head,
    )
    assert (notice.received_on, notice.reduced_due_on, notice.full_due_on) == (
        received,
        reduced_due,
        full_due,
    )
    assert (notice.sequence, notice.reduced_amount, notice.full_amount) == (
        1,
        Decimal(80),
        Decimal(160),
    )


def test_the_counting_and_the_days_after_posting_are_federation_settings_in_the_yaml(school):
    school_config_load(
        data=_config(penalty_limit_counting="rolling", penalty_notice_posting_days=3)
    )
    federation = Federation.objects.get(name="Decisions Federation")
    assert (federation.penalty_limit_counting, federation.penalty_notice_posting_days) == (
        "rolling",
        3,
    )
    with pytest.raises(ConfigRejected) as wrong_value:
        school_config_load(data=_config(penalty_limit_counting="from_last"))
    assert "penalty_limit_counting" in " ".join(wrong_value.value.errors)
    with pytest.raises(ConfigRejected) as misspelt:
        school_config_load(data=_config(penalty_limit_countng="rolling"))
    assert "unknown setting(s) penalty_limit_countng" in " ".join(misspelt.value.errors)


# 3. Compulsory school age ----------------------------------------------------------------------


def test_no_case_for_a_nursery_pupil_aged_3(school, today):
    # Penalty notices only for pupils of compulsory school age (Education Act 1996, s.8).
    nursery = pupil_born(school, date(2023, 5, 1), "N2")
    absent(nursery, school, date(2026, 11, 16), 5)
    assert checked(school, TODAY) == []
    assert threshold_cases_open(school=school, as_of=TODAY) == 0


def test_a_reception_pupil_counts_only_from_their_prescribed_day(school):
    # Born 1 October 2021: five on 1 October 2026, of compulsory school age from 31 December.
    reception = pupil_born(school, date(2021, 10, 1), "R")
    absent(reception, school, date(2026, 12, 14), 3)  # 6 sessions before the prescribed day
    january = absent(reception, school, date(2027, 1, 4), 2)  # 4 after it
    with time_machine.travel(datetime(2027, 1, 15, 17, 0, tzinfo=LONDON), tick=False):
        assert checked(school, date(2027, 1, 15)) == []
        january += absent(reception, school, date(2027, 1, 11), 3)  # 6 more: 10 after it
        (result,) = checked(school, date(2027, 1, 15))
    assert result["sessions"] == 10
    assert {mark["date"] for mark in result["marks"]} == {m.date.isoformat() for m in january}


def test_c2_is_refused_for_a_pupil_not_of_compulsory_school_age_and_x_for_one_who_is(
    school, year_3, head, today
):
    # 2024 regulations: C2 records a part-time timetable for a pupil of compulsory school age;
    # X is "non-compulsory school age absence: not required to be in school".
    nursery = pupil_born(school, date(2023, 5, 1), "N2")
    day = date(2026, 12, 3)
    with pytest.raises(DomainError, match="C2' \\(part-time timetable\\) is for a pupil of"):
        resolved_write(
            school=school, pupil=nursery, day=day, session="AM", code="C2", arrived_at=None
        )
    with pytest.raises(DomainError, match="'X' is for a pupil not of compulsory school age"):
        resolved_write(
            school=school, pupil=year_3, day=day, session="AM", code="X", arrived_at=None
        )
    assert (
        resolved_write(
            school=school, pupil=nursery, day=day, session="AM", code="X", arrived_at=None
        ).code
        == "X"
    )
    assert (
        resolved_write(
            school=school, pupil=year_3, day=day, session="AM", code="C2", arrived_at=None
        ).code
        == "C2"
    )
    with pytest.raises(DomainError, match="below compulsory school age until 31 August 2028"):
        part_time_timetable_agree(
            school=school,
            pupil=nursery,
            start=date(2026, 12, 7),
            end=date(2026, 12, 18),
            sessions_off=["Mon PM"],
            reason="Settling in",
            review_dates=[date(2026, 12, 14)],
            by=head,
        )


# 4. The improvement period ---------------------------------------------------------------------


def test_exactly_three_weeks_counting_both_ends_is_accepted_and_six_weeks_and_a_day_refused(
    november_case, head
):
    # The framework: "a clear timeframe of between 3 and 6 weeks for the improvement period".
    case, _ = november_case
    with pytest.raises(DomainError, match="is 6 week\\(s\\) and 1 day\\(s\\)"):
        nti(case, head, improvement_end=date(2027, 1, 18))
    notice = nti(case, head, improvement_end=date(2026, 12, 27))
    assert (notice.improvement_start, notice.improvement_end) == (
        date(2026, 12, 7),
        date(2026, 12, 27),
    )


def test_a_federation_counting_school_weeks_wants_15_to_30_school_days(school, november_case, head):
    # Some local codes: "6 school weeks, a maximum of 30 school days".
    school.federation.improvement_period_counting = "school_weeks"
    school.federation.save()
    case, _ = november_case
    with pytest.raises(DomainError, match="is 10 school day\\(s\\)"):
        nti(case, head, improvement_end=date(2026, 12, 27))  # the Christmas holiday: 10 days
    notice = nti(case, head, improvement_end=date(2027, 1, 8))  # 10 + 5 school days
    assert notice.improvement_end == date(2027, 1, 8)


# 5. Stale evidence and letters' periods -------------------------------------------------------


@pytest.fixture
def september_2025(school, year_3):
    return absent(year_3, school, date(2025, 9, 8), 5)


def test_check_now_in_december_2026_opens_no_case_on_september_2025_sessions(
    school, september_2025, today
):
    # The federation's penalty_evidence_max_age_school_weeks (default 12): how recent a window
    # must be. The check itself still reports the pupil; no case is opened on it.
    assert school.federation.penalty_evidence_max_age_school_weeks == 12
    assert [row["window_end"] for row in checked(school, TODAY)] == ["2025-09-12"]
    assert threshold_cases_open(school=school, as_of=TODAY) == 0


@pytest.fixture
def stale_case(school, september_2025):
    with time_machine.travel(datetime(2025, 9, 19, 17, 0, tzinfo=LONDON), tick=False):
        assert threshold_cases_open(school=school, as_of=date(2025, 9, 19)) == 1
    return ThresholdCase.objects.get()


@pytest.mark.pdf
def test_an_open_case_gone_stale_warns_and_needs_a_reason_for_a_notice(
    client, school, year_3, stale_case, head, today, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    client.force_login(head)
    page = client.get(reverse("threshold_case", args=[school.pk, stale_case.pk])).content.decode()
    assert 'id="stale-evidence"' in page
    with pytest.raises(DomainError, match="ended 51 school weeks ago, more than the 12"):
        nti(stale_case, head)
    with django_capture_on_commit_callbacks(execute=True):
        notice = nti(stale_case, head, stale_evidence_reason="The LA asked us to proceed")
    notice.refresh_from_db()
    assert notice.stale_evidence_reason == "The LA asked us to proceed"
    with notice.letter.open("rb") as stored:
        text = " ".join(
            " ".join((p.extract_text() or "").split())
            for p in PdfReader(io.BytesIO(stored.read())).pages
        )
    # Each figure names its period (here 10 school weeks across the summer holiday); this
    # school year has no sessions for the pupil, so the letter gives no figure for it.
    assert (
        "over the 10 school weeks of the threshold (2 June 2025 to 12 September 2025) "
        "was 0.0%: 0 of 10 possible sessions" in text
    )
    assert "this school year" not in text
