"""The home page: each member of staff sees their own schools and today's sessions, nothing else."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@time_machine.travel(date(2025, 9, 8), tick=False)
def test_a_teacher_sees_their_school_open_today_and_not_another_school(
    client, teacher_4a, head_elsewhere, django_assert_max_num_queries
):
    client.force_login(teacher_4a)
    # 10: the navigation bar asks its counts in one; the session is read from the database.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("home"))
    page = response.content.decode()
    assert "Test Primary" in page
    assert "School sessions today: AM and PM" in page
    assert "Elsewhere Primary" not in page


@time_machine.travel(date(2025, 10, 28), tick=False)
def test_half_term_shows_no_sessions(client, teacher_4a):
    client.force_login(teacher_4a)
    assert "No school sessions today." in client.get(reverse("home")).content.decode()


def test_an_account_without_a_school_is_told_what_to_do(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("newstaff", password="x-long-pass-1"))
    assert "not linked to a school yet" in client.get(reverse("home")).content.decode()


def test_the_sign_in_page_labels_its_fields(client):
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in page and '<label for="id_password">' in page


def test_the_office_and_head_reach_their_tools_from_the_home_page(client, school, office, head):
    # Who may decide: only the head decides leave; the lead and head watch the threshold.
    client.force_login(office)
    page = client.get(reverse("home")).content.decode()
    assert reverse("late_book", args=[school.pk]) in page
    assert reverse("leave_queue", args=[school.pk]) not in page
    assert reverse("intervention_ladder", args=[school.pk]) not in page
    client.force_login(head)
    page = client.get(reverse("home")).content.decode()
    assert reverse("leave_queue", args=[school.pk]) in page
    assert reverse("intervention_ladder", args=[school.pk]) in page


def test_governors_and_federation_admins_reach_the_dashboards_and_teachers_do_not(
    client, school, teacher_4a, governor
):
    # HMFA: governing bodies review attendance termly and benchmark within the trust.
    client.force_login(governor)
    page = client.get(reverse("home")).content.decode()
    assert reverse("governors_dashboard", args=[school.pk]) in page
    assert reverse("federation_overview", args=[school.federation_id]) in page
    assert reverse("late_book", args=[school.pk]) not in page
    client.force_login(teacher_4a)
    page = client.get(reverse("home")).content.decode()
    assert reverse("governors_dashboard", args=[school.pk]) not in page
    assert reverse("federation_overview", args=[school.federation_id]) not in page


def test_a_parent_signing_in_is_taken_to_the_parents_pages(client, django_user_model):
    from tests.factories import ContactFactory

    parent = django_user_model.objects.create_user("parent-1")
    ContactFactory(user=parent)
    client.force_login(parent)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("parents_home")
