"""A school's figures in the API: the dashboard's audience and numbers, small counts withheld."""

from datetime import date

import pytest
from django.urls import reverse

from registers.models import Role
from tests.factories import MarkFactory, SchoolFactory, enrol_in_group, staff_member

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2025-09-08", "to": "2025-09-12"}


def _marked(school, group, codes: list[str]) -> None:
    for pupil, code in zip(enrol_in_group(group, len(codes)), codes, strict=True):
        MarkFactory(pupil=pupil, school=school, date=date(2025, 9, 8), code_id=code)


def test_the_head_reads_the_schools_figures_for_a_period(api, school, class_4a, head):
    # DfE method: rates over possible sessions; persistent absence is 10 % or more missed.
    _marked(school, class_4a, ["/", "/", "/", "/", "I", "#"])

    response = api(head).get(reverse("api:school_figures", args=[school.pk]), PERIOD)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["date_from"], body["date_to"], body["suppressed"]) == (
        "2025-09-08",
        "2025-09-12",
        False,
    )
    assert (body["pupils"], body["possible"], body["attended"], body["authorised"]) == (5, 5, 4, 1)
    assert (body["attendance_pct"], body["authorised_pct"], body["unauthorised_pct"]) == (
        "80.0",
        "20.0",
        "0.0",
    )
    assert (body["persistent"], body["severe"]) == (1, 1)
    assert body["by_code"] == {"/": 4, "I": 1, "#": 1}


def test_figures_about_fewer_than_five_pupils_are_withheld(api, school, class_4a, governor):
    # Aggregate views: a cell describing fewer than 5 pupils is not shown.
    _marked(school, class_4a, ["/", "/", "N"])

    term = school.terms.get()
    url = reverse("api:school_figures", args=[school.pk])

    body = api(governor).get(url, {"term": term.pk}).json()

    assert body["suppressed"] is True
    assert body["pupils"] is None and body["by_code"] is None and body["attendance_pct"] is None


def test_a_federation_admin_reads_a_sister_schools_figures(api, school):
    sister = SchoolFactory(federation=school.federation)
    admin = staff_member(school, Role.FEDERATION_ADMIN, "fedadmin")

    response = api(admin).get(reverse("api:school_figures", args=[sister.pk]), PERIOD)

    assert response.status_code == 200
    assert response.json()["school"] == sister.pk


def test_another_school_is_not_found_and_a_teacher_may_not_read_figures(
    api, school, teacher_4a, head_elsewhere
):
    url = reverse("api:school_figures", args=[school.pk])

    assert api(head_elsewhere).get(url, PERIOD).status_code == 404
    assert api(teacher_4a).get(url, PERIOD).status_code == 403


def test_a_period_must_be_two_dates_in_order(api, school, head):
    url = reverse("api:school_figures", args=[school.pk])

    missing = api(head).get(url, {"from": "2025-09-08"})
    backwards = api(head).get(url, {"from": "2025-09-12", "to": "2025-09-08"})

    assert missing.status_code == 400 and list(missing.json()) == ["to"]
    assert backwards.status_code == 400
    assert backwards.json() == {"non_field_errors": ["'to' is before 'from'."]}


# Issue #21 finding 8: "Governors get counts per code for any period, even one day, from
# /api/v1/schools/<id>/figures/; the dashboard shows no such thing, and small counts are not
# suppressed." What to build: "governors' figures only for whole terms with small counts
# suppressed".


@pytest.mark.parametrize(
    "period",
    [
        {"from": "2025-09-08", "to": "2025-09-08"},
        {"from": "2025-09-08", "to": "2025-12-19"},
        {"from": "2025-09-03", "to": "2025-12-18"},
    ],
    ids=["one day", "from mid-term", "to the day before the end"],
)
def test_a_governor_gets_no_figures_for_part_of_a_term(api, school, class_4a, period, governor):
    _marked(school, class_4a, ["/"] * 6)

    response = api(governor).get(reverse("api:school_figures", args=[school.pk]), period)

    assert response.status_code == 400
    assert "whole terms" in response.json()["non_field_errors"][0]


def test_a_governor_gets_a_whole_term_with_counts_of_rare_codes_withheld(
    api, school, class_4a, governor
):
    # Dashboard: "any figure about fewer than 5 pupils reads 'fewer than 5 pupils'".
    _marked(school, class_4a, ["/"] * 5 + ["I"] * 5 + ["E"] * 2)
    term = school.terms.get()
    url = reverse("api:school_figures", args=[school.pk])

    by_term = api(governor).get(url, {"term": term.pk})
    by_dates = api(governor).get(url, {"from": "2025-09-03", "to": "2025-12-19"})

    assert by_term.status_code == by_dates.status_code == 200, by_term.content
    assert by_term.json() == by_dates.json()
    body = by_term.json()
    assert (body["date_from"], body["date_to"], body["pupils"]) == ("2025-09-03", "2025-12-19", 12)
    assert body["by_code"] == {"/": 5, "I": 5, "E": None}


def test_the_head_still_reads_any_period_with_every_count(api, school, class_4a, head):
    # The head reads every pupil's marks anyway: figures for any dates, nothing withheld.
    _marked(school, class_4a, ["/"] * 5 + ["E"])

    response = api(head).get(reverse("api:school_figures", args=[school.pk]), PERIOD)

    assert response.status_code == 200
    assert response.json()["by_code"] == {"/": 5, "E": 1}


def test_a_term_of_another_school_is_not_found_and_an_odd_one_is_refused(
    api, school, other_school, governor
):
    url = reverse("api:school_figures", args=[school.pk])

    elsewhere = api(governor).get(url, {"term": other_school.terms.get().pk})
    odd = api(governor).get(url, {"term": "²"})
    far = api(governor).get(url, {"from": "9999-01-01", "to": "9999-12-31"})

    assert elsewhere.status_code == 404
    assert odd.status_code == 400 and list(odd.json()) == ["term"]
    assert far.status_code == 400 and set(far.json()) == {"from", "to"}


def test_a_period_with_no_sessions_recorded_says_so_and_is_not_withheld(api, school, governor):
    # Issue #17: "Every figure distinguishes 'no sessions recorded' from 'fewer than 5 pupils'".

    term = {"term": school.terms.get().pk}  # a governor's figures are for whole terms
    body = api(governor).get(reverse("api:school_figures", args=[school.pk]), term).json()

    assert (body["no_sessions"], body["suppressed"]) == (True, False)
    assert (body["pupils"], body["possible"], body["attendance_pct"]) == (0, 0, None)
