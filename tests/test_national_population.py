"""Figures set beside the national figures count the pupils those count: aged 5 to 15 on 31
August before the school year (the DfE's absence statistics; four-year-olds are published
separately), with every pupil's figures kept beside them.

Issue #16, item 5: "The school and federation totals that the governors' dashboard and
federation overview set beside the national figures include nursery and reception; one nursery
pupil took a test period to 45.0 %."
"""

import csv
import io
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from registers.lib.statistics_population import born_aged_on_31_august, school_year_spans
from registers.models import Pupil, Role
from registers.selectors.statistics import (
    BY_KEYS,
    figures_by,
    figures_by_cohort_and_year_group,
    figures_by_population,
    figures_for,
)
from tests.factories import (
    EnrolmentFactory,
    GroupMembershipFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    staff_member,
)
from tests.test_figures import pupil_with

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2025, 9, 8)
NATIONAL = "pupils aged 5 to 15 on 31 August before the school year"
BORN_2025_26 = "for 2025/26, born 1 September 2009 to 31 August 2020"
NURSERY_BORN = date(2021, 10, 15)  # 3 on 31 August 2025


@pytest.fixture(autouse=True)
def _today():
    # Wednesday 1 October 2025, in the autumn term.
    with time_machine.travel(datetime(2025, 10, 1, 10, 0, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def nursery_pupil_and_five_in_year_4(school):
    """Five pupils aged 8 with Monday 8 September's two sessions, one absent (`I`) in the
    afternoon (9 of 10: 90.0 %), and a nursery pupil absent (`I`) all that week (10 more
    possible sessions: 9 of 20, 45.0 %)."""
    pupils = [pupil_with(school, ["/", "I"])] + [pupil_with(school, ["/", "/"]) for _ in range(4)]
    nursery = pupil_with(school, ["I"] * 10, date_of_birth=NURSERY_BORN, year_group="N2")
    return pupils, nursery


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("codes", [True, False], ids=["from the marks", "from the pupil weeks"])
def test_a_nursery_pupil_no_longer_moves_the_figures_of_the_national_population(
    school, nursery_pupil_and_five_in_year_4, codes
):
    # Issue #16: one nursery pupil took a test period to 45.0 %.
    week = {"school_ids": [school.pk], "start": MONDAY, "end": date(2025, 9, 14)}

    everyone = figures_for(**week, codes=codes)
    national = figures_for(**week, codes=codes, dfe_population=True)

    assert (everyone.pupils, everyone.attendance_pct) == (6, Decimal("45.0"))
    assert (national.pupils, national.attendance_pct) == (5, Decimal("90.0"))
    assert (national.persistent, everyone.persistent) == (1, 2)
    both = figures_by_population(**week, by="school")[school.pk]
    assert (both.every_pupil, both.dfe) == (
        figures_for(**week, codes=False),
        figures_for(**week, codes=False, dfe_population=True),
    )


def test_the_age_on_31_august_decides_each_school_year_of_a_period_separately(school):
    # Issue #16: aged 5 to 15 on 31 August *before the school year*. Born 15 July 2020: 4 on
    # 31 August 2024, so out of 2024/25 (to 31 July 2025); 5 on 31 August 2025, so in 2025/26
    # (from 1 August). Thursday 31 July and Friday 1 August share a week.
    pupil = PupilFactory(date_of_birth=date(2020, 7, 15), year_group="1")
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2024, 9, 1))
    for day, session, code in [
        (date(2025, 7, 7), "AM", "I"),
        (date(2025, 7, 7), "PM", "I"),
        (date(2025, 7, 31), "AM", "I"),
        (date(2025, 8, 1), "AM", "/"),
        (MONDAY, "AM", "/"),
        (MONDAY, "PM", "\\"),
    ]:
        MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id=code)
    period = {"school_ids": [school.pk], "start": date(2025, 7, 1), "end": date(2025, 9, 30)}

    for codes in (True, False):
        national = figures_by(**period, by="pupil", codes=codes, dfe_population=True)[pupil.pk]
        assert (national.possible, national.attended, national.persistent) == (3, 3, 0)
        everyone = figures_by(**period, by="pupil", codes=codes)[pupil.pk]
        assert (everyone.possible, everyone.attended, everyone.persistent) == (6, 3, 1)
    both = figures_by_population(**period, by="week")
    assert both[date(2025, 7, 28)].dfe.possible == 1  # Friday 1 August only
    assert both[date(2025, 7, 28)].every_pupil.possible == 2
    assert date(2025, 7, 7) not in {
        monday for monday, figures in both.items() if figures.dfe.possible
    }
    # One enrolment, however many school years its period spans.
    assert figures_for(**period, codes=False, dfe_population=True).pupils == 1


@pytest.fixture
def ages(school, other_school):
    """Pupils of every age around both ends of the population, at two schools and in two
    classes, with random marks on the weekdays from 21 July to 19 September 2025 (across the
    school year's start on 1 August)."""
    rng = random.Random(16)
    codes = ["/", "/", "/", "L", "I", "M", "N", "O", "G", "X", "#", "B"]
    births = [
        date(2021, 10, 15),  # nursery: 3 on 31 August 2025
        date(2020, 9, 1),  # 4 on 31 August 2025, 5 the next day
        date(2020, 8, 31),  # 5 on 31 August 2025, 4 on 31 August 2024
        date(2020, 3, 1),  # 5 on 31 August 2025, 4 on 31 August 2024
        date(2017, 5, 1),
        date(2009, 9, 1),  # 15 on 31 August 2025
        date(2009, 8, 31),  # 16 on 31 August 2025, 15 on 31 August 2024
    ]
    for home in (school, other_school):
        groups = [RegistrationGroupFactory(school=home) for _ in range(2)]
        for number, born in enumerate(births):
            pupil = PupilFactory(date_of_birth=born, sen_support=number % 2 == 0)
            EnrolmentFactory(pupil=pupil, school=home, start_date=date(2024, 9, 1))
            GroupMembershipFactory(
                group=groups[number % 2], pupil=pupil, start_date=date(2024, 9, 1)
            )
            for offset in range(61):
                day = date(2025, 7, 21) + timedelta(days=offset)
                for session in ("AM", "PM") if day.weekday() < 5 else ():
                    code = rng.choice(codes)
                    code = "\\" if code == "/" and session == "PM" else code
                    MarkFactory(pupil=pupil, school=home, date=day, session=session, code_id=code)


def _counts(rows: dict) -> dict:
    """Each key's figures without the counts per code (which only the marks give)."""
    return {
        key: (
            f.pupils,
            f.possible,
            f.attended,
            f.authorised,
            f.unauthorised,
            f.persistent,
            f.severe,
        )
        for key, f in rows.items()
    }


def _of_age(school_year: int):
    """The pupils of the national figures' population in that school year, by their ids."""
    born = born_aged_on_31_august(school_year=school_year)
    return Pupil.objects.filter(date_of_birth__range=born).values("pk")


def _with_sessions(rows: dict) -> dict:
    return {key: figures for key, figures in _counts(rows).items() if figures[1]}


def test_the_national_populations_figures_are_those_of_its_pupils_by_every_grouping(
    ages, school, other_school
):
    # Issue #16: over the DfE's population, by a date-of-birth range per school year; from the
    # pupil weeks and from the marks alike, and beside every pupil's in one statement.
    ids = [school.pk, other_school.pk]
    periods = [
        (date(2025, 9, 3), date(2025, 9, 19), 2025),
        (date(2025, 8, 1), date(2025, 9, 10), 2025),
        (date(2025, 7, 21), date(2025, 7, 31), 2024),
        (date(2025, 7, 23), date(2025, 9, 11), None),  # across 1 August
    ]
    for start, end, school_year in periods:
        period = {"school_ids": ids, "start": start, "end": end}
        for by in BY_KEYS:
            where = (start, end, by)
            national = figures_by(**period, by=by, codes=False, dfe_population=True)
            marks = figures_by(**period, by=by, codes=True, dfe_population=True)
            assert _counts(national) == _counts(marks), where
            both = figures_by_population(**period, by=by)
            assert {key: each.dfe for key, each in both.items()} == national, where
            assert {key: each.every_pupil for key, each in both.items()} == figures_by(
                **period, by=by, codes=False
            ), where
            if school_year is not None:
                alone = figures_by(**period, by=by, codes=False, pupil_ids=_of_age(school_year))
                assert _with_sessions(national) == _with_sessions(alone), where
        # The cohorts and the year groups from one statement: the same figures.
        cohorts, year_groups = figures_by_cohort_and_year_group(**period)
        assert cohorts == figures_by_population(**period, by="cohort"), (start, end)
        assert year_groups == figures_by(**period, by="year_group", codes=False), (start, end)
        # Across school years the sessions are each part's, of its own pupils.
        parts = [
            figures_for(
                school_ids=ids,
                start=span.first,
                end=span.last,
                codes=False,
                pupil_ids=_of_age(span.school_year),
            )
            for span in school_year_spans(start, end)
        ]
        total = figures_for(**period, codes=False, dfe_population=True)
        assert total.possible and (total.possible, total.attended, total.unauthorised) == (
            sum(part.possible for part in parts),
            sum(part.attended for part in parts),
            sum(part.unauthorised for part in parts),
        )


def test_the_governors_dashboard_compares_the_national_population_and_keeps_every_pupil(
    client, school, nursery_pupil_and_five_in_year_4, governor
):
    # Issue #16: every figure set beside the national figures is over the DfE's population,
    # "and says so on the page; the school's own all-pupil figures stay available beside it".
    client.force_login(governor)
    response = client.get(reverse("governors_dashboard", args=[school.pk]))

    dashboard = response.context["dashboard"]
    autumn, national = dashboard.rates
    assert (autumn.label, autumn.pupils, autumn.attendance) == ("Autumn 2025", 5, Decimal("90.0"))
    assert national.label == "National (2023/24)"
    every = dashboard.all_pupils
    assert (every.pupils, every.attendance) == (6, Decimal("45.0"))
    assert every.label == "Autumn 2025: every pupil on roll"
    assert [week.attendance for week in dashboard.weeks] == [Decimal("90.0")]
    assert dashboard.cohorts[0].attendance == Decimal("45.0")  # All pupils, as the gaps use
    page = " ".join(response.content.decode().split())
    assert f"{NATIONAL} ({BORN_2025_26})" in page
    assert "Autumn 2025: every pupil on roll" in page
    rates = _csv(client.get(reverse("governors_csv", args=[school.pk, "rates"])))
    assert rates[0][-1] == "pupils counted"
    assert [(row[0], row[3], row[-1]) for row in rates[1:]] == [
        ("Autumn 2025", "90.0", NATIONAL),
        ("National (2023/24)", "94.5", NATIONAL),
        ("Autumn 2025: every pupil on roll", "45.0", "every pupil on roll"),
    ]
    weeks = _csv(client.get(reverse("governors_csv", args=[school.pk, "weeks"])))
    assert weeks[0][-1] == f"attendance % of {NATIONAL}" and weeks[1][-1] == "90.0"


@pytest.mark.pdf
def test_the_governors_report_says_which_pupils_the_national_comparison_counts(
    client, school, nursery_pupil_and_five_in_year_4, governor
):
    from pypdf import PdfReader

    client.force_login(governor)
    response = client.get(reverse("governors_report", args=[school.pk]))

    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert NATIONAL in text and "90.0%" in text and "45.0%" in text


def test_the_federation_overview_compares_the_national_population_and_keeps_every_pupil(
    client, school, nursery_pupil_and_five_in_year_4
):
    # Issue #16: the federation overview's schools and total beside the national figures.
    client.force_login(staff_member(school, Role.FEDERATION_ADMIN, "fedadmin"))
    url = reverse("federation_overview", args=[school.federation_id])
    response = client.get(url, {"from": "2025-09-08", "to": "2025-09-12"})

    overview = response.context["overview"]
    ((_school, national),) = overview.schools
    ((_same, every),) = overview.all_pupils_schools
    assert (national.pupils, national.attendance) == (5, Decimal("90.0"))
    assert (overview.total.pupils, overview.total.attendance) == (5, Decimal("90.0"))
    assert (every.pupils, every.attendance) == (6, Decimal("45.0"))
    assert overview.all_pupils_total.attendance == Decimal("45.0")
    page = " ".join(response.content.decode().split())
    assert f"{NATIONAL} ({BORN_2025_26})" in page and "Every pupil on roll" in page
    rows = _csv(
        client.get(
            reverse("federation_overview_csv", args=[school.federation_id]),
            {"from": "2025-09-08", "to": "2025-09-12"},
        )
    )
    assert [(row[1], row[3], row[-1]) for row in rows[1:]] == [
        ("Test Primary", "90.0", NATIONAL),
        (f"{school.federation.name} (all schools)", "90.0", NATIONAL),
        ("National (2023/24)", "94.5", NATIONAL),
        ("Test Primary", "45.0", "every pupil on roll"),
        (f"{school.federation.name} (all schools)", "45.0", "every pupil on roll"),
    ]


def test_the_school_pages_trend_beside_the_national_figure_counts_the_national_population(
    client, school, nursery_pupil_and_five_in_year_4, head
):
    # Issue #16: the head's school page draws this term's weeks against the national figure.
    client.force_login(head)
    response = client.get(reverse("report_school", args=[school.pk]))

    chart = response.context["chart"]
    assert NATIONAL in chart.title
    assert "latest 90.0%" in chart.description
    weeks = response.context["overview"].weeks  # the weekly table: every pupil
    assert [figures.attendance_pct for _monday, figures in weeks] == [Decimal("45.0")]


def test_nursery_pupils_add_no_query_to_the_dashboards(
    client, school, nursery_pupil_and_five_in_year_4, django_assert_max_num_queries
):
    # House style: constant query counts per page, the population a join in the same
    # statements (at most as many as before this issue: 13, 10 and 17; the overview 11 with the
    # navigation bar and the term totals' terms).
    pages = [
        (Role.GOVERNOR, "governors_dashboard", [school.pk], 13),
        (Role.FEDERATION_ADMIN, "federation_overview", [school.federation_id], 11),
        (Role.HEAD, "report_school", [school.pk], 17),
    ]
    users = {role: staff_member(school, role, role) for role, *_rest in pages}
    for _ in range(2):
        for role, name, args, most in pages:
            client.force_login(users[role])
            with django_assert_max_num_queries(most):
                assert client.get(reverse(name, args=args)).status_code == 200
        for serial in range(8):
            pupil_with(
                school, ["N"] * 4, date_of_birth=NURSERY_BORN, year_group=f"N{serial % 2 + 1}"
            )
