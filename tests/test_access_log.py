"""The disclosure log: every letter download and export is recorded, who, what and when."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from absences.models import LeaveCategory
from absences.services.leave import leave_request_decide, leave_request_record
from core.errors import DomainError
from registers.models import AccessLog, Role
from registers.services.access_log import access_log_record
from tests.conftest import MONDAY
from tests.factories import staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil(pupils_4a):
    pupil = pupils_4a[0]
    pupil.legal_forename, pupil.legal_surname = "Zebedee", "Quixote"
    pupil.save()
    return pupil


@pytest.fixture
def leave_with_letter(monday_morning, school, pupil, office, head):
    """A decided leave request whose letter is stored (a stand-in PDF: drawing is not tested here)."""
    leave = leave_request_record(
        school=school,
        pupil=pupil,
        by=office,
        first_day=date(2025, 9, 22),
        first_session="AM",
        last_day=date(2025, 9, 26),
        last_session="PM",
        category=LeaveCategory.EXCEPTIONAL,
        reason="Grandfather's funeral",
        evidence="Funeral director's letter",
        received_on=MONDAY,
        requested_by_name="Mona Parent",
        requester_lives_with_pupil=True,
    )
    leave_request_decide(leave=leave, approve=True, reason="A close relative's funeral", by=head)
    leave.letter.save(f"leave-{leave.pk}.pdf", ContentFile(b"%PDF-1.7 stand-in"))
    return leave


def test_downloading_a_letter_records_who_what_and_when(client, school, office, leave_with_letter):
    # "Exports and letter downloads are logged (who, what, when)."
    client.force_login(office)
    response = client.get(reverse("leave_letter", args=[school.pk, leave_with_letter.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    [entry] = AccessLog.objects.all()
    assert entry.user == office
    assert entry.school == school
    assert entry.what == f"leave decision letter, request {leave_with_letter.pk}"
    assert entry.rows == 1
    assert entry.at == timezone.now()  # the frozen clock


def test_the_log_names_no_pupil(client, school, office, pupil, leave_with_letter):
    # The log discloses nothing itself: ids, never a pupil's name or UPN.
    client.force_login(office)
    client.get(reverse("leave_letter", args=[school.pk, leave_with_letter.pk]))

    [what] = AccessLog.objects.values_list("what", flat=True)
    for detail in (pupil.legal_forename, pupil.legal_surname, pupil.upn):
        assert detail not in what


def test_a_refused_or_missing_download_is_not_logged(
    client, school, teacher_4a, head_elsewhere, office, head, leave_with_letter
):
    # Only what was actually handed over is a disclosure.
    url = reverse("leave_letter", args=[school.pk, leave_with_letter.pk])
    client.force_login(teacher_4a)
    assert client.get(url).status_code == 403
    client.force_login(head_elsewhere)
    assert client.get(url).status_code == 404
    leave_with_letter.letter = ""
    leave_with_letter.save()
    client.force_login(office)
    assert client.get(url).status_code == 404
    assert not AccessLog.objects.exists()


def test_downloading_an_export_records_who_what_and_when(client, monday_morning, school, office):
    # The local authority reports leave the school as CSV: a disclosure like a letter.
    client.force_login(office)
    response = client.get(reverse("followup_la_illness_csv", args=[school.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    [entry] = AccessLog.objects.all()
    assert (entry.user, entry.school) == (office, school)
    assert entry.what == "illness return CSV as of 2025-09-08"
    assert entry.at == timezone.now()


def test_each_download_is_a_row_of_its_own(client, school, office, head, leave_with_letter):
    url = reverse("leave_letter", args=[school.pk, leave_with_letter.pk])
    for user in (office, head, office):
        client.force_login(user)
        assert client.get(url).status_code == 200
    assert list(AccessLog.objects.order_by("pk").values_list("user__username", flat=True)) == [
        "office",
        "head",
        "office",
    ]


def test_a_record_must_say_what_was_downloaded(office, school):
    with pytest.raises(DomainError, match="must say what"):
        access_log_record(user=office, school=school, what="  ", rows=1)
    with pytest.raises(DomainError, match="at most 200"):
        access_log_record(user=office, school=school, what="x" * 201, rows=1)
    assert not AccessLog.objects.exists()


# Issue #21 finding 7: "API list reads are not in the disclosure log ... the governors' PDF and
# CSVs and the overview CSV are not logged either." What to build: "every read of pupil-level
# data through the API, and every export and PDF, in the disclosure log (who, what, the filter,
# how many)".


@pytest.fixture
def marked(monday_morning, school, class_4a, pupils_4a, teacher_4a):
    """Monday's AM register of 4A, everyone present."""
    from registers.services.register import RegisterEntry, register_submit

    register_submit(
        group=class_4a,
        day=MONDAY,
        session="AM",
        entries=[
            RegisterEntry(pupil_id=p.pk, code="/", arrived_at=None, seen_version=None)
            for p in pupils_4a
        ],
        by=teacher_4a,
    )
    return pupils_4a


@pytest.fixture
def fedadmin(school):
    return staff_member(school, Role.FEDERATION_ADMIN, "fedadmin", position="Admin")


def test_each_page_of_an_api_list_of_pupils_or_marks_is_logged_with_its_filter_and_rows(
    client, school, marked, fedadmin
):
    client.force_login(fedadmin)

    pupils = client.get(
        reverse("api:pupils"), {"school": school.pk, "page_size": 2, "upn": marked[0].upn}
    )
    marks = client.get(reverse("api:marks"), {"school": school.pk, "page_size": 3, "page": 2})

    assert pupils.status_code == marks.status_code == 200
    pupils_entry, marks_entry = AccessLog.objects.order_by("pk")
    assert (pupils_entry.user, pupils_entry.what, pupils_entry.rows) == (
        fedadmin,
        "API pupils list",
        1,
    )
    assert pupils_entry.filters == f"page_size=2&school={school.pk}&upn=(given)"
    assert marked[0].upn not in pupils_entry.filters  # the log names no pupil
    assert (marks_entry.what, marks_entry.rows) == ("API marks list", 2)
    assert marks_entry.filters == f"page=2&page_size=3&school={school.pk}"


def test_api_reads_of_one_pupil_a_register_a_case_and_leave_are_logged(
    client, school, class_4a, marked, head, leave_with_letter
):
    client.force_login(head)

    assert client.get(reverse("api:pupil", args=[marked[0].pk])).status_code == 200
    assert client.get(reverse("api:register", args=[class_4a.pk, MONDAY, "AM"])).status_code == 200
    leave_url = reverse("api:leave_request", args=[leave_with_letter.pk])
    assert client.get(leave_url).status_code == 200
    assert client.get(reverse("api:calls")).status_code == 200

    assert list(AccessLog.objects.order_by("pk").values_list("what", "rows", "school")) == [
        (f"API pupil {marked[0].pk}", 1, None),
        (f"API register, class {class_4a.pk}, 2025-09-08 AM", 5, school.pk),
        (f"API leave request {leave_with_letter.pk}", 1, school.pk),
        ("API calls list", 0, None),
    ]


def test_a_refused_api_read_is_not_logged(client, school, class_4a, marked, head_elsewhere):
    client.force_login(head_elsewhere)

    assert client.get(reverse("api:register", args=[class_4a.pk, MONDAY, "AM"])).status_code == 404
    assert client.get(reverse("api:pupils"), {"school": "x"}).status_code == 400

    assert not AccessLog.objects.exists()


def test_lists_of_schools_and_classes_name_no_pupil_and_are_not_logged(client, marked, head):
    client.force_login(head)

    assert client.get(reverse("api:schools")).status_code == 200
    assert client.get(reverse("api:groups")).status_code == 200

    assert not AccessLog.objects.exists()


def test_the_governors_csvs_and_the_overview_csv_are_logged_with_their_term_and_rows(
    client, school, marked, head
):
    from registers.models import Term

    term = Term.objects.get(school=school)
    client.force_login(head)

    rates = client.get(reverse("governors_csv", args=[school.pk, "rates"]), {"term": term.pk})
    overview = client.get(
        reverse("federation_overview_csv", args=[school.federation_id]),
        {"from": "2025-09-08", "to": "2025-09-12"},
    )

    assert rates.status_code == overview.status_code == 200
    rates_entry, overview_entry = AccessLog.objects.order_by("pk")
    assert (rates_entry.what, rates_entry.school, rates_entry.filters) == (
        f"governors' rates CSV, term {term.pk}",
        school,
        f"table=rates&term={term.pk}",
    )
    assert rates_entry.rows == len(rates.content.decode().strip().splitlines()) - 1
    assert overview_entry.what == f"federation overview CSV, federation {school.federation_id}"
    assert overview_entry.filters == "from=2025-09-08&to=2025-09-12"
    assert overview_entry.rows == len(overview.content.decode().strip().splitlines()) - 1


def test_the_census_and_the_school_tables_are_logged_with_how_many_rows(
    client, school, marked, head
):
    from registers.models import Term

    term = Term.objects.get(school=school)
    client.force_login(head)

    census = client.get(reverse("report_census", args=[school.pk]), {"term": term.pk})

    assert census.status_code == 200
    [entry] = AccessLog.objects.all()
    assert (entry.what, entry.filters, entry.rows) == (
        f"census CSV, term {term.pk}",
        f"term={term.pk}",
        5,
    )


@pytest.mark.pdf
def test_the_governors_report_pdf_is_logged(client, school, marked, head):
    from registers.models import Term

    term = Term.objects.get(school=school)
    client.force_login(head)

    response = client.get(reverse("governors_report", args=[school.pk]), {"term": term.pk})

    assert response.status_code == 200
    [entry] = AccessLog.objects.all()
    assert (entry.user, entry.school, entry.what, entry.filters) == (
        head,
        school,
        f"governors' report PDF, term {term.pk}",
        f"term={term.pk}",
    )
    assert entry.rows > 0
