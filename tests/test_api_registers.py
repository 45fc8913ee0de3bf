"""The read API for schools, classes, pupils and marks: scoped, filtered, paged, by session or
token alike."""

from datetime import date

import pytest
from django.urls import reverse

from core.api_filters import ID_MESSAGE, MAX_ID
from registers.models import Role
from registers.services.marks import mark_amend
from tests.factories import (
    EnrolmentFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    enrol_in_group,
    staff_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def class_4b(school):
    return RegistrationGroupFactory(school=school, name="4B")


@pytest.fixture
def pupils_4a(class_4a):
    return enrol_in_group(class_4a, surnames=["Adams", "Brown"])


@pytest.fixture
def pupils_4b(class_4b):
    return enrol_in_group(class_4b, surnames=["Carter", "Dunn"])


@pytest.fixture
def pupil_elsewhere(other_school):
    group = RegistrationGroupFactory(school=other_school, name="4A")
    return enrol_in_group(group, surnames=["Elsewhere"])[0]


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# Schools


def test_staff_see_only_their_own_school(api, school, other_school, office, head_elsewhere):
    # Issue #7: staff of one school see nothing of another's.
    assert _ids(api(office).get(reverse("api:schools"))) == [school.pk]
    assert api(office).get(reverse("api:school", args=[other_school.pk])).status_code == 404


def test_a_school_reads_with_its_federation(api, school, office):
    response = api(office).get(reverse("api:school", args=[school.pk]))

    assert response.status_code == 200
    assert response.json() | {"address": None} == {
        "id": school.pk,
        "urn": school.urn,
        "la_code": "884",
        "name": "Test Primary",
        "federation": school.federation.name,
        "address": None,
        "phone": "",
        "email": "",
    }


def test_a_federation_admin_sees_every_school_of_their_federation(api, school, other_school):
    # Issue #8: the federation admin sees every school of their federation.
    sister = SchoolFactory(federation=school.federation, name="Sister Primary")
    admin = staff_member(school, Role.FEDERATION_ADMIN, "fedadmin")

    assert sorted(_ids(api(admin).get(reverse("api:schools")))) == sorted([school.pk, sister.pk])
    assert api(admin).get(reverse("api:school", args=[sister.pk])).status_code == 200
    assert api(admin).get(reverse("api:school", args=[other_school.pk])).status_code == 404


def test_schools_filter_by_urn(api, school):
    admin = staff_member(school, Role.FEDERATION_ADMIN, "fedadmin")
    SchoolFactory(federation=school.federation)

    assert _ids(api(admin).get(reverse("api:schools"), {"urn": school.urn})) == [school.pk]


# Classes


def test_classes_are_listed_for_the_school_and_filtered_by_it(
    api, school, other_school, teacher_4a, class_4a, class_4b
):
    RegistrationGroupFactory(school=other_school, name="4A")

    assert _ids(api(teacher_4a).get(reverse("api:groups"))) == [class_4a.pk, class_4b.pk]
    assert _ids(api(teacher_4a).get(reverse("api:groups"), {"school": other_school.pk})) == []


def test_a_governor_sees_no_classes_or_pupils(api, school, class_4a, pupils_4a, governor):
    # Issue #8: governors see no pupil-level data at all.

    assert _ids(api(governor).get(reverse("api:schools"))) == [school.pk]
    assert _ids(api(governor).get(reverse("api:groups"))) == []
    assert _ids(api(governor).get(reverse("api:pupils"))) == []
    assert _ids(api(governor).get(reverse("api:marks"))) == []
    assert api(governor).get(reverse("api:pupil", args=[pupils_4a[0].pk])).status_code == 404


# Pupils


def test_the_office_sees_every_pupil_of_its_school_and_none_of_another(
    api, office, pupils_4a, pupils_4b, pupil_elsewhere
):
    # Issue #7: another school's pupils never appear; their detail is not found.
    listed = _ids(api(office).get(reverse("api:pupils")))

    assert listed == [p.pk for p in pupils_4a + pupils_4b]
    assert api(office).get(reverse("api:pupil", args=[pupil_elsewhere.pk])).status_code == 404


def test_a_teacher_sees_only_their_own_classes_pupils(
    api, teacher_4a, pupils_4a, pupils_4b, pupil_elsewhere
):
    # Issue #8: teachers see only their groups' pupils.
    assert _ids(api(teacher_4a).get(reverse("api:pupils"))) == [p.pk for p in pupils_4a]
    assert api(teacher_4a).get(reverse("api:pupil", args=[pupils_4a[0].pk])).status_code == 200
    assert api(teacher_4a).get(reverse("api:pupil", args=[pupils_4b[0].pk])).status_code == 404


def test_a_pupil_reads_with_names_and_cohorts(api, office, pupils_4a):
    body = api(office).get(reverse("api:pupil", args=[pupils_4a[0].pk])).json()

    assert body["upn"] == pupils_4a[0].upn
    assert (body["name"], body["legal_surname"], body["year_group"]) == ("Sam Adams", "Adams", "4")
    assert body["sen_support"] is False


def test_pupils_filter_by_class_year_group_upn_and_school(
    api, school, other_school, office, class_4b, pupils_4a, pupils_4b
):
    reception = PupilFactory(legal_surname="Young", year_group="R")
    EnrolmentFactory(pupil=reception, school=school)
    client = api(office)
    url = reverse("api:pupils")

    assert _ids(client.get(url, {"group": class_4b.pk})) == [p.pk for p in pupils_4b]
    assert _ids(client.get(url, {"year_group": "R"})) == [reception.pk]
    assert _ids(client.get(url, {"upn": pupils_4a[1].upn.lower()})) == [pupils_4a[1].pk]
    assert len(_ids(client.get(url, {"school": school.pk}))) == 5
    assert _ids(client.get(url, {"school": other_school.pk})) == []
    refused = client.get(url, {"year_group": "15"})
    assert refused.status_code == 400
    assert "year_group" in refused.json()


def test_pupils_come_in_pages_of_the_size_asked_up_to_500(api, office, pupils_4a, pupils_4b):
    client = api(office)

    first = client.get(reverse("api:pupils"), {"page_size": 3}).json()
    second = client.get(reverse("api:pupils"), {"page_size": 3, "page": 2}).json()

    assert first["count"] == 4
    assert [r["id"] for r in first["results"] + second["results"]] == [
        p.pk for p in pupils_4a + pupils_4b
    ]
    assert first["next"] and second["next"] is None
    assert client.get(reverse("api:pupils"), {"page": 9}).status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_listing_pupils_takes_the_same_queries_for_any_number(
    api, office, class_4a, count, django_assert_max_num_queries
):
    # Constant query counts per page (house style).
    enrol_in_group(class_4a, count)
    client = api(office)

    # Session, user, count, page, and the disclosure log's row (issue #21).
    with django_assert_max_num_queries(5):
        assert len(_ids(client.get(reverse("api:pupils")))) == count


# Marks


@pytest.fixture
def marks(school, other_school, pupils_4a, pupils_4b, pupil_elsewhere):
    made = {
        "adams_mon_am": MarkFactory(pupil=pupils_4a[0], school=school, date=date(2025, 9, 8)),
        "adams_mon_pm": MarkFactory(
            pupil=pupils_4a[0], school=school, date=date(2025, 9, 8), session="PM", code_id="I"
        ),
        "brown_tue_am": MarkFactory(
            pupil=pupils_4a[1], school=school, date=date(2025, 9, 9), code_id="N"
        ),
        "carter_mon_am": MarkFactory(pupil=pupils_4b[0], school=school, date=date(2025, 9, 8)),
        "elsewhere": MarkFactory(pupil=pupil_elsewhere, school=other_school, date=date(2025, 9, 8)),
    }
    return made


def test_a_teacher_sees_only_their_classes_marks(api, teacher_4a, marks):
    # Issue #8: marks, teachers only their groups' pupils.
    assert _ids(api(teacher_4a).get(reverse("api:marks"))) == [
        marks["adams_mon_am"].pk,
        marks["adams_mon_pm"].pk,
        marks["brown_tue_am"].pk,
    ]


def test_the_office_sees_its_schools_marks_and_not_anothers(api, office, head_elsewhere, marks):
    assert marks["elsewhere"].pk not in _ids(api(office).get(reverse("api:marks")))
    assert len(_ids(api(office).get(reverse("api:marks")))) == 4
    assert _ids(api(head_elsewhere).get(reverse("api:marks"))) == [marks["elsewhere"].pk]


def test_marks_filter_by_pupil_dates_session_and_code(api, office, pupils_4a, marks):
    client = api(office)
    url = reverse("api:marks")

    assert _ids(client.get(url, {"pupil": pupils_4a[0].pk, "session": "PM"})) == [
        marks["adams_mon_pm"].pk
    ]
    assert _ids(client.get(url, {"date_from": "2025-09-09", "date_to": "2025-09-09"})) == [
        marks["brown_tue_am"].pk
    ]
    assert _ids(client.get(url, {"code": "N"})) == [marks["brown_tue_am"].pk]
    assert client.get(url, {"date_from": "9th September"}).status_code == 400


def test_a_mark_reads_with_its_meaning_and_whether_it_was_amended(
    api, office, marks, monday_morning
):
    mark = marks["adams_mon_am"]
    mark_amend(
        mark=mark, code="M", arrived_at=None, reason="Dentist letter", by=office, seen_version=1
    )

    row = api(office).get(reverse("api:marks"), {"pupil": mark.pupil_id, "session": "AM"})
    body = row.json()["results"][0]

    assert (body["code"], body["amended"], body["version"]) == ("M", True, 2)
    assert body["meaning"] == "Leave of absence: medical or dental appointment"
    assert (body["date"], body["session"], body["source"]) == ("2025-09-08", "AM", "register")


# Every list's id filters, here and in the absences and cases APIs (`IdFilter`).
ID_FILTERS = [
    ("api:schools", "federation"),
    ("api:groups", "school"),
    ("api:pupils", "school"),
    ("api:pupils", "group"),
    ("api:marks", "school"),
    ("api:marks", "pupil"),
    ("api:calls", "school"),
    ("api:calls", "pupil"),
    ("api:leave_requests", "school"),
    ("api:leave_requests", "pupil"),
    ("api:cases", "school"),
    ("api:cases", "pupil"),
]


@pytest.mark.parametrize(("url_name", "param"), ID_FILTERS)
@pytest.mark.parametrize("value", ["-1.79e308", "0", str(MAX_ID + 1), "1.5", "Adams"])
def test_an_id_filter_that_is_not_a_whole_number_from_1_is_a_400_naming_it(
    api, school, url_name, param, value, head
):
    # Bad input gets a clear message: an id is 1..2**63-1 (SQLite's INTEGER, PostgreSQL's
    # bigint); -1.79e308 used to reach SQLite and fail there as a 500.

    response = api(head).get(reverse(url_name), {param: value})

    assert response.status_code == 400
    assert response.json() == {param: [ID_MESSAGE]}


@pytest.mark.parametrize(("url_name", "param"), ID_FILTERS)
def test_the_largest_id_filters_to_nothing(api, school, url_name, param, head):

    assert _ids(api(head).get(reverse(url_name), {param: str(MAX_ID)})) == []


@pytest.mark.parametrize("count", [2, 20])
def test_listing_marks_takes_the_same_queries_for_any_number(
    api, school, teacher_4a, class_4a, count, django_assert_max_num_queries
):
    for pupil in enrol_in_group(class_4a, count):
        MarkFactory(pupil=pupil, school=school)
    client = api(teacher_4a)

    # Session, user, count, page, and the disclosure log's row (issue #21).
    with django_assert_max_num_queries(5):
        assert len(_ids(client.get(reverse("api:marks")))) == count


def test_a_register_reads_by_token_as_by_session(api, teacher_4a, class_4a, pupils_4a):
    # Issue #7: the register API answers a token with the same permissions.
    url = reverse("api:register", args=[class_4a.pk, date(2025, 9, 8), "AM"])

    assert api(teacher_4a).get(url).status_code == 200


def test_another_schools_head_cannot_read_a_register_by_token(api, head_elsewhere, class_4a):
    url = reverse("api:register", args=[class_4a.pk, date(2025, 9, 8), "AM"])

    assert api(head_elsewhere).get(url).status_code == 404  # issue #21
