"""Odd input a probe of the running site sent (issue #21, findings 3-5): digits `int()` refuses,
numbers of thousands of digits, days in year 9999 and JSON nested 100,000 deep. Each is a clear
400 (or a 404 for a day no register has), never a 500, and nothing is saved."""

from datetime import date

import pytest
from django.urls import reverse

from core.api_parsers import MAX_DEPTH
from core.parsing import (
    LATEST_DAY,
    iso_day,
    object_id,
    object_id_or_400,
    whole_number,
)
from registers.models import Mark, Term
from tests.conftest import MONDAY

pytestmark = pytest.mark.django_db

# `str.isdigit()` takes all of these; `int()` refuses the first and would take the second.
SUPERSCRIPT_TWO = "²"
ARABIC_INDIC_THREE = "٣"
THOUSANDS_OF_DIGITS = "9" * 5000


def _register_url(group) -> str:
    return reverse("register", args=[group.pk, MONDAY, "AM"])


# The one helper ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [SUPERSCRIPT_TWO, ARABIC_INDIC_THREE, THOUSANDS_OF_DIGITS, "-1", "1.5", "", " ", "1e3"],
)
def test_the_helper_reads_only_ascii_whole_numbers(text):
    # Issue #21: "every id and number parsed by one helper that answers 400".
    assert whole_number(text) is None
    assert object_id(text) is None


def test_the_helper_reads_ids_within_a_database_column():
    assert object_id(" 42 ") == 42
    assert object_id("0") is None
    assert object_id(str(2**63 - 1)) == 2**63 - 1
    assert object_id(str(2**63)) is None
    assert whole_number("0") == 0
    assert whole_number("91", maximum=90) is None


def test_an_unreadable_id_is_a_bad_request():
    from django.core.exceptions import BadRequest

    with pytest.raises(BadRequest, match="term must be an id"):
        object_id_or_400(SUPERSCRIPT_TWO, name="term")


def test_days_are_bounded_so_that_their_arithmetic_cannot_overflow():
    # Issue #21 finding 4: dates in year 9999 overflowed (OverflowError).
    assert iso_day("9999-12-31") is None
    assert iso_day("0001-01-01") is None
    assert iso_day(LATEST_DAY.isoformat()) == LATEST_DAY
    assert iso_day("2025-02-30") is None
    assert iso_day("2025-09-08") == date(2025, 9, 8)


# Finding 3: the register, Absence today and the census -------------------------------------


@pytest.mark.parametrize(
    "field", ["pupil", "seen"], ids=["pupil id of digits int() refuses", "seen version"]
)
@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, THOUSANDS_OF_DIGITS])
def test_the_register_refuses_odd_digits_with_a_400_and_saves_nothing(
    client, monday_morning, class_4a, pupils_4a, teacher_4a, field, value
):
    # Issue #21 finding 3: "500s from str.isdigit() ... the register POST (pupil=², seen-<id>=²)".
    client.force_login(teacher_4a)
    data = {"action": "save", "pupil": [str(p.pk) for p in pupils_4a]}
    data |= {f"code-{p.pk}": "/" for p in pupils_4a}
    if field == "pupil":
        data["pupil"] = [value, *data["pupil"]]
    else:
        data[f"seen-{pupils_4a[0].pk}"] = value

    response = client.post(_register_url(class_4a), data)

    assert response.status_code == 400
    assert "The form was damaged" in response.content.decode()
    assert not Mark.objects.exists()


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, THOUSANDS_OF_DIGITS])
def test_absence_today_refuses_an_odd_pupil_id_with_a_400(
    client, monday_morning, school, office, value
):
    # Issue #21 finding 3: "Absence today (pupil=²)".
    client.force_login(office)

    response = client.post(
        reverse("absence_today", args=[school.pk]), {"pupil": value, "rang-direction": "they_rang"}
    )

    assert response.status_code == 400
    assert "Choose the pupil the call was about." in response.content.decode()


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, THOUSANDS_OF_DIGITS, "autumn"])
def test_the_census_refuses_an_odd_term_with_a_400(client, school, office, value):
    # Issue #21 finding 3: "census.csv?term=²".
    client.force_login(office)

    response = client.get(reverse("report_census", args=[school.pk]), {"term": value})

    assert response.status_code == 400


def test_the_census_of_a_term_that_is_not_the_schools_is_still_not_found(
    client, school, other_school, office
):
    client.force_login(office)
    elsewhere = Term.objects.get(school=other_school)

    response = client.get(reverse("report_census", args=[school.pk]), {"term": elsewhere.pk})

    assert response.status_code == 404


def test_the_governors_dashboard_refuses_an_odd_term_with_a_400(client, school, head):
    client.force_login(head)

    response = client.get(reverse("governors_dashboard", args=[school.pk]), {"term": "²"})

    assert response.status_code == 400


# Finding 4: the federation overview in year 9999 -------------------------------------------


@pytest.mark.parametrize("name", ["federation_overview", "federation_overview_csv"])
def test_the_federation_overview_refuses_a_day_in_year_9999(client, school, head, name):
    # Issue #21 finding 4: "The federation overview answers 500 for dates in year 9999
    # (OverflowError), page and CSV."
    client.force_login(head)

    response = client.get(
        reverse(name, args=[school.federation_id]), {"from": "9999-12-25", "to": "9999-12-31"}
    )

    assert response.status_code == 400
    assert "YYYY-MM-DD, from 2000 to 2099" in response.content.decode()


def test_a_register_of_a_day_in_year_9999_is_not_found(client, class_4a, teacher_4a):
    client.force_login(teacher_4a)

    response = client.get(f"/registers/{class_4a.pk}/9999-12-31/AM/")

    assert response.status_code == 404


def test_the_late_registers_week_in_year_9999_is_refused_in_words(client, school, head):
    client.force_login(head)

    response = client.get(reverse("missing_registers", args=[school.pk]), {"week": "9999-12-31"})

    assert response.status_code == 200
    assert "Give the week as a date" in response.content.decode()


# Finding 5: JSON nested 100,000 deep -------------------------------------------------------


def test_the_api_refuses_json_nested_100000_deep_as_malformed(client, class_4a, teacher_4a):
    # Issue #21 finding 5: "The API answers 500 (RecursionError) to 100,000 nested brackets."
    client.force_login(teacher_4a)
    url = reverse("api:register", args=[class_4a.pk, MONDAY, "AM"])

    response = client.post(url, "[" * 100_000, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not Mark.objects.exists()


def test_json_just_within_the_bound_is_parsed_and_judged_as_usual(client, class_4a, teacher_4a):
    client.force_login(teacher_4a)
    url = reverse("api:register", args=[class_4a.pk, MONDAY, "AM"])
    nested = '{"marks": [], "reason": "x", "extra": ' + "[" * (MAX_DEPTH - 1)
    nested += "]" * (MAX_DEPTH - 1) + "}"
    brackets_in_text = '{"marks": [], "reason": "' + "[" * 100 + '"}'

    deep = client.post(url, nested, content_type="application/json")
    text = client.post(url, brackets_in_text, content_type="application/json")

    # Parsed (32 levels are allowed; brackets inside a string do not nest) and taken: 4A has
    # nobody on roll, so an empty register is a whole one.
    assert deep.status_code == 200, deep.content
    assert text.status_code == 200, text.content
