"""Follow-up: continuing absence, medical evidence, N codes still open, reports to the LA.

The `school` fixture's autumn term runs 3 September to 19 December 2025 with half term 27-31
October; 8 September 2025 is a Monday.
"""

import csv
import io
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from absences.models import EvidenceOutcome, MedicalEvidenceRequest
from absences.selectors import followup, la_returns
from absences.services.evidence import (
    illness_not_accepted,
    medical_evidence_outcome_record,
    medical_evidence_request,
)
from core.errors import DomainError
from registers.models import Amendment, Closure, Mark, SchoolDay
from registers.services.calendar import school_calendar_rebuild
from tests.conftest import LONDON
from tests.factories import MarkFactory, enrol_in_group

pytestmark = pytest.mark.django_db


def on(day: date, hour: int = 16, minute: int = 0):
    """The clock frozen at `hour`:`minute` in London on `day`."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON), tick=False
    )


def school_days(school, first: date, last: date) -> list[date]:
    return list(
        SchoolDay.objects.filter(school=school, date__range=(first, last)).values_list(
            "date", flat=True
        )
    )


def mark(pupil, school, days, code: str, sessions=("AM", "PM")) -> None:
    Mark.objects.bulk_create(
        MarkFactory.build(pupil=pupil, school=school, date=day, session=session, code_id=code)
        for day in days
        for session in sessions
    )


def present(pupil, school, day: date) -> None:
    mark(pupil, school, [day], "/", sessions=("AM",))
    mark(pupil, school, [day], "\\", sessions=("PM",))


def summary(runs) -> list[tuple]:
    return [(r.pupil.legal_surname, r.first_day, r.last_day, r.school_days) for r in runs]


# Continuing absence -------------------------------------------------------------------------


def test_a_weekend_does_not_break_a_run_of_absence(school, pupils_4a):
    pupil = pupils_4a[0]
    # Rule: absence runs over consecutive school days; Saturday and Sunday are not school days.
    mark(pupil, school, [date(2025, 9, 11), date(2025, 9, 12), date(2025, 9, 15)], "O")
    with on(date(2025, 9, 15)):
        runs = followup.continuing_absence(school=school, today=date(2025, 9, 15))
    assert summary(runs) == [(pupil.legal_surname, date(2025, 9, 11), date(2025, 9, 15), 3)]


def test_a_day_present_ends_the_run(school, pupils_4a):
    pupil = pupils_4a[0]
    # Rule: only consecutive school days of absence make a run; a day in school starts it again.
    mark(pupil, school, school_days(school, date(2025, 9, 8), date(2025, 9, 10)), "O")
    present(pupil, school, date(2025, 9, 11))
    mark(pupil, school, [date(2025, 9, 12)], "I")
    runs = followup.continuing_absence(school=school, today=date(2025, 9, 12))
    assert summary(runs) == [(pupil.legal_surname, date(2025, 9, 12), date(2025, 9, 12), 1)]


def test_half_term_neither_counts_as_absence_nor_breaks_the_run(school, pupils_4a):
    pupil = pupils_4a[0]
    # Rule: half term (27-31 October) has no sessions: it is not absence, and not attendance.
    days = [date(2025, 10, 23), date(2025, 10, 24), date(2025, 11, 3), date(2025, 11, 4)]
    mark(pupil, school, days, "I")
    runs = followup.continuing_absence(school=school, today=date(2025, 11, 4))
    assert summary(runs) == [(pupil.legal_surname, date(2025, 10, 23), date(2025, 11, 4), 4)]


def test_a_run_to_the_last_school_day_continues_until_the_pupil_is_marked_present(
    school, pupils_4a
):
    away, back = pupils_4a[0], pupils_4a[1]
    # Rule: a day is absent when both its sessions are absences; the list is runs ending today
    # or on the last school day, while today's registers do not show the pupil in school.
    mark(away, school, [date(2025, 9, 11), date(2025, 9, 12)], "O")
    mark(back, school, [date(2025, 9, 12)], "O")
    present(back, school, date(2025, 9, 15))
    mark(away, school, [date(2025, 9, 15)], "O", sessions=("AM",))  # PM not yet taken
    runs = followup.continuing_absence(school=school, today=date(2025, 9, 15))
    assert summary(runs) == [(away.legal_surname, date(2025, 9, 11), date(2025, 9, 12), 2)]


def test_a_day_with_one_session_is_absent_when_that_session_is(school, pupils_4a):
    pupil = pupils_4a[0]
    # Rule: a day counts as absent when both its sessions are absences, or its only session
    # (Friday 12 September PM closed for training).
    Closure.objects.create(school=school, date=date(2025, 9, 12), session="PM", reason="INSET")
    school_calendar_rebuild(school=school)
    mark(pupil, school, [date(2025, 9, 11)], "O")
    mark(pupil, school, [date(2025, 9, 12)], "O", sessions=("AM",))
    mark(pupil, school, [date(2025, 9, 15)], "O")
    runs = followup.continuing_absence(school=school, today=date(2025, 9, 15))
    assert summary(runs) == [(pupil.legal_surname, date(2025, 9, 11), date(2025, 9, 15), 3)]


def test_an_absence_that_ended_before_the_last_school_day_is_not_continuing(school, pupils_4a):
    pupil = pupils_4a[0]
    # Rule: continuing absence ends today or on the last school day, not earlier.
    mark(pupil, school, [date(2025, 9, 10), date(2025, 9, 11)], "O")
    assert followup.continuing_absence(school=school, today=date(2025, 9, 15)) == []


# Medical evidence ---------------------------------------------------------------------------


def test_illness_over_five_school_days_is_a_candidate_for_medical_evidence_and_five_is_not(
    school, pupils_4a
):
    six, five = pupils_4a[0], pupils_4a[1]
    # Luston and Shobdon 4.2: "Where the absence is longer than five days ... the school will
    # ask for medical evidence". Five school days (Mon-Fri) are not longer than five.
    mark(six, school, school_days(school, date(2025, 9, 8), date(2025, 9, 15)), "I")
    mark(five, school, school_days(school, date(2025, 9, 8), date(2025, 9, 12)), "I")
    with on(date(2025, 9, 16)):
        candidates = followup.medical_evidence_candidates(school=school, today=date(2025, 9, 16))
    assert [(c.run.pupil, c.run.school_days, c.request) for c in candidates] == [(six, 6, None)]


def test_other_absence_does_not_make_illness_longer(school, pupils_4a):
    pupil = pupils_4a[0]
    # Rule: the medical evidence rule is about illness (I): five days of I then O is five.
    mark(pupil, school, school_days(school, date(2025, 9, 8), date(2025, 9, 12)), "I")
    mark(pupil, school, [date(2025, 9, 15)], "O")
    assert followup.medical_evidence_candidates(school=school, today=date(2025, 9, 16)) == []


@pytest.fixture
def ill_for_six_days(school, pupils_4a, office):
    """Pupil 0 ill Mon 8 to Mon 15 September; evidence asked for on Tue 16."""
    pupil = pupils_4a[0]
    mark(pupil, school, school_days(school, date(2025, 9, 8), date(2025, 9, 15)), "I")
    with on(date(2025, 9, 16), 10):
        request = medical_evidence_request(
            school=school,
            pupil=pupil,
            first_day=date(2025, 9, 8),
            last_day=date(2025, 9, 15),
            by=office,
        )
    return request


def test_medical_evidence_is_asked_for_once_for_the_same_days(ill_for_six_days, school, office):
    # Luston and Shobdon 4.2: "We will not ask for medical evidence unnecessarily."
    assert ill_for_six_days.outcome == EvidenceOutcome.PENDING
    assert ill_for_six_days.requested_on == date(2025, 9, 16)
    with on(date(2025, 9, 16), 11), pytest.raises(DomainError, match="already asked for"):
        medical_evidence_request(
            school=school,
            pupil=ill_for_six_days.pupil,
            first_day=date(2025, 9, 12),
            last_day=date(2025, 9, 15),
            by=office,
        )
    candidates = followup.medical_evidence_candidates(school=school, today=date(2025, 9, 16))
    assert [c.request for c in candidates] == [ill_for_six_days]


def test_a_short_absence_in_doubt_may_be_asked_about_but_not_days_without_absence(
    school, pupils_4a, office
):
    pupil = pupils_4a[1]
    # Luston and Shobdon 4.2: "or there are doubts about the authenticity of the illness".
    mark(pupil, school, [date(2025, 9, 15)], "I")
    with on(date(2025, 9, 16)):
        request = medical_evidence_request(
            school=school,
            pupil=pupil,
            first_day=date(2025, 9, 15),
            last_day=date(2025, 9, 15),
            by=office,
        )
        assert request.pk
        with pytest.raises(DomainError, match="nothing to ask evidence for"):
            medical_evidence_request(
                school=school,
                pupil=pupil,
                first_day=date(2025, 9, 8),
                last_day=date(2025, 9, 9),
                by=office,
            )
        with pytest.raises(DomainError, match="not days to come"):
            medical_evidence_request(
                school=school,
                pupil=pupil,
                first_day=date(2025, 9, 15),
                last_day=date(2025, 9, 17),
                by=office,
            )


def test_illness_is_not_recorded_unauthorised_until_the_parents_are_told(ill_for_six_days, office):
    # Luston and Shobdon 4.2: "the absence will be recorded as unauthorised and parents will be
    # notified of this in advance."
    with on(date(2025, 9, 22)):
        with pytest.raises(DomainError, match="not received before"):
            illness_not_accepted(
                request=ill_for_six_days, parents_told_on=date(2025, 9, 22), by=office
            )
        medical_evidence_outcome_record(
            request=ill_for_six_days, outcome=EvidenceOutcome.NOT_RECEIVED, by=office
        )
        with pytest.raises(DomainError, match="Tell the parents first"):
            illness_not_accepted(request=ill_for_six_days, parents_told_on=None, by=office)
        with pytest.raises(DomainError, match="still to come"):
            illness_not_accepted(
                request=ill_for_six_days, parents_told_on=date(2025, 9, 23), by=office
            )
    assert set(Mark.objects.values_list("code", flat=True)) == {"I"}
    ill_for_six_days.refresh_from_db()
    assert ill_for_six_days.recoded_at is None
    assert ill_for_six_days.parents_told_on is None


def test_illness_not_accepted_is_recoded_O_as_amendments_and_only_once(ill_for_six_days, office):
    # Luston and Shobdon 4.2: not satisfied, the absence is recorded as unauthorised; every
    # change to the register is an amendment with its reason (2024 regulations).
    with on(date(2025, 9, 22)):
        medical_evidence_outcome_record(
            request=ill_for_six_days, outcome=EvidenceOutcome.NOT_RECEIVED, by=office
        )
        request = illness_not_accepted(
            request=ill_for_six_days, parents_told_on=date(2025, 9, 19), by=office
        )
        assert request.recoded_at is not None
        assert request.parents_told_on == date(2025, 9, 19)
        assert request.outcome_by == office
        assert set(Mark.objects.values_list("code", flat=True)) == {"O"}
        assert Mark.objects.count() == 12
        assert set(Amendment.objects.values_list("original_code", "new_code", "reason")) == {
            ("I", "O", "Medical evidence not received; parents told 19 September 2025")
        }
        with pytest.raises(DomainError, match="already recorded as unauthorised"):
            illness_not_accepted(request=request, parents_told_on=date(2025, 9, 19), by=office)
        with pytest.raises(DomainError, match="can no longer change"):
            medical_evidence_outcome_record(
                request=request, outcome=EvidenceOutcome.RECEIVED, by=office
            )
    assert Amendment.objects.count() == 12


def test_the_office_asks_for_evidence_and_records_the_outcome_on_the_pages(
    client, school, pupils_4a, office
):
    pupil = pupils_4a[0]
    # Luston and Shobdon 4.2: over five days, the school asks for medical evidence.
    mark(pupil, school, school_days(school, date(2025, 9, 8), date(2025, 9, 15)), "I")
    client.force_login(office)
    url = reverse("followup_medical_evidence", args=[school.pk])
    with on(date(2025, 9, 16), 10):
        page = client.get(url)
        assert pupil.name in page.content.decode()
        response = client.post(
            url, {"pupil": pupil.pk, "first_day": "2025-09-08", "last_day": "2025-09-15"}
        )
        request = MedicalEvidenceRequest.objects.get()
        assert response.url == reverse("followup_evidence_request", args=[school.pk, request.pk])
    with on(date(2025, 9, 22), 10):
        client.post(
            reverse("followup_evidence_outcome", args=[school.pk, request.pk]),
            {"outcome": EvidenceOutcome.NOT_RECEIVED},
        )
        refused = client.post(
            reverse("followup_evidence_not_accepted", args=[school.pk, request.pk]),
            {"parents_told_on": ""},
        )
        assert refused.status_code == 400
        assert "Tell the parents first" in refused.content.decode()
        done = client.post(
            reverse("followup_evidence_not_accepted", args=[school.pk, request.pk]),
            {"parents_told_on": "2025-09-22"},
        )
        assert done.status_code == 302
    assert set(Mark.objects.values_list("code", flat=True)) == {"O"}


# N codes still open -------------------------------------------------------------------------


def test_an_n_is_overdue_on_the_sixth_school_day_after_its_session_not_the_fifth(school, pupils_4a):
    pupil = pupils_4a[0]
    # Luston and Shobdon 4.5: the code is input "no later than 5 working days after the
    # session": on the 5th school day after (Mon 15 for Mon 8) it is still in time; from the
    # 6th (Tue 16) it is overdue.
    mark(pupil, school, [date(2025, 9, 8)], "N", sessions=("AM",))
    assert not followup.overdue_n_marks(school=school, today=date(2025, 9, 15)).exists()
    overdue = followup.overdue_n_list(school=school, today=date(2025, 9, 16))
    assert [(m.pupil, m.date, m.session, m.school_days_since) for m in overdue] == [
        (pupil, date(2025, 9, 8), "AM", 6)
    ]


def test_overdue_n_counts_school_days_not_calendar_days(school, pupils_4a):
    pupil = pupils_4a[0]
    # Rule: five school days; half term (27-31 October) and weekends do not count.
    mark(pupil, school, [date(2025, 10, 24)], "N", sessions=("PM",))
    assert not followup.overdue_n_marks(school=school, today=date(2025, 11, 7)).exists()
    assert followup.overdue_n_marks(school=school, today=date(2025, 11, 10)).count() == 1


def test_a_resolved_n_is_no_longer_open(school, pupils_4a):
    pupil = pupils_4a[0]
    # Luston and Shobdon 4.5: once the correct code is input, there is nothing to chase.
    mark(pupil, school, [date(2025, 9, 8)], "I", sessions=("AM",))
    assert not followup.overdue_n_marks(school=school, today=date(2025, 9, 22)).exists()


# Reports to the local authority (the full rules: test_la_returns.py) ------------------------


def test_fifteen_days_of_illness_this_year_are_reported_and_fourteen_are_not(school, pupils_4a):
    fifteen, fourteen = pupils_4a[0], pupils_4a[1]
    # Rule: tell the LA when a pupil has been absent through illness for 15 days (cumulative):
    # 30 sessions of I this school year.
    first_week = school_days(school, date(2025, 9, 8), date(2025, 9, 12))
    mark(
        fifteen, school, first_week + school_days(school, date(2025, 9, 22), date(2025, 10, 3)), "I"
    )
    mark(
        fourteen,
        school,
        first_week + school_days(school, date(2025, 9, 22), date(2025, 10, 2)),
        "I",
    )
    report = la_returns.illness_return(school=school, as_of=date(2025, 10, 10))
    assert [(r.pupil, r.first_day, r.last_day, r.sessions) for r in report] == [
        (fifteen, date(2025, 9, 8), date(2025, 10, 3), 30)
    ]


def test_ten_continuous_school_days_of_unauthorised_absence_are_reported_and_nine_are_not(
    school, pupils_4a
):
    ten, nine, ill = pupils_4a[0], pupils_4a[1], pupils_4a[2]
    # Rule: tell the LA of pupils absent for 10 continuous school days with G, N, O or U; an
    # illness (I, authorised) is not such an absence.
    days = school_days(school, date(2025, 9, 8), date(2025, 9, 19))
    mark(ten, school, days[:5], "N")
    mark(ten, school, days[5:], "O")
    mark(nine, school, days[:9], "O")
    mark(ill, school, days[:5], "I")
    mark(ill, school, days[5:], "O")
    report = la_returns.continuous_absence_return(school=school, as_of=date(2025, 10, 10))
    assert [(r.pupil, r.first_day, r.last_day, r.school_days) for r in report] == [
        (ten, date(2025, 9, 8), date(2025, 9, 19), 10)
    ]


def test_the_la_returns_download_as_csv_with_the_same_rows(client, school, pupils_4a, office):
    pupil = pupils_4a[0]
    # Rule: the LA is told who, from when to when, and for how long.
    mark(pupil, school, school_days(school, date(2025, 9, 8), date(2025, 9, 26)), "I")
    client.force_login(office)
    with on(date(2025, 10, 1)):
        response = client.get(reverse("followup_la_illness_csv", args=[school.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["upn", "pupil name", "sessions of I", "first day", "last day", "expected"],
        [pupil.upn, f"Sam {pupil.legal_surname}", "30", "2025-09-08", "2025-09-26", "no"],
    ]


def test_a_name_a_spreadsheet_would_run_is_written_as_text_in_the_la_reports(
    client, school, pupils_4a, office
):
    # Issue #21 finding 2: "a pupil named =HYPERLINK(...) (through import_pupils or a CTF)
    # becomes a live formula in illness.csv and continuous.csv".
    pupil = pupils_4a[0]
    pupil.legal_forename = '=HYPERLINK("http://example.org/x","Sam")'
    pupil.save()
    mark(pupil, school, school_days(school, date(2025, 9, 8), date(2025, 9, 26)), "I")
    mark(pupil, school, school_days(school, date(2025, 9, 29), date(2025, 10, 10)), "O")
    client.force_login(office)
    with on(date(2025, 10, 10)):
        for name in ("followup_la_illness_csv", "followup_la_continuous_csv"):
            response = client.get(reverse(name, args=[school.pk]))
            [_header, row] = list(csv.reader(io.StringIO(response.content.decode())))
            assert row[1] == f'\'=HYPERLINK("http://example.org/x","Sam") {pupil.legal_surname}'


# Pages, counts and permissions --------------------------------------------------------------


def test_the_overview_shows_the_counts_and_links_to_the_lists(client, school, pupils_4a, head):
    ill, unexplained = pupils_4a[0], pupils_4a[1]
    # Luston and Shobdon 4.5: the head sees what is still open; N beyond 5 school days counted.
    mark(ill, school, school_days(school, date(2025, 9, 8), date(2025, 9, 26)), "I")
    mark(unexplained, school, [date(2025, 9, 8), date(2025, 9, 9)], "N", sessions=("AM",))
    client.force_login(head)
    with on(date(2025, 9, 26)):
        response = client.get(reverse("followup_overview", args=[school.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 N codes open more than five school days" in page
    assert "1 illness over five school days not yet asked about" in page
    assert "1 for illness of 15 days" in page
    for name in (
        "followup_continuing_absence",
        "followup_medical_evidence",
        "followup_overdue_n",
        "followup_la_illness",
        "followup_la_continuous",
        "followup_la_new_pupils",
        "followup_la_deletions",
    ):
        assert reverse(name, args=[school.pk]) in page


LIST_PAGES = [
    "followup_overview",
    "followup_continuing_absence",
    "followup_medical_evidence",
    "followup_overdue_n",
    "followup_la_illness",
    "followup_la_continuous",
    "followup_la_new_pupils",
    "followup_la_deletions",
    "followup_la_illness_csv",
    "followup_la_continuous_csv",
    "followup_la_new_pupils_csv",
    "followup_la_deletions_csv",
]


def _absent_in_every_way(school, pupils, office) -> None:
    """Each pupil: N on Fri 5 Sep AM, ill 8-26 Sep, then O 29 Sep - 10 Oct; half of them with
    medical evidence asked for."""
    for index, pupil in enumerate(pupils):
        mark(pupil, school, [date(2025, 9, 5)], "N", sessions=("AM",))
        mark(pupil, school, school_days(school, date(2025, 9, 8), date(2025, 9, 26)), "I")
        mark(pupil, school, school_days(school, date(2025, 9, 29), date(2025, 10, 10)), "O")
        if index % 2:
            MedicalEvidenceRequest.objects.create(
                school=school,
                pupil=pupil,
                first_day=date(2025, 9, 8),
                last_day=date(2025, 9, 26),
                requested_on=date(2025, 9, 29),
                requested_by=office,
            )


@pytest.mark.parametrize("name", LIST_PAGES)
def test_the_lists_take_as_many_queries_for_many_pupils_as_for_few(
    name, client, school, class_4a, office
):
    # House style: selectors compute in the database; no queries per pupil.
    client.force_login(office)
    url = reverse(name, args=[school.pk])
    _absent_in_every_way(school, enrol_in_group(class_4a, 2), office)
    with on(date(2025, 10, 10)):
        client.get(url)  # the session and the code catalogue, once
        with CaptureQueriesContext(connection) as few:
            first = client.get(url)
        pupils = enrol_in_group(class_4a, 10, surnames=[f"Many{i:02d}" for i in range(10)])
        _absent_in_every_way(school, pupils, office)
        with CaptureQueriesContext(connection) as many:
            second = client.get(url)
    assert first.status_code == second.status_code == 200
    # (Nobody left: the deletions return lists no one, however many pupils.)
    assert "Many09" in second.content.decode() or name in (
        "followup_overview",
        "followup_la_deletions",
        "followup_la_deletions_csv",
    )
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_every_list_shows_the_absence_of_twelve_pupils(client, school, class_4a, office):
    # Rule: everything the lists show is computed for the whole school at once.
    _absent_in_every_way(school, enrol_in_group(class_4a, 12), office)
    with on(date(2025, 10, 10)):
        summary_now = followup.followup_summary(school=school, today=date(2025, 10, 10))
    assert summary_now == followup.FollowUpSummary(
        continuing_absence=12,
        evidence_candidates=6,
        evidence_pending=6,
        overdue_n=12,
    )
    assert la_returns.returns_owed(school=school, as_of=date(2025, 10, 10)) == {
        "continuous_absence": 12,
        "illness": 12,
        "new_pupils": 12,
        "deletions": 0,
    }
    runs = followup.continuing_absence(school=school, today=date(2025, 10, 10))
    assert {(r.first_day, r.last_day, r.school_days) for r in runs} == {
        (date(2025, 9, 8), date(2025, 10, 10), 25)
    }


def _urls(school, request_id: int) -> list[tuple[str, str]]:
    urls = [("get", reverse(name, args=[school.pk])) for name in LIST_PAGES]
    urls += [
        ("get", reverse("followup_evidence_request", args=[school.pk, request_id])),
        ("post", reverse("followup_medical_evidence", args=[school.pk])),
        ("post", reverse("followup_evidence_outcome", args=[school.pk, request_id])),
        ("post", reverse("followup_evidence_not_accepted", args=[school.pk, request_id])),
    ]
    return urls


@pytest.mark.parametrize("who", ["teacher_4a", "head_elsewhere"])
def test_a_teacher_and_another_schools_head_are_refused_without_seeing_names(
    who, request, client, ill_for_six_days, school
):
    # Issue rule: follow-up is for the office, attendance lead and head of the pupil's school;
    # a refusal names nothing of the school's pupils. Issue #21: another school's is a 404.
    expected = 403 if who == "teacher_4a" else 404
    client.force_login(request.getfixturevalue(who))
    pupil = ill_for_six_days.pupil
    with on(date(2025, 9, 22)):
        for method, url in _urls(school, ill_for_six_days.pk):
            response = getattr(client, method)(
                url, {"pupil": pupil.pk, "outcome": "not_received", "parents_told_on": "2025-09-22"}
            )
            assert response.status_code == expected, url
            assert pupil.legal_surname not in response.content.decode()
    ill_for_six_days.refresh_from_db()
    assert ill_for_six_days.outcome == EvidenceOutcome.PENDING


def test_another_schools_request_is_not_found_at_this_school(
    client, ill_for_six_days, other_school, head_elsewhere
):
    # Issue rule: one school never reaches another's records, even by changing the id.
    client.force_login(head_elsewhere)
    url = reverse("followup_evidence_request", args=[other_school.pk, ill_for_six_days.pk])
    response = client.get(url)
    assert response.status_code == 404
    assert ill_for_six_days.pupil.legal_surname not in response.content.decode()
