"""The returns to the local authority and the admission register's deletions (issue 16, items
1-3), on a school built from YAML with terms from summer 2024 to spring 2027.

The School Attendance (Pupil Registration) (England) Regulations 2024: regulation 9 (the grounds
for deletion), regulation 13 (new-pupil and deletion returns, with their exceptions); "Working
together to improve school attendance": continuous absence of 10 school days with G, N, O or U,
and illness expected to reach 15 days.
"""

import io
import json
from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from absences.models import ReturnKind, ReturnSent
from absences.services.la_returns import expected_illness_record, la_return_record_sent
from core.errors import DomainError
from registers.models import Enrolment, School, SchoolDay
from registers.services.school_config import school_config_load
from tests.conftest import LONDON
from tests.factories import (
    EnrolmentFactory,
    MarkFactory,
    PupilFactory,
    make_upn,
)
from tests.test_penalty_decisions import _config

pytestmark = pytest.mark.django_db


@pytest.fixture
def school() -> School:
    school_config_load(data=_config())
    return School.objects.get(urn="999701")


def pupil(school, serial: int, *, born=date(2018, 5, 1), year_group="3", start=date(2024, 4, 15)):
    enrolment = EnrolmentFactory(
        pupil=PupilFactory(upn=make_upn(serial), date_of_birth=born, year_group=year_group),
        school=school,
        start_date=start,
    )
    return enrolment.pupil


def absent_on(pupil, school, first: date, last: date, code: str, sessions=("AM", "PM")) -> int:
    """`code` for each of the sessions on every school day from `first` to `last`."""
    days = SchoolDay.objects.filter(school=school, date__range=(first, last))
    for day in days:
        for session in sessions:
            MarkFactory(pupil=pupil, school=school, date=day.date, session=session, code_id=code)
    return days.count()


def returns(school, as_of: date) -> dict:
    out = io.StringIO()
    call_command(
        "la_returns", "--school", school.urn, "--as-of", as_of.isoformat(), "--json", stdout=out
    )
    return json.loads(out.getvalue())


# 1. Continuous absence --------------------------------------------------------------------------


def test_ten_school_days_of_o_across_the_summer_are_returned_and_ten_of_illness_are_not(school):
    # "Pupils ... absent for a continuous period of 10 school days" with G, N, O or U: the days
    # counted are school days, so the summer holiday neither counts nor breaks the run.
    across = pupil(school, 1)
    assert absent_on(across, school, date(2026, 7, 15), date(2026, 7, 21), "O") == 5
    assert absent_on(across, school, date(2026, 9, 2), date(2026, 9, 8), "O") == 5
    ill = pupil(school, 2)
    absent_on(ill, school, date(2026, 9, 2), date(2026, 9, 15), "I")
    nine = pupil(school, 3)
    absent_on(nine, school, date(2026, 9, 2), date(2026, 9, 14), "N")
    nursery = pupil(school, 4, born=date(2023, 5, 1), year_group="N2")
    absent_on(nursery, school, date(2026, 9, 2), date(2026, 9, 15), "O")

    found = returns(school, date(2026, 9, 8))
    assert set(found) == {"continuous_absence", "illness", "new_pupils", "deletions"}
    assert found["continuous_absence"] == [
        {
            "upn": across.upn,
            "first_day": "2026-07-15",
            "last_day": "2026-09-08",
            "school_days": 10,
        }
    ]
    assert [row["upn"] for row in returns(school, date(2026, 9, 15))["continuous_absence"]] == [
        across.upn
    ]


def test_a_session_present_breaks_the_run_and_only_the_latest_run_is_returned(school):
    back = pupil(school, 5)
    absent_on(back, school, date(2026, 9, 2), date(2026, 9, 15), "N")
    MarkFactory(pupil=back, school=school, date=date(2026, 9, 16), session="AM", code_id="/")
    absent_on(back, school, date(2026, 9, 16), date(2026, 9, 18), "O", sessions=("PM",))
    # The run of 20 ended; the latest run (3 afternoons, with mornings present) is short.
    MarkFactory(pupil=back, school=school, date=date(2026, 9, 17), session="AM", code_id="/")
    MarkFactory(pupil=back, school=school, date=date(2026, 9, 18), session="AM", code_id="/")
    assert returns(school, date(2026, 9, 18))["continuous_absence"] == []


# 2. Illness ---------------------------------------------------------------------------------------


def test_thirty_morning_sessions_of_illness_are_returned_with_their_sessions(school):
    # The return is for pupils recorded with I who will miss 15 days, consecutively or
    # cumulatively: 30 sessions, here 30 mornings.
    mornings = pupil(school, 6)
    assert (
        absent_on(mornings, school, date(2026, 9, 2), date(2026, 10, 13), "I", sessions=("AM",))
        == 30
    )
    short = pupil(school, 7)
    absent_on(short, school, date(2026, 9, 2), date(2026, 10, 12), "I", sessions=("AM",))
    assert returns(school, date(2026, 10, 14))["illness"] == [
        {
            "upn": mornings.upn,
            "sessions": 30,
            "first_day": "2026-09-02",
            "last_day": "2026-10-13",
            "expected": False,
        }
    ]


def test_an_illness_the_school_expects_to_reach_15_days_is_returned_before_it_does(school, office):
    # "... whom the school has reasonable grounds to believe will miss 15 days": the office
    # records a planned operation; the reason is kept.
    operation = pupil(school, 8)
    absent_on(operation, school, date(2026, 11, 2), date(2026, 11, 3), "I")
    with time_machine.travel(datetime(2026, 11, 4, 10, 0, tzinfo=LONDON), tick=False):
        record = expected_illness_record(
            school=school,
            pupil=operation,
            first_day=date(2026, 11, 2),
            expected_until=date(2026, 12, 18),
            reason="Hip operation and six weeks' recovery",
            by=office,
        )
    assert record.reason == "Hip operation and six weeks' recovery"
    assert returns(school, date(2026, 11, 4))["illness"] == [
        {
            "upn": operation.upn,
            "sessions": 4,
            "first_day": "2026-11-02",
            "last_day": "2026-12-18",
            "expected": True,
        }
    ]


# 3. New pupils and deletions --------------------------------------------------------------------


def test_new_pupil_returns_are_owed_except_for_the_most_junior_class_from_the_first_day(
    school, office
):
    # Regulation 13(2)-(3): no return for a pupil placed in the most junior class (here the
    # nursery, N1) whose starting day is the first day of the school year; every other new
    # pupil's is owed until sent.
    reception = pupil(school, 9, born=date(2023, 10, 1), year_group="N1", start=date(2026, 9, 2))
    year_3 = pupil(school, 10, start=date(2026, 9, 2))
    midyear = pupil(school, 11, born=date(2021, 12, 1), year_group="R", start=date(2026, 11, 2))
    with time_machine.travel(datetime(2026, 11, 4, 10, 0, tzinfo=LONDON), tick=False):
        owed = returns(school, date(2026, 11, 4))["new_pupils"]
        assert owed == sorted(
            [
                {"upn": year_3.upn, "start_date": "2026-09-02"},
                {"upn": midyear.upn, "start_date": "2026-11-02"},
            ],
            key=lambda row: row["upn"],
        )
        assert reception.upn not in {row["upn"] for row in owed}
        la_return_record_sent(
            school=school,
            pupil=midyear,
            kind=ReturnKind.NEW_PUPIL,
            period_start=date(2026, 11, 2),
            by=office,
        )
        # Recording it again (a double click) keeps one record.
        la_return_record_sent(
            school=school,
            pupil=midyear,
            kind=ReturnKind.NEW_PUPIL,
            period_start=date(2026, 11, 2),
            by=office,
        )
        assert ReturnSent.objects.count() == 1
        assert [row["upn"] for row in returns(school, date(2026, 11, 4))["new_pupils"]] == [
            year_3.upn
        ]
        with pytest.raises(DomainError, match="no new pupil return"):
            la_return_record_sent(
                school=school,
                pupil=reception,
                kind=ReturnKind.NEW_PUPIL,
                period_start=date(2026, 9, 2),
                by=office,
            )


def test_deletion_returns_carry_the_ground_and_flag_no_destination(school):
    # Regulation 13(4)-(5): a return when a name is deleted, with the ground; not for a pupil of
    # the most senior class deleted at the end of the school year's last term.
    moved = pupil(school, 12, start=date(2024, 4, 15))
    Enrolment.objects.filter(pupil=moved).update(
        leaving_date=date(2026, 11, 20), leaving_reason="9(1)(a)", destination="Luston Primary"
    )
    unknown = pupil(school, 13)
    Enrolment.objects.filter(pupil=unknown).update(
        leaving_date=date(2026, 11, 27), leaving_reason="9(1)(i)"
    )
    year_6 = pupil(school, 14, born=date(2014, 10, 1), year_group="6")
    Enrolment.objects.filter(pupil=year_6).update(
        leaving_date=date(2026, 7, 21), leaving_reason="9(1)(a)", destination="Kingstone High"
    )
    found = returns(school, date(2026, 12, 4))["deletions"]
    assert found == sorted(
        [
            {
                "upn": moved.upn,
                "leaving_date": "2026-11-20",
                "ground": "9(1)(a)",
                "destination": "Luston Primary",
            },
            {
                "upn": unknown.upn,
                "leaving_date": "2026-11-27",
                "ground": "9(1)(i)",
                "destination": "",
            },
        ],
        key=lambda row: row["upn"],
    )


def test_the_returns_page_marks_a_possible_child_missing_education_and_records_sent(
    client, school, office
):
    gone = pupil(school, 15)
    Enrolment.objects.filter(pupil=gone).update(
        leaving_date=date(2026, 11, 27), leaving_reason="9(1)(f)"
    )
    client.force_login(office)
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=LONDON), tick=False):
        url = reverse("followup_la_deletions", args=[school.pk])
        page = client.get(url).content.decode()
        assert "Possible child missing education" in page
        response = client.post(
            reverse("followup_la_deletions_sent", args=[school.pk]),
            {"pupil": gone.pk, "period_start": "2026-11-27"},
        )
        assert response.status_code == 302 and response["Location"] == url
        assert ReturnSent.objects.get().sent_by == office
        page = client.get(url).content.decode()
        assert f"Recorded as sent: {gone.name}." in page
        assert "Nothing to return." in page


@pytest.mark.parametrize(
    ("born", "ground", "refused"),
    [
        (date(2018, 5, 1), "9(3)", r"choose a ground of regulation 9\(1\)"),
        (date(2023, 5, 1), "9(1)(a)", r"the ground is regulation 9\(3\)"),
        (date(2018, 5, 1), "moved", "'moved' is not a ground of regulation 9"),
        (date(2018, 5, 1), "", "Give the ground"),
    ],
)
def test_a_deletion_needs_a_ground_of_regulation_9_for_the_pupils_age(
    school, born, ground, refused
):
    # Regulation 9: 9(1)(a)-(o) for a pupil of compulsory school age, 9(3) for any other.
    enrolment = Enrolment.objects.get(pupil=pupil(school, 16, born=born))
    enrolment.leaving_date, enrolment.leaving_reason = date(2026, 11, 20), ground
    with pytest.raises(ValidationError, match=refused):
        enrolment.full_clean()


def test_the_pupil_csv_takes_the_ground_and_refuses_an_unknown_one(school, tmp_path):
    header = "upn,surname,forename,date_of_birth,year_group,group,start_date,leaving_date"
    path = tmp_path / "pupils.csv"
    path.write_text(
        header + ",leaving_ground\n"
        f"{make_upn(17)},Leaver,Lee,2018-05-01,3,3A,2024-09-04,2026-11-20,9(1)(z)\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("import_pupils", "--school", school.urn, str(path), stderr=io.StringIO())
    assert not Enrolment.objects.exists()


def test_a_ctf_deleting_the_pupil_here_needs_a_ground(school, tmp_path):
    # This school's SchoolHistory line with a LeavingDate deletes the pupil here: its
    # LeavingReason must be a ground of regulation 9.
    from tests.test_import_ctf import SAMPLE

    school.la_code, school.estab = "884", "2001"
    school.save()
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "<EntryDate>2025-09-03</EntryDate>\n        </School>",
        "<EntryDate>2025-09-03</EntryDate>\n          <LeavingDate>2025-09-12</LeavingDate>"
        "\n          <LeavingReason>MT</LeavingReason>\n        </School>",
        1,
    )
    path = tmp_path / "leaving.xml"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with (
        time_machine.travel(datetime(2025, 9, 19, 17, 0, tzinfo=LONDON), tick=False),
        pytest.raises(CommandError),
    ):
        call_command("import_ctf", "--school", school.urn, str(path), stderr=err)
    assert "'MT' is not a ground of regulation 9" in err.getvalue()
    assert not Enrolment.objects.exists()


def test_a_bad_as_of_date_and_an_unknown_urn_are_refused(school):
    with pytest.raises(CommandError, match="--as-of must be a date"):
        call_command("la_returns", "--school", school.urn, "--as-of", "4/12/2026")
    with pytest.raises(CommandError, match="No school has URN"):
        call_command("la_returns", "--school", "000000")


def test_the_office_records_a_leaver_on_a_ground_and_the_deletion_return_is_owed(
    client, school, office
):
    # Regulation 9: deleted only on one of its grounds, with the day and the destination where
    # known; the class membership ends with it, and a mark after the day is refused.
    leaver = pupil(school, 18)
    client.force_login(office)
    url = reverse("pupil_leaving", args=[school.pk, leaver.pk])
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=LONDON), tick=False):
        MarkFactory(pupil=leaver, school=school, date=date(2026, 12, 3), session="AM")
        refused = client.post(
            url, {"leaving_date": "2026-12-02", "ground": "9(1)(a)", "destination": ""}
        )
        assert refused.status_code == 400
        assert "1 mark(s) are already recorded after Wed 2 Dec 2026" in refused.content.decode()
        wrong_ground = client.post(url, {"leaving_date": "2026-12-03", "ground": "9(3)"})
        assert wrong_ground.status_code == 400
        assert Enrolment.objects.get(pupil=leaver).leaving_date is None
        done = client.post(
            url, {"leaving_date": "2026-12-03", "ground": "9(1)(f)", "destination": ""}
        )
        assert done.status_code == 302
        page = client.get(done["Location"]).content.decode()
        assert "a possible child missing education" in page
        enrolment = Enrolment.objects.get(pupil=leaver)
        assert (enrolment.leaving_date, enrolment.leaving_reason) == (date(2026, 12, 3), "9(1)(f)")
        assert returns(school, date(2026, 12, 4))["deletions"] == [
            {
                "upn": leaver.upn,
                "leaving_date": "2026-12-03",
                "ground": "9(1)(f)",
                "destination": "",
            }
        ]
