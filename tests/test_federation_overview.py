"""The federation overview: every school side by side for a period, with its CSV."""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from registers.models import Role, SchoolDay
from registers.services.calendar import school_calendar_rebuild
from reports.selectors.dashboards import NO_SESSIONS_NOTE, SUPPRESSED_NOTE
from tests.factories import (
    EnrolmentFactory,
    MarkFactory,
    PupilFactory,
    SchoolFactory,
    SessionTimesFactory,
    TermFactory,
    staff_member,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
FIRST_WEEK = date(2025, 9, 8)


@pytest.fixture(autouse=True)
def _today():
    # Wednesday 1 October 2025, in the autumn term.
    with time_machine.travel(datetime(2025, 10, 1, 10, 0, tzinfo=LONDON), tick=False):
        yield


def _school_with_pupils(federation, name: str, absences: list[int]):
    """A school of the federation with one pupil per entry, each marked for 10 sessions of
    which that many are `I` (authorised)."""
    school = SchoolFactory(federation=federation, name=name)
    SessionTimesFactory(school=school)
    TermFactory(school=school)
    school_calendar_rebuild(school=school)
    days = SchoolDay.objects.filter(school=school, date__gte=FIRST_WEEK).order_by("date")[:5]
    sessions = [(day.date, session) for day in days for session in ("AM", "PM")]
    for serial, absent in enumerate(absences):
        pupil = PupilFactory(legal_surname=f"Overviewpupil{name[:3]}{serial}")
        EnrolmentFactory(pupil=pupil, school=school, start_date=date(2025, 9, 1))
        for index, (day, session) in enumerate(sessions):
            code = "I" if index < absent else ("/" if session == "AM" else "\\")
            MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id=code)
    return school


@pytest.fixture
def schools(school):
    """Test Primary (5 pupils, one absent for 2 of 10 sessions), Sister Primary (6 pupils, all
    present) and Tiny Primary (3 pupils): one federation."""
    federation = school.federation
    for serial, absent in enumerate([2, 0, 0, 0, 0]):
        pupil = PupilFactory(legal_surname=f"Testprimarypupil{serial}")
        EnrolmentFactory(pupil=pupil, school=school, start_date=date(2025, 9, 1))
        days = SchoolDay.objects.filter(school=school, date__gte=FIRST_WEEK).order_by("date")[:5]
        for index, (day, session) in enumerate(
            (day.date, session) for day in days for session in ("AM", "PM")
        ):
            code = "I" if index < absent else ("/" if session == "AM" else "\\")
            MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id=code)
    sister = _school_with_pupils(federation, "Sister Primary", [0] * 6)
    tiny = _school_with_pupils(federation, "Tiny Primary", [0, 0, 5])
    return school, sister, tiny


def _url(school) -> str:
    return reverse("federation_overview", args=[school.federation_id])


def test_every_school_is_shown_side_by_side_with_the_federation_and_national_figures(
    client, schools
):
    # Issue #6: "Federation: every school side by side for a chosen period."
    school, sister, tiny = schools
    client.force_login(staff_member(sister, Role.FEDERATION_ADMIN, "fedadmin"))
    response = client.get(_url(school))

    assert response.status_code == 200
    overview = response.context["overview"]
    assert (overview.start, overview.end) == (date(2025, 9, 3), date(2025, 10, 1))
    rows = {row.label: row for _school, row in overview.schools}
    assert list(rows) == ["Sister Primary", "Test Primary", "Tiny Primary"]
    assert (rows["Test Primary"].pupils, rows["Test Primary"].attendance) == (5, Decimal("96.0"))
    assert rows["Test Primary"].authorised == Decimal("4.0")
    assert rows["Test Primary"].persistent == Decimal("20.0")  # 1 of 5 missed 20 %
    assert rows["Sister Primary"].attendance == Decimal("100.0")
    assert rows["Tiny Primary"].suppressed and rows["Tiny Primary"].attendance is None
    # The federation: 14 pupils, 140 sessions, 7 missed (2 + 5), 2 persistently absent.
    total = overview.total
    assert (total.pupils, total.attendance, total.persistent) == (
        14,
        Decimal("95.0"),
        Decimal("14.3"),
    )
    assert overview.benchmark.attendance == Decimal("94.5")
    page = response.content.decode()
    assert SUPPRESSED_NOTE in page and "<svg" in page and "Overviewpupil" not in page


def test_the_period_can_be_chosen(client, schools):
    school, sister, _tiny = schools
    client.force_login(staff_member(sister, Role.FEDERATION_ADMIN, "fedadmin"))
    # Only Test Primary's pupil was absent, on the first two sessions (Monday 8 September).
    response = client.get(_url(school), {"from": "2025-09-09", "to": "2025-09-12"})
    rows = {row.label: row for _school, row in response.context["overview"].schools}
    assert rows["Test Primary"].attendance == Decimal("100.0")
    assert response.context["overview"].start == date(2025, 9, 9)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"from": "2025-09-31", "to": "2025-10-01"}, "Give the first day as a date (YYYY-MM-DD"),
        ({"from": "2025-09-01", "to": ""}, "Give the last day as a date (YYYY-MM-DD"),
        ({"from": "2025-10-01", "to": "2025-09-01"}, "The last day is before the first day."),
        ({"from": "2024-09-01", "to": "2025-10-01"}, "Choose a period of at most a year"),
    ],
)
def test_a_period_that_cannot_be_used_is_refused_with_the_reason(client, schools, given, problem):
    school, sister, _tiny = schools
    client.force_login(staff_member(sister, Role.FEDERATION_ADMIN, "fedadmin"))
    response = client.get(_url(school), given)
    assert response.status_code == 400 and problem in response.content.decode()
    csv_response = client.get(
        reverse("federation_overview_csv", args=[school.federation_id]), given
    )
    assert csv_response.status_code == 400 and problem in csv_response.content.decode()


def test_the_overview_downloads_as_csv_with_small_schools_suppressed(client, schools):
    # Issue #6: "CSV for every table on these pages".
    school, sister, _tiny = schools
    client.force_login(staff_member(sister, Role.FEDERATION_ADMIN, "fedadmin"))
    response = client.get(reverse("federation_overview_csv", args=[school.federation_id]))

    assert response["Content-Type"].startswith("text/csv")
    assert (
        'filename="federation-overview-2025-09-03-2025-10-01.csv"'
        in response["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["URN", "school", "pupils", "attendance %"]
    assert rows[0][-1] == "pupils counted"
    # Issue #16: the national comparison first, then every pupil on roll, each line saying which.
    national = "pupils aged 5 to 15 on 31 August before the school year"
    by_name = {(row[1], row[-1]): row[:-1] for row in rows[1:]}
    assert by_name["Test Primary", national][2:4] == ["5", "96.0"]
    assert by_name["Tiny Primary", national][2:] == [SUPPRESSED_NOTE] * 6
    assert by_name[f"{school.federation.name} (all schools)", national][2:4] == ["14", "95.0"]
    assert by_name["National (2023/24)", national][3] == "94.5"
    assert by_name["Test Primary", "every pupil on roll"][2:4] == ["5", "96.0"]
    assert len(rows) == 1 + 3 + 2 + 3 + 1


def test_the_overview_makes_the_same_few_queries_however_many_schools(
    client, schools, django_assert_max_num_queries
):
    # House style: constant query counts per page (one statement for every school's figures;
    # 11 with the navigation bar's counts and the term totals' terms).
    school, sister, _tiny = schools
    client.force_login(staff_member(sister, Role.FEDERATION_ADMIN, "fedadmin"))
    with django_assert_max_num_queries(11):
        client.get(_url(school))
    for number in range(3):
        _school_with_pupils(school.federation, f"Another Primary {number}", [0] * 5)
    with django_assert_max_num_queries(11):
        response = client.get(_url(school))
    assert len(response.context["overview"].schools) == 6


@pytest.mark.parametrize("role", [Role.FEDERATION_ADMIN, Role.HEAD, Role.GOVERNOR])
def test_the_admin_and_the_schools_leaders_and_governors_see_their_federation(
    client, schools, role
):
    # HMFA: governing bodies benchmark "to comparator schools within the trust".
    school, _sister, _tiny = schools
    client.force_login(staff_member(school, role, f"user-{role}"))
    assert client.get(_url(school)).status_code == 200


@pytest.mark.parametrize("role", [Role.TEACHER, Role.OFFICE])
def test_teachers_and_the_office_do_not_see_the_overview(client, schools, role):
    school, _sister, _tiny = schools
    client.force_login(staff_member(school, role, f"user-{role}"))
    assert client.get(_url(school)).status_code == 403


def test_nobody_sees_another_federations_overview(client, schools, other_school):
    school, _sister, _tiny = schools
    for role in (Role.FEDERATION_ADMIN, Role.HEAD, Role.GOVERNOR):
        client.force_login(staff_member(other_school, role, f"elsewhere-{role}"))
        # Issue #21: another federation's overview is not found, as one that does not exist.
        response = client.get(_url(school))
        assert response.status_code == 404 and "Test Primary" not in response.content.decode()
        csv_url = reverse("federation_overview_csv", args=[school.federation_id])
        assert client.get(csv_url).status_code == 404
    assert client.get(reverse("federation_overview", args=[999999])).status_code == 404


def test_a_head_is_linked_to_their_own_schools_dashboard_only(client, schools):
    school, sister, _tiny = schools
    client.force_login(staff_member(school, Role.HEAD, "head"))
    page = client.get(_url(school)).content.decode()
    assert reverse("governors_dashboard", args=[school.pk]) in page
    assert reverse("governors_dashboard", args=[sister.pk]) not in page
    client.force_login(staff_member(sister, Role.FEDERATION_ADMIN, "fedadmin"))
    page = client.get(_url(school)).content.decode()
    assert reverse("governors_dashboard", args=[sister.pk]) in page


def test_a_school_name_with_dollar_signs_does_not_break_the_overview(client, schools):
    # Issue #21 finding 6: "A school name containing $...$ breaks the federation overview for
    # the whole federation: matplotlib reads it as mathematics."
    school, sister, _tiny = schools
    sister.name = "St Mary's $\\notamacro$ Primary"
    sister.save()
    client.force_login(staff_member(school, Role.HEAD, "head"))

    response = client.get(_url(school))

    assert response.status_code == 200
    assert "St Mary&#x27;s $\\notamacro$ Primary" in response.content.decode()


def test_a_school_with_no_sessions_recorded_says_so_rather_than_fewer_than_5_pupils(
    client, schools
):
    # Issue #17: "Every figure distinguishes 'no sessions recorded' from 'fewer than 5 pupils'".
    school, sister, _tiny = schools
    empty = SchoolFactory(federation=school.federation, name="Unmarked Primary")
    SessionTimesFactory(school=empty)
    TermFactory(school=empty)
    school_calendar_rebuild(school=empty)
    client.force_login(staff_member(sister, Role.FEDERATION_ADMIN, "fedadmin"))

    response = client.get(_url(school))
    rows = {row.label: row for _school, row in response.context["overview"].schools}
    # Without the last column, which says which pupils a line counts (both agree here).
    csv_rows = {
        row[1]: row[:-1]
        for row in csv.reader(
            io.StringIO(
                client.get(
                    reverse("federation_overview_csv", args=[school.federation_id])
                ).content.decode()
            )
        )
    }

    unmarked, tiny = rows["Unmarked Primary"], rows["Tiny Primary"]
    assert (unmarked.no_sessions, unmarked.suppressed, unmarked.withheld) == (
        True,
        False,
        NO_SESSIONS_NOTE,
    )
    assert (tiny.no_sessions, tiny.suppressed, tiny.withheld) == (False, True, SUPPRESSED_NOTE)
    page = response.content.decode()
    unmarked_row = re.search(r"Unmarked Primary(?:</a>)?</th>(.*?)</tr>", page, re.S).group(1)
    assert NO_SESSIONS_NOTE in unmarked_row and SUPPRESSED_NOTE not in unmarked_row
    assert csv_rows["Unmarked Primary"][2:] == [NO_SESSIONS_NOTE] * 6
    assert csv_rows["Tiny Primary"][2:] == [SUPPRESSED_NOTE] * 6
