"""The disclosure log: every letter download and export is recorded, who, what and when."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from absences.models import LeaveCategory
from absences.services.leave import leave_request_decide, leave_request_record
from registers.errors import DomainError
from registers.models import AccessLog, Role
from registers.services.access_log import access_log_record
from tests.conftest import MONDAY
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(school):
    user = UserFactory(username="head", first_name="Helen", last_name="Headteacher")
    MembershipFactory(user=user, school=school, role=Role.HEAD, position="Headteacher")
    return user


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
    assert entry.what == "illness report CSV as of 2025-09-08"
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
        access_log_record(user=office, school=school, what="  ")
    with pytest.raises(DomainError, match="at most 200"):
        access_log_record(user=office, school=school, what="x" * 201)
    assert not AccessLog.objects.exists()
