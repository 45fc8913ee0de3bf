"""The teacher's, head's and pupil's figures pages: what they show, who may see them, and a
constant number of queries however many pupils (reports/views/staff.py)."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from absences.models import CallDirection, CallOutcome, LeaveCategory, LeaveRequest, ParentCall
from penalties.models import ThresholdCase
from registers.models import AccessLog, Mark, RegistrationGroup
from registers.services.marks import mark_amend
from tests.conftest import LONDON
from tests.factories import (
    GroupMembershipFactory,
    RegistrationGroupFactory,
)
from tests.test_figures import add_marks, pupil_with

pytestmark = pytest.mark.django_db

# Wednesday 17 September 2025, after the morning register: the third week of the autumn term.
WEDNESDAY = date(2025, 9, 17)


@pytest.fixture(autouse=True)
def wednesday_afternoon():
    with time_machine.travel(datetime(2025, 9, 17, 14, 0, tzinfo=LONDON), tick=False):
        yield WEDNESDAY


def in_class(group: RegistrationGroup, codes: list[str], **fields):
    """A pupil of `group` with one mark per code from Monday 8 September."""
    pupil = pupil_with(group.school, codes, **fields)
    GroupMembershipFactory(group=group, pupil=pupil, start_date=date(2025, 9, 1))
    return pupil


@pytest.fixture
def class_4a(teacher_4a):
    return RegistrationGroup.objects.get(name="4A")


@pytest.fixture
def pupils(class_4a):
    """In 4A: one always present, one at 92.3 % (between 90 and 95), one at 50 % (severe), and
    one with today's N and a late; in 4B one absent pupil the teacher of 4A must not see."""
    full = ["/"] * 16  # 8 to 17 September AM
    return {
        "present": in_class(class_4a, full, legal_surname="Present"),
        "ninety_two": in_class(
            class_4a, ["/"] * 11 + ["I"] + ["/"] * 1 + ["X"] * 3, legal_surname="Ninetytwo"
        ),
        "severe": in_class(class_4a, ["/", "N"] * 8, legal_surname="Severe", sen_support=True),
        "today_n": in_class(class_4a, ["/"] * 14 + ["U", "N"], legal_surname="Todayn"),
        "other_class": in_class(
            RegistrationGroupFactory(school=class_4a.school, name="4B"),
            ["N"] * 16,
            legal_surname="Otherclass",
        ),
    }


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- the teacher's page ------------------------------------------------------------------------


def test_teacher_sees_their_class_figures_and_pupils_below_95_and_90(
    client, school, teacher_4a, pupils
):
    # Issue #6: "Teacher: their groups' week and term figures, who is below 95 / 90 %."
    response = get(client, teacher_4a, reverse("report_classes", args=[school.pk]))

    assert response.status_code == 200
    tables = {table.name: table for table in response.context["tables"]}
    assert [row[0] for row in tables["classes"].rows] == ["4A"]
    below = {row[0].text: row for row in tables["below"].rows}
    assert set(below) == {"Alex Ninetytwo", "Alex Severe", "Alex Todayn"}
    assert below["Alex Severe"][4] == 50
    assert below["Alex Severe"][6] == "Below 90.0 %"
    assert below["Alex Ninetytwo"][6] == "Below 95.0 %"
    assert "Otherclass" not in response.content.decode()


def test_teacher_page_csv_is_the_same_table(client, school, teacher_4a, pupils):
    # Issue #6: "CSV for every table on these pages."
    response = get(
        client, teacher_4a, reverse("report_classes", args=[school.pk]), format="csv", table="below"
    )

    rows = rows_of(response)
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:2] == ["Pupil", "UPN"]
    assert sorted(row[1] for row in rows[1:]) == sorted(
        pupils[name].upn for name in ("ninety_two", "severe", "today_n")
    )
    assert AccessLog.objects.filter(user=teacher_4a, what="class figures: below CSV").exists()


def test_an_unknown_table_is_not_found(client, school, teacher_4a):
    response = get(
        client, teacher_4a, reverse("report_classes", args=[school.pk]), format="csv", table="x"
    )

    assert response.status_code == 404


# --- the head's page ---------------------------------------------------------------------------


def test_head_sees_today_open_n_lates_persistent_absentees_cohorts_and_cases(
    client, school, head, pupils
):
    # Issue #6: "today's attendance across the school, open N, lates, persistent and severe
    # absentees, cohort gaps, threshold cases, trend by week."
    ThresholdCase.objects.create(
        school=school,
        pupil=pupils["other_class"],
        window_start=date(2025, 9, 8),
        window_end=date(2025, 9, 17),
        sessions=16,
        opened_on=WEDNESDAY,
        opened_at=timezone.now(),
    )

    response = get(client, head, reverse("report_school", args=[school.pk]))

    assert response.status_code == 200
    overview = response.context["overview"]
    # Today (AM and PM): two X (not possible), three present, one U and four N.
    assert overview.today_figures.by_code == {"/": 2, "\\": 1, "X": 2, "U": 1, "N": 4}
    assert overview.today_figures.attendance_pct == Decimal("37.5")
    tables = {table.name: table for table in response.context["tables"]}
    assert tables["today"].rows[-1] == ["Whole school", 8, 3, Decimal("37.5"), 4, 0, 1]
    persistent = {row[1]: row for row in tables["persistent"].rows}
    # 2 of 16 sessions missed (12.5 %) is persistent; 8 of 16 severe.
    assert set(persistent) == {pupils[n].upn for n in ("severe", "other_class", "today_n")}
    assert persistent[pupils["severe"].upn][7] == "yes"
    assert persistent[pupils["today_n"].upn][7] == ""
    cohorts = {row[0]: row for row in tables["cohorts"].rows}
    assert cohorts["SEN support"][2] == 50
    assert cohorts["SEN support"][3] == 50 - cohorts["All pupils"][2]
    assert [row[1] for row in tables["cases"].rows] == [pupils["other_class"].upn]
    assert [row[0] for row in tables["weeks"].rows] == [date(2025, 9, 8), date(2025, 9, 15)]
    assert "<svg" in response.content.decode()


@pytest.mark.parametrize("extra", [0, 25])
def test_head_page_makes_the_same_number_of_queries_however_many_pupils(
    client, school, head, class_4a, pupils, extra, django_assert_max_num_queries
):
    # Issue #6: "one aggregate query per report, never a loop over pupils".
    for _ in range(extra):
        in_class(class_4a, ["/", "N"] * 8)
    client.force_login(head)

    with django_assert_max_num_queries(17):
        response = client.get(reverse("report_school", args=[school.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 25])
def test_teacher_and_pupil_pages_make_a_constant_number_of_queries(
    client, school, teacher_4a, class_4a, pupils, extra, django_assert_max_num_queries
):
    # Issue #6: "one aggregate query per report, never a loop over pupils".
    for _ in range(extra):
        in_class(class_4a, ["/", "N"] * 8)
    client.force_login(teacher_4a)

    with django_assert_max_num_queries(11):
        assert client.get(reverse("report_classes", args=[school.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        url = reverse("report_pupil", args=[school.pk, pupils["severe"].pk])
        assert client.get(url).status_code == 200


def test_every_table_of_the_head_page_downloads_as_csv(client, school, attendance_lead, pupils):
    # Issue #6: "CSV for every table on these pages."
    client.force_login(attendance_lead)
    url = reverse("report_school", args=[school.pk])
    names = [table.name for table in client.get(url).context["tables"]]

    for name in names:
        response = client.get(url, {"format": "csv", "table": name})
        assert response.status_code == 200, name
        assert response["Content-Disposition"].startswith(f'attachment; filename="{name}-')
    assert AccessLog.objects.filter(user=attendance_lead, school=school).count() == len(names)


# --- the pupil profile -------------------------------------------------------------------------


def test_pupil_profile_shows_the_calendar_figures_by_term_amendments_calls_leave_and_cases(
    client, school, head, office, pupils
):
    # Issue #6: "the sessions of the year as a calendar coloured by code group, figures by
    # term, amendments, calls, leave and cases."
    pupil = pupils["severe"]
    mark = Mark.objects.get(pupil=pupil, date=date(2025, 9, 8), session="PM")
    mark_amend(
        mark=mark, code="I", arrived_at=None, reason="Parent rang", by=office, seen_version=1
    )
    ParentCall.objects.create(
        school=school,
        pupil=pupil,
        contact_name="Parent Testcarer",
        direction=CallDirection.WE_CALLED,
        outcome=CallOutcome.NO_ANSWER,
        called_at=timezone.now(),
        recorded_by=office,
    )
    LeaveRequest.objects.create(
        school=school,
        pupil=pupil,
        first_day=date(2025, 10, 6),
        last_day=date(2025, 10, 6),
        category=LeaveCategory.EXCEPTIONAL,
        reason="Family funeral",
        received_on=WEDNESDAY,
        recorded_by=office,
        recorded_at=timezone.now(),
    )

    response = get(client, head, reverse("report_pupil", args=[school.pk, pupil.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="code-other_authorised" title="8 Sep PM' in page
    assert 'class="code-unauthorised" title="9 Sep PM' in page
    assert 'class="code-present" title="9 Sep AM' in page
    tables = {table.name: table for table in response.context["tables"]}
    autumn = tables["terms"].rows[0]
    assert autumn[:6] == ["Autumn 2025", 16, 8, 1, 7, 50]
    assert tables["amendments"].rows[0][1:4] == ["N", "I", "Parent rang"]
    assert tables["calls"].rows[0][3] == "No answer"
    assert tables["leave"].rows[0][1] == LeaveCategory.EXCEPTIONAL.label
    sessions = get(
        client,
        head,
        reverse("report_pupil", args=[school.pk, pupil.pk]),
        format="csv",
        table="sessions",
    )
    assert rows_of(sessions)[1:3] == [["2025-09-08", "AM", "/", "Present (AM)"],
                                      ["2025-09-08", "PM", "I", "Illness (not medical or dental appointment)"]]  # fmt: skip


def test_teacher_sees_the_profile_of_their_own_pupils_only(client, school, teacher_4a, pupils):
    # Teachers see their own classes' pupils (registers/access.py).
    own = get(client, teacher_4a, reverse("report_pupil", args=[school.pk, pupils["severe"].pk]))
    other = get(
        client, teacher_4a, reverse("report_pupil", args=[school.pk, pupils["other_class"].pk])
    )

    assert own.status_code == 200
    assert other.status_code == 403


def test_a_pupil_of_another_school_is_not_found(client, school, other_school, head):
    stranger = pupil_with(other_school, ["/"])

    response = get(client, head, reverse("report_pupil", args=[school.pk, stranger.pk]))

    assert response.status_code == 404


# --- who may not see them ----------------------------------------------------------------------


def pupil_level_urls(school, pupil) -> list[tuple[str, dict]]:
    return [
        (reverse("report_classes", args=[school.pk]), {}),
        (reverse("report_classes", args=[school.pk]), {"format": "csv", "table": "below"}),
        (reverse("report_school", args=[school.pk]), {}),
        (reverse("report_school", args=[school.pk]), {"format": "csv", "table": "persistent"}),
        (reverse("report_pupil", args=[school.pk, pupil.pk]), {}),
        (reverse("report_pupil", args=[school.pk, pupil.pk]), {"format": "csv", "table": "terms"}),
        (reverse("report_census", args=[school.pk]), {}),
    ]


def test_a_governor_cannot_reach_any_pupil_level_page_or_export(client, school, governor, pupils):
    # Issue #6: "a governor cannot reach any pupil-level page or export".
    client.force_login(governor)

    for url, params in pupil_level_urls(school, pupils["severe"]):
        response = client.get(url, params)
        assert response.status_code == 403, (url, params)
        assert pupils["severe"].upn not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_staff_of_another_school_see_nothing(client, school, head_elsewhere, pupils):
    # "staff of another school get a 403 that names nothing of it"; issue #21: a 404, as for a
    # school that does not exist.
    client.force_login(head_elsewhere)

    for url, params in pupil_level_urls(school, pupils["severe"]):
        response = client.get(url, params)
        assert response.status_code == 404, (url, params)
        assert school.name not in response.content.decode()


def test_a_teacher_cannot_open_the_whole_school_page_or_census(client, school, teacher_4a):
    # The whole school's pupils are for the office, the attendance lead and the head.
    client.force_login(teacher_4a)

    assert client.get(reverse("report_school", args=[school.pk])).status_code == 403
    assert client.get(reverse("report_census", args=[school.pk])).status_code == 403


def test_signing_in_is_required(client, school):
    response = client.get(reverse("report_school", args=[school.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_links_to_the_figures_pages(client, school, head, teacher_4a, governor):
    # Issue #6: pages reachable from the home page.
    school_url = f'href="{reverse("report_school", args=[school.pk])}"'
    classes_url = f'href="{reverse("report_classes", args=[school.pk])}"'

    assert school_url in get(client, head, reverse("home")).content.decode()
    teacher_home = get(client, teacher_4a, reverse("home")).content.decode()
    assert classes_url in teacher_home
    assert school_url not in teacher_home
    governor_home = get(client, governor, reverse("home")).content.decode()
    assert classes_url not in governor_home
    assert school_url not in governor_home


def test_add_marks_helper_keeps_sessions_in_order(school):
    # Guards the hand-made data above: marks fall on consecutive school sessions.
    pupil = pupil_with(school, ["/", "N", "/"])
    add_marks(pupil, school, ["I"], first=date(2025, 9, 15))

    assert list(Mark.objects.filter(pupil=pupil).values_list("date", "session", "code_id")) == [
        (date(2025, 9, 8), "AM", "/"),
        (date(2025, 9, 8), "PM", "N"),
        (date(2025, 9, 9), "AM", "/"),
        (date(2025, 9, 15), "AM", "I"),
    ]


def test_a_figure_over_no_sessions_says_no_sessions_recorded(client, school, head):
    # Issue #17: "Every figure distinguishes 'no sessions recorded' from 'fewer than 5 pupils'":
    # on the staff pages (no figure is withheld there) a rate over no session says so.
    RegistrationGroup.objects.create(school=school, name="Empty class")

    page = get(client, head, reverse("report_school", args=[school.pk])).content.decode()
    classes = get(client, head, reverse("report_classes", args=[school.pk])).content.decode()

    assert "attendance so far: no sessions recorded" in " ".join(page.split())
    assert '<span title="no sessions recorded">–</span>' in classes
    assert '<p class="legend">– no sessions recorded</p>' in classes
