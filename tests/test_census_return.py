"""The school census's attendance return as XML (reports/census_return.py): issue #20, "For a
term (and the summer second half-term, and the year), per pupil of the census's population, the
census's attendance items with its element names, as XML, beside the CSV"."""

from datetime import date
from xml.etree.ElementTree import fromstring

import pytest
from django.urls import reverse

from registers.lib.calendar import easter_sunday, spring_bank_holiday
from registers.models import AccessLog, Term
from registers.services.calendar import school_calendar_rebuild
from reports.census_return import census_periods
from tests.factories import (
    EnrolmentFactory,
    MarkFactory,
    PupilFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2025_26(school) -> dict[str, Term]:
    """Test Primary's whole school year: the spring term runs past Easter Sunday (5 April)."""
    terms = {
        "autumn": Term.objects.get(school=school),
        "spring": TermFactory(
            school=school,
            name="Spring 2026",
            start=date(2026, 1, 5),
            end=date(2026, 4, 10),
            half_term_start=date(2026, 2, 16),
            half_term_end=date(2026, 2, 20),
        ),
        "summer": TermFactory(
            school=school,
            name="Summer 2026",
            start=date(2026, 4, 20),
            end=date(2026, 7, 17),
            half_term_start=date(2026, 5, 25),
            half_term_end=date(2026, 5, 29),
        ),
    }
    school_calendar_rebuild(school=school)
    return terms


def _pupil(school, marks: dict[date, tuple[str, str]], **fields):
    pupil = PupilFactory(**fields)
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2025, 9, 1))
    for day, codes in marks.items():
        for session, code in zip(("AM", "PM"), codes, strict=True):
            MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id=code)
    return pupil


def _return(client, user, school, term):
    client.force_login(user)
    return client.get(reverse("report_census_xml", args=[school.pk]), {"term": term.pk})


def _block(element) -> dict:
    """An attendance period as the census carries it."""
    return {
        "possible": element.findtext("SessionsPossible"),
        "reasons": [
            (detail.findtext("AttendanceReason"), detail.findtext("AbsenceSessions"))
            for detail in element.findall("SessionDetails/SessionDetail")
        ],
        "authorised": element.findtext("SessionsAuthorised"),
        "unauthorised": element.findtext("SessionsUnauthorised"),
        "order": [child.tag for child in element],
    }


def test_the_autumn_term_is_the_spring_census_termly_attendance_by_reason(
    client, school, attendance_lead
):
    # The census: per pupil, SessionsPossible, each absence reason's AbsenceSessions, then
    # SessionsAuthorised and SessionsUnauthorised (CBDS 100228, 100481, 100233, 100230, 100231).
    autumn = Term.objects.get(school=school)
    pupil = _pupil(
        school,
        {
            date(2025, 9, 8): ("/", "\\"),
            date(2025, 9, 9): ("I", "I"),
            date(2025, 9, 10): ("N", "C2"),
            date(2025, 9, 11): ("X", "Y1"),
        },
        sex="F",
    )

    response = _return(client, attendance_lead, school, autumn)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="census-{school.urn}-autumn-2025.xml"'
    )
    root = fromstring(response.content)
    assert root.tag == "SchoolCensusAttendance"
    assert [root.findtext(f"Header/{tag}") for tag in ("Census", "Year", "LEA", "URN")] == [
        "SPR",
        "2026",
        "884",
        school.urn,
    ]
    assert [
        root.findtext(f"Header/Periods/TermlyAttendance/{tag}") for tag in ("StartDate", "EndDate")
    ] == ["2025-08-01", "2025-12-31"]
    [entry] = root.findall("Pupils/Pupil")
    assert [child.text for child in entry.find("PupilIdentifiers")] == [
        pupil.upn,
        pupil.legal_surname,
        pupil.legal_forename,
        "2017-05-01",
        "F",
    ]
    assert [child.tag for child in entry.find("Attendance")] == ["TermlyAttendance"]
    assert _block(entry.find("Attendance/TermlyAttendance")) == {
        "possible": "6",  # X and Y1 are not possible sessions
        "reasons": [("C2", "1"), ("I", "2"), ("N", "1")],  # absence reasons only
        "authorised": "3",
        "unauthorised": "1",
        "order": [
            "SessionsPossible",
            "SessionDetails",
            "SessionsAuthorised",
            "SessionsUnauthorised",
        ],
    }
    assert AccessLog.objects.filter(
        user=attendance_lead, what=f"census XML, term {autumn.pk}"
    ).exists()


def test_the_summer_term_has_its_two_halves_and_the_whole_year(
    client, school, attendance_lead, year_2025_26
):
    # The autumn census collects the summer term's halves separately, split at the spring bank
    # holiday (25 May 2026), and the year (explore-education-statistics absence methodology).
    _pupil(
        school,
        {
            date(2025, 9, 8): ("G", "G"),
            date(2026, 3, 2): ("/", "\\"),
            date(2026, 5, 18): ("M", "\\"),
            date(2026, 6, 1): ("O", "\\"),
            date(2026, 7, 17): ("/", "\\"),
        },
    )

    root = fromstring(_return(client, attendance_lead, school, year_2025_26["summer"]).content)

    assert (root.findtext("Header/Census"), root.findtext("Header/Year")) == ("AUT", "2026")
    assert [
        (period.tag, period.findtext("StartDate"), period.findtext("EndDate"))
        for period in root.find("Header/Periods")
    ] == [
        ("TermlyAttendance", "2026-04-06", "2026-05-24"),
        ("SummerHalfTerm2Attendance", "2026-05-25", "2026-07-31"),
        ("AnnualAttendance", "2025-08-01", "2026-07-31"),
    ]
    attendance = root.find("Pupils/Pupil/Attendance")
    assert [
        (child.tag, _block(child)["possible"], _block(child)["reasons"]) for child in attendance
    ] == [
        ("TermlyAttendance", "2", [("M", "1")]),
        ("SummerHalfTerm2Attendance", "4", [("O", "1")]),
        ("AnnualAttendance", "10", [("M", "1"), ("G", "2"), ("O", "1")]),
    ]


def test_the_spring_census_period_ends_on_easter_sunday_not_with_the_schools_term(
    client, school, attendance_lead, year_2025_26
):
    # The summer census: "spring term absence - From 1st January to Easter Sunday"; the days
    # of the school's spring term after Easter belong to the summer term's census period.
    _pupil(school, {date(2026, 3, 30): ("I", "I"), date(2026, 4, 7): ("N", "N")})

    root = fromstring(_return(client, attendance_lead, school, year_2025_26["spring"]).content)

    assert (root.findtext("Header/Census"), root.findtext("Header/Year")) == ("SUM", "2026")
    assert root.findtext("Header/Periods/TermlyAttendance/EndDate") == "2026-04-05"
    assert _block(root.find("Pupils/Pupil/Attendance/TermlyAttendance"))["reasons"] == [("I", "2")]


@pytest.mark.parametrize(
    ("born", "in_return"),
    [
        (date(2022, 8, 31), False),  # 3 on 31 August 2025: nursery, no attendance in the census
        (date(2021, 8, 31), True),  # 4: reception
        (date(2010, 9, 1), True),  # 15
        (date(2009, 8, 31), False),  # 16
    ],
)
def test_the_return_carries_pupils_aged_4_to_15_on_31_august(
    client, school, attendance_lead, born, in_return
):
    # A census return has no attendance for pupils under 4 or over 15 (a MIS's census export,
    # EvgeniiTrofimov/aspenProject SchoolCensus, validation 2470).
    _pupil(school, {date(2025, 9, 8): ("/", "\\")}, date_of_birth=born)
    root = fromstring(
        _return(client, attendance_lead, school, Term.objects.get(school=school)).content
    )
    assert len(root.findall("Pupils/Pupil")) == (1 if in_return else 0)


def test_a_pupil_with_no_possible_session_is_left_out(client, school, attendance_lead):
    _pupil(school, {date(2025, 9, 8): ("X", "X")})
    root = fromstring(
        _return(client, attendance_lead, school, Term.objects.get(school=school)).content
    )
    assert root.findall("Pupils/Pupil") == []


def test_the_return_is_for_the_whole_school_staff_only(
    client, school, other_school, teacher_4a, office, head_elsewhere
):
    autumn = Term.objects.get(school=school)
    assert _return(client, office, school, autumn).status_code == 200
    assert _return(client, teacher_4a, school, autumn).status_code == 403
    # Issue 21: another school's objects are not found, as in the API.
    assert _return(client, head_elsewhere, school, autumn).status_code == 404
    other_term = Term.objects.get(school=other_school)
    assert _return(client, office, school, other_term).status_code == 404


@pytest.mark.parametrize(
    ("start", "end", "census"),
    [
        (date(2025, 9, 3), date(2025, 12, 19), "SPR"),
        (date(2026, 1, 5), date(2026, 3, 27), "SUM"),
        (date(2026, 4, 13), date(2026, 7, 22), "AUT"),
    ],
)
def test_each_school_term_is_the_census_term_its_middle_falls_in(school, start, end, census):
    term = Term(school=school, name="A term", start=start, end=end)
    assert census_periods(term=term).census == census


@pytest.mark.parametrize(
    ("year", "easter", "bank_holiday"),
    [
        (2024, date(2024, 3, 31), date(2024, 5, 27)),
        (2025, date(2025, 4, 20), date(2025, 5, 26)),
        (2026, date(2026, 4, 5), date(2026, 5, 25)),
        (2027, date(2027, 3, 28), date(2027, 5, 31)),
        (2038, date(2038, 4, 25), date(2038, 5, 31)),
    ],
)
def test_easter_sunday_and_the_spring_bank_holiday_fall_where_the_calendar_has_them(
    year, easter, bank_holiday
):
    # The census's spring term ends on Easter Sunday; its summer term splits at the last
    # Monday of May.
    assert (easter_sunday(year), spring_bank_holiday(year)) == (easter, bank_holiday)
