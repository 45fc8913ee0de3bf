"""The governors' termly dashboard, its PDF report and CSVs: aggregates only, small cohorts
suppressed, and no way for a governor to reach a pupil."""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from registers.models import Role, SchoolDay
from registers.services.calendar import school_calendar_rebuild
from reports.selectors.dashboards import NO_SESSIONS_NOTE, SUPPRESSED_NOTE
from tests.factories import (
    EnrolmentFactory,
    FederationFactory,
    GroupMembershipFactory,
    MarkFactory,
    MembershipFactory,
    PupilContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    TermFactory,
    staff_member,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Wednesday 1 October 2025: the autumn term is in progress.
TODAY = datetime(2025, 10, 1, 10, 0, tzinfo=LONDON)
WEEK_1 = date(2025, 9, 8)  # Monday of the autumn term's second school week
SUMMER_DAY = date(2025, 7, 7)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def summer_term(school):
    term = TermFactory(
        school=school,
        name="Summer 2025",
        start=date(2025, 4, 22),
        end=date(2025, 7, 22),
        half_term_start=date(2025, 5, 26),
        half_term_end=date(2025, 5, 30),
    )
    school_calendar_rebuild(school=school)
    return term


def _sessions(school, first: date, count: int) -> list[tuple[date, str]]:
    days = SchoolDay.objects.filter(school=school, date__gte=first).order_by("date")
    return [(day.date, session) for day in days for session in ("AM", "PM")][:count]


def _pupil(school, group, serial: int, codes: list[str], **cohort) -> object:
    pupil = PupilFactory(
        legal_forename="Zebedee",
        legal_surname=f"Quartermaine{serial:02d}",
        preferred_forename=f"Zed{serial:02d}",
        **cohort,
    )
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2024, 9, 1))
    GroupMembershipFactory(group=group, pupil=pupil, start_date=date(2024, 9, 1))
    PupilContactFactory(pupil=pupil)
    for (day, session), code in zip(_sessions(school, WEEK_1, len(codes)), codes, strict=True):
        if code == "/" and session == "PM":
            code = "\\"
        MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id=code)
    for session, code in (("AM", "/"), ("PM", "\\")):
        MarkFactory(pupil=pupil, school=school, date=SUMMER_DAY, session=session, code_id=code)
    return pupil


@pytest.fixture
def pupils(school, summer_term):
    """Nine named pupils with ten autumn sessions each (and a full day in the summer): five with
    free school meals, four with an EHC plan. One FSM pupil missed 3 sessions (2 I, 1 O)."""
    group = RegistrationGroupFactory(school=school, name="4A")
    present = ["/"] * 10
    made = [_pupil(school, group, 0, ["I", "I", "O", *present[3:]], fsm=True)]
    made += [_pupil(school, group, n, present, fsm=True) for n in range(1, 5)]
    made += [_pupil(school, group, n, present, ehc_plan=True, year_group="5") for n in range(5, 9)]
    return made


def _identifiers(pupils) -> list[str]:
    return [
        text
        for pupil in pupils
        for text in (pupil.upn, pupil.legal_surname, pupil.preferred_forename)
    ] + ["Zebedee"]


def _assert_no_pupil_in(text: str, pupils) -> None:
    found = [each for each in _identifiers(pupils) if each in text]
    assert not found, f"pupil identifiers on an aggregate-only page: {found}"


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_dashboard_compares_this_term_with_the_previous_and_the_national_figures(
    client, school, pupils, governor, summer_term
):
    # Issue #6: attendance, authorised, unauthorised, persistent and severe rates this term vs
    # previous terms and vs the national benchmark stored on the federation.
    client.force_login(governor)
    response = client.get(reverse("governors_dashboard", args=[school.pk]))

    assert response.status_code == 200
    autumn, summer, national = response.context["dashboard"].rates
    assert autumn.label == "Autumn 2025" and autumn.note == "to 01 Oct 2025"
    assert (autumn.pupils, autumn.attendance, autumn.authorised, autumn.unauthorised) == (
        9,
        Decimal("96.7"),
        Decimal("2.2"),
        Decimal("1.1"),
    )
    assert (autumn.persistent, autumn.severe) == (Decimal("11.1"), Decimal("0.0"))
    assert (summer.label, summer.attendance, summer.persistent) == (
        "Summer 2025",
        Decimal("100.0"),
        Decimal("0.0"),
    )
    assert national.label == "National (2023/24)"
    assert (national.attendance, national.unauthorised) == (Decimal("94.5"), Decimal("1.6"))
    page = response.content.decode()
    assert "96.7%" in page and "94.5%" in page and "<svg" in page


def test_a_cohort_of_4_pupils_is_suppressed_while_a_cohort_of_5_is_shown(
    client, school, pupils, governor
):
    # Issue #6: "any cohort cell with fewer than 5 pupils suppressed".
    client.force_login(governor)
    response = client.get(reverse("governors_dashboard", args=[school.pk]))

    cohorts = {row.label: row for row in response.context["dashboard"].cohorts}
    fsm, ehc = cohorts["FSM / pupil premium"], cohorts["EHC plan"]
    assert (fsm.suppressed, fsm.pupils, fsm.attendance) == (False, 5, Decimal("94.0"))
    assert fsm.gap == Decimal("-2.7")  # 94.0 against all pupils' 96.7
    assert ehc.suppressed and ehc.pupils is None and ehc.attendance is None and ehc.gap is None
    row = re.search(r"<th scope=\"row\">EHC plan</th>(.*?)</tr>", response.content.decode(), re.S)
    assert SUPPRESSED_NOTE in row.group(1) and "%" not in row.group(1)
    years = {row.label: row for row in response.context["dashboard"].year_groups}
    assert years["Year 4"].pupils == 5 and years["Year 5"].suppressed

    rows = _csv(client.get(reverse("governors_csv", args=[school.pk, "cohorts"])))
    by_cohort = {line[0]: line for line in rows[1:]}
    assert by_cohort["EHC plan"][1:] == [SUPPRESSED_NOTE] * 7
    assert by_cohort["FSM / pupil premium"][1:3] == ["5", "94.0"]


def test_no_pupil_name_or_upn_appears_on_the_page_or_in_any_csv(client, school, pupils, governor):
    # Issue #6: "a termly dashboard of aggregates only (no pupil names or UPNs anywhere on it)".
    client.force_login(governor)
    page = client.get(reverse("governors_dashboard", args=[school.pk]))
    _assert_no_pupil_in(page.content.decode(), pupils)
    for table in ("rates", "cohorts", "year-groups", "weeks"):
        response = client.get(reverse("governors_csv", args=[school.pk, table]))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        _assert_no_pupil_in(response.content.decode(), pupils)
        assert len(_csv(response)) > 1


@pytest.mark.pdf
def test_the_pdf_report_has_the_figures_and_no_pupil_name_or_upn(client, school, pupils, governor):
    # Issue #6: "The same dashboard downloads as a PDF termly report for the governing body's
    # meeting", with no pupil names or UPNs and small cohorts suppressed.
    from pypdf import PdfReader

    client.force_login(governor)
    response = client.get(reverse("governors_report", args=[school.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    _assert_no_pupil_in(text, pupils)
    assert "Attendance report to governors: Test Primary" in text
    assert "96.7%" in text and "94.5%" in text
    assert SUPPRESSED_NOTE in text and "FSM / pupil premium 5 94.0%" in text
    assert "School week of the term" in text  # the trend chart's axis, drawn in the PDF


def test_another_term_of_the_school_can_be_chosen_but_not_another_schools(
    client, school, other_school, pupils, governor, summer_term
):
    client.force_login(governor)
    url = reverse("governors_dashboard", args=[school.pk])

    summer = client.get(url, {"term": summer_term.pk})
    assert summer.context["dashboard"].term == summer_term
    assert summer.context["dashboard"].rates[0].attendance == Decimal("100.0")
    elsewhere = other_school.terms.get()
    assert client.get(url, {"term": elsewhere.pk}).status_code == 404
    # Issue #21: what is not an id at all is a 400 (tests/test_odd_input.py).
    assert client.get(url, {"term": "autumn"}).status_code == 400


def test_the_trend_has_each_school_week_of_this_term_and_the_previous(
    client, school, pupils, governor
):
    client.force_login(governor)
    dashboard = client.get(reverse("governors_dashboard", args=[school.pk])).context["dashboard"]

    assert [(week.number, week.week_start) for week in dashboard.weeks] == [(1, date(2025, 9, 8))]
    assert dashboard.weeks[0].attendance == Decimal("96.7")
    assert [week.week_start for week in dashboard.previous_weeks] == [date(2025, 7, 7)]
    rows = _csv(client.get(reverse("governors_csv", args=[school.pk, "weeks"])))
    assert rows[1:] == [
        ["Summer 2025", "1", "2025-07-07", "100.0"],
        ["Autumn 2025", "1", "2025-09-08", "96.7"],
    ]


def test_the_dashboard_makes_the_same_few_queries_however_many_pupils(
    client, school, pupils, governor, django_assert_max_num_queries
):
    # House style: constant query counts per page. At most: session and user, school and
    # role, terms, the code catalogue (once per process), four terms, weeks, cohorts, years.
    client.force_login(governor)
    url = reverse("governors_dashboard", args=[school.pk])
    with django_assert_max_num_queries(13):
        client.get(url)
    group = RegistrationGroupFactory(school=school, name="5B")
    for serial in range(10, 30):
        _pupil(school, group, serial, ["/"] * 10, sen_support=True)
    with django_assert_max_num_queries(13):
        response = client.get(url)
    assert response.context["dashboard"].rates[0].pupils == 29


@pytest.mark.parametrize("role", [Role.GOVERNOR, Role.HEAD, Role.ATTENDANCE_LEAD])
def test_governors_the_head_and_the_attendance_lead_see_the_dashboard(client, school, pupils, role):
    # Policies: governors monitor attendance "on at least a termly basis"; the head monitors
    # "school-level absence data and reporting it to governors".
    client.force_login(staff_member(school, role, f"user-{role}"))
    assert client.get(reverse("governors_dashboard", args=[school.pk])).status_code == 200


@pytest.mark.parametrize("role", [Role.TEACHER, Role.OFFICE])
def test_teachers_and_the_office_do_not_see_the_dashboard(client, school, role):
    client.force_login(staff_member(school, role, f"user-{role}"))
    assert client.get(reverse("governors_dashboard", args=[school.pk])).status_code == 403


def test_the_federation_admin_sees_every_school_of_the_federation_and_no_other(
    client, school, other_school
):
    sister = SchoolFactory(federation=school.federation, name="Sister Primary")
    admin = staff_member(sister, Role.FEDERATION_ADMIN, "fedadmin")
    client.force_login(admin)
    assert client.get(reverse("governors_dashboard", args=[school.pk])).status_code == 200
    assert client.get(reverse("governors_dashboard", args=[sister.pk])).status_code == 200
    response = client.get(reverse("governors_dashboard", args=[other_school.pk]))
    assert response.status_code == 404 and "Elsewhere" not in response.content.decode()


def test_a_governor_of_another_school_sees_nothing_of_this_one(client, school, other_school):
    client.force_login(staff_member(other_school, Role.GOVERNOR, "governor-elsewhere"))
    for url in (
        reverse("governors_dashboard", args=[school.pk]),
        reverse("governors_report", args=[school.pk]),
        reverse("governors_csv", args=[school.pk, "rates"]),
    ):
        response = client.get(url)
        # Issue #21: not found, as a school that does not exist.
        assert response.status_code == 404 and "Test Primary" not in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, school):
    response = client.get(reverse("governors_dashboard", args=[school.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_school_without_terms_says_so(client, governor):
    school = SchoolFactory(federation=FederationFactory(), name="New Primary")
    MembershipFactory(user=governor, school=school, role=Role.GOVERNOR, position="Governor")
    client.force_login(governor)
    response = client.get(reverse("governors_dashboard", args=[school.pk]))
    assert response.status_code == 200 and "no terms" in response.content.decode()
    assert client.get(reverse("governors_csv", args=[school.pk, "rates"])).status_code == 404


# Pages a governor may open: figures only, and the site's own.
GOVERNOR_PAGES = {
    "home",
    "login",
    "logout",
    "governors_dashboard",
    "governors_report",
    "governors_csv",
    "federation_overview",
    "federation_overview_csv",
    "api_schema",
    "api_docs",
}


# A route taking one of these is about a school's (or its pupils') records.
SCOPED = ("school_id", "pupil_id", "group_id", "mark_id")


def _routes(patterns, prefix: str = "", namespace: str = ""):
    """Every route of the site as (name, route pattern), admin left out (staff-only)."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            route = str(entry.pattern)
            if route.startswith("admin/"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + route, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else ""), prefix + str(entry.pattern)


def test_a_governor_cannot_reach_any_pupil_level_page_or_export(
    client, school, pupils, governor, summer_term
):
    # Issue #6: "a governor cannot reach any pupil-level page or export". Every route of the
    # site is tried with this school's real ids: none names a pupil, and every page about the
    # school's (or a pupil's, class's, mark's) records refuses except the figure pages.
    mark = pupils[0].marks.first()
    group = mark.pupil.group_memberships.get().group
    values = {
        "school_id": school.pk,
        "pupil_id": pupils[0].pk,
        "group_id": group.pk,
        "mark_id": mark.pk,
        "federation_id": school.federation_id,
        "term_id": summer_term.pk,
    }
    client.force_login(governor)
    tried = refused = 0
    for name, route in _routes(get_resolver().url_patterns):
        if "^" in route or "(?P" in route:
            continue  # regular-expression routes (static files, format suffixes)

        def fill(match: re.Match) -> str:
            converter, field = match.group(1) or "str", match.group(2)
            if field in values:
                return str(values[field])
            if converter in ("isodate", "apidate"):
                return WEEK_1.isoformat()
            if field == "session" or converter == "apisession":
                return "AM"
            return "1" if converter == "int" else "rates"

        url = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)
        response = client.get(url)
        tried += 1
        _assert_no_pupil_in(response.content.decode(errors="replace"), pupils)
        about_the_school = any(f"<{kind}" in route or f":{kind}" in route for kind in SCOPED)
        # The API answers a governor's lists empty (and a school's own details): the check
        # that no pupil is named covers it.
        page = not url.startswith("/api/")
        if page and about_the_school and name.split(":")[-1] not in GOVERNOR_PAGES:
            assert response.status_code in (302, 403, 404, 405), f"{url} answered a governor"
            refused += 1
    assert tried > 20 and refused > 15


def test_a_term_and_a_cohort_with_no_sessions_say_so_rather_than_fewer_than_5_pupils(
    client, school, pupils, governor, summer_term
):
    # Issue #17: "'Fewer than 5 pupils' where there is no data ... reads as privacy suppression".
    # The spring term before the summer has no marks; nobody has a social worker; four pupils
    # have an EHC plan.
    TermFactory(
        school=school,
        name="Spring 2025",
        start=date(2025, 1, 6),
        end=date(2025, 4, 4),
        half_term_start=date(2025, 2, 17),
        half_term_end=date(2025, 2, 21),
    )
    school_calendar_rebuild(school=school)
    client.force_login(governor)

    response = client.get(reverse("governors_dashboard", args=[school.pk]))

    dashboard = response.context["dashboard"]
    rates = {row.label: row for row in dashboard.rates}
    cohorts = {row.label: row for row in dashboard.cohorts}
    assert rates["Spring 2025"].withheld == NO_SESSIONS_NOTE
    assert not rates["Spring 2025"].suppressed
    assert cohorts["Social worker"].withheld == NO_SESSIONS_NOTE
    assert cohorts["EHC plan"].withheld == SUPPRESSED_NOTE
    page = response.content.decode()
    spring = re.search(r"Spring 2025</th>(.*?)</tr>", page, re.S).group(1)
    assert NO_SESSIONS_NOTE in spring and SUPPRESSED_NOTE not in spring
    social = re.search(r"<th scope=\"row\">Social worker</th>(.*?)</tr>", page, re.S).group(1)
    assert NO_SESSIONS_NOTE in social
    rows = _csv(client.get(reverse("governors_csv", args=[school.pk, "rates"])))
    by_period = {line[0]: line[:-1] for line in rows[1:]}  # the last column: who is counted
    assert by_period["Spring 2025"][2:] == [NO_SESSIONS_NOTE] * 6
