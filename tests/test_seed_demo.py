"""`seed_demo`: both shipped federations, made-up pupils and staff, a half term of marks."""

import hashlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from registers.codes import (
    LATE_AFTER_CLOSE,
    LATE_BEFORE_CLOSE,
    NOT_YET_ESTABLISHED,
    PRESENT_AM,
    CountsAs,
)
from registers.demo import DEMO_PASSWORD, demo_federations, demo_plan
from registers.lib.calendar import AM, PM
from registers.lib.upn import upn_problem
from registers.models import (
    Contact,
    Enrolment,
    Federation,
    GroupMembership,
    Mark,
    MarkSource,
    Membership,
    Pupil,
    PupilContact,
    RegistrationGroup,
    Role,
    School,
    SchoolDay,
    SessionTimes,
)
from registers.selectors import schools_for_user

pytestmark = pytest.mark.django_db

HMFA = "Herefordshire Marches Federation of Academies"
LUSTON_SHOBDON = "Luston and Shobdon Community Primary Schools Federation"
FIRST_DAY, LAST_DAY = date(2025, 9, 3), date(2025, 10, 24)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo, seeded once for the whole module (it takes seconds) and rolled back after it.

    Each test still runs in its own savepoint inside this transaction, so nothing a test does
    leaks into the next one, and nothing of the demo leaks into other modules.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        try:
            call_command("seed_demo", stdout=out)
            # PostgreSQL defers foreign-key checks to the end of the transaction; run them now,
            # outside any test's savepoint, or every test's teardown re-checks 100,000 marks.
            connection.check_constraints()
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)


def _per_pupil():
    return Pupil.objects.annotate(
        possible=Count("marks", filter=~Q(marks__code__counts_as=CountsAs.NOT_POSSIBLE)),
        attended=Count("marks", filter=Q(marks__code__counts_as=CountsAs.ATTENDANCE)),
        unauthorised=Count("marks", filter=Q(marks__code__counts_as=CountsAs.UNAUTHORISED)),
    )


def _fingerprint(rows: Iterable[tuple]) -> str:
    return hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()


def test_it_loads_both_shipped_federations_with_their_schools(seeded):
    counts = dict(Federation.objects.annotate(n=Count("schools")).values_list("name", "n"))
    assert counts == {HMFA: 7, LUSTON_SHOBDON: 2}
    assert SchoolDay.objects.filter(date=FIRST_DAY).count() == 9


def test_every_school_has_a_member_of_staff_in_every_school_role(seeded):
    school_roles = {Role.TEACHER, Role.OFFICE, Role.ATTENDANCE_LEAD, Role.HEAD, Role.GOVERNOR}
    for school in School.objects.all():
        roles = set(Membership.objects.filter(school=school).values_list("role", flat=True))
        assert school_roles <= roles, school.name
    # Every class has its teacher, and every teacher a class.
    assert not RegistrationGroup.objects.filter(teachers__isnull=True).exists()
    assert not Membership.objects.filter(
        role=Role.TEACHER, user__registration_groups__isnull=True
    ).exists()


def test_each_federation_has_one_admin_who_reaches_all_its_schools(seeded):
    admins = Membership.objects.filter(role=Role.FEDERATION_ADMIN)
    assert sorted(admins.values_list("user__username", "school__federation__name")) == [
        ("fedadmin.hmfa", HMFA),
        ("fedadmin.lustonshobdon", LUSTON_SHOBDON),
    ]
    user = get_user_model().objects.get(username="fedadmin.hmfa")
    assert schools_for_user(user=user).count() == 7


def test_the_printed_teacher_teaches_year_4_at_kings_caple(seeded):
    user = get_user_model().objects.get(username="teacher.kingscaple")
    group = user.registration_groups.get()
    assert group.school.name == "Kings Caple Primary Academy"
    assert group.memberships.filter(pupil__year_group="4").exists()
    assert user.memberships.get().position == "Year 4 teacher"


def test_staff_and_the_admin_sign_in_with_the_demo_password(seeded):
    users = get_user_model().objects
    assert users.get(username="office.shobdon").check_password(DEMO_PASSWORD)
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)
    validate_password(DEMO_PASSWORD, user=users.get(username="teacher.kingscaple"))


def test_it_prints_a_summary_and_one_sign_in_per_role(seeded):
    assert "9 schools" in seeded
    assert f"{Pupil.objects.count():,} pupils" in seeded
    assert f"{Mark.objects.count():,} marks" in seeded
    assert f"password for all: {DEMO_PASSWORD}" in seeded
    for username in (
        "teacher.kingscaple",
        "office.kingscaple",
        "attendance_lead.kingscaple",
        "head.kingscaple",
        "governor.kingscaple",
        "fedadmin.hmfa",
        "fedadmin.lustonshobdon",
    ):
        assert username in seeded.split()
        assert get_user_model().objects.filter(username=username).exists()
    assert "replace 'kingscaple' with llangrove, lordscudamore" in seeded


def test_every_pupil_has_a_valid_upn_an_enrolment_a_class_and_a_contact(seeded):
    assert Pupil.objects.count() > 1000
    assert [upn for upn in Pupil.objects.values_list("upn", flat=True) if upn_problem(upn)] == []
    assert not Pupil.objects.filter(enrolments__isnull=True).exists()
    assert not Pupil.objects.filter(group_memberships__isnull=True).exists()
    assert not Pupil.objects.exclude(pupil_contacts__priority=1).exists()
    assert set(PupilContact.objects.values_list("priority", flat=True)) == {1, 2}
    # Siblings share their parents.
    assert Contact.objects.annotate(n=Count("pupil_contacts")).filter(n__gt=1).exists()
    assert not Contact.objects.exclude(email__endswith="@example.org").exists()
    # A pupil's class is at the school they are enrolled at.
    assert not GroupMembership.objects.exclude(
        Exists(Enrolment.objects.filter(pupil=OuterRef("pupil"), school=OuterRef("group__school")))
    ).exists()


def test_nursery_pupils_are_only_at_lord_scudamore_and_luston(seeded):
    nursery = Pupil.objects.filter(year_group__in=["N1", "N2"])
    schools = set(nursery.values_list("enrolments__school__name", flat=True))
    assert schools == {"Lord Scudamore Academy", "Luston Primary School"}


def test_cohort_flags_come_at_realistic_rates(seeded):
    pupils = Pupil.objects.count()
    rates = {
        flag: Pupil.objects.filter(**{flag: True}).count() / pupils
        for flag in ("sen_support", "ehc_plan", "fsm", "social_worker", "medical_condition")
    }
    assert 0.09 < rates["sen_support"] < 0.17
    assert 0.01 < rates["ehc_plan"] < 0.05
    assert 0.15 < rates["fsm"] < 0.26
    assert 0.01 < rates["social_worker"] < 0.05
    assert 0.03 < rates["medical_condition"] < 0.08


def test_marks_fill_every_school_session_once_per_pupil_on_roll(seeded):
    # The 2024 regulations: every pupil on the admission register gets one code per session.
    for school in School.objects.all():
        days = SchoolDay.objects.filter(school=school, date__range=(FIRST_DAY, LAST_DAY))
        sessions = days.filter(am=True).count() + days.filter(pm=True).count()
        on_roll = Enrolment.objects.filter(school=school, start_date__lte=FIRST_DAY).count()
        assert sessions == 76, school.name
        assert Mark.objects.filter(school=school).count() == on_roll * sessions, school.name
    for session, flag in ((AM, "am"), (PM, "pm")):
        open_then = SchoolDay.objects.filter(
            school=OuterRef("school"), date=OuterRef("date"), **{flag: True}
        )
        assert not Mark.objects.filter(session=session).exclude(Exists(open_then)).exists()
    enrolled = Enrolment.objects.filter(
        pupil=OuterRef("pupil"), school=OuterRef("school"), start_date__lte=OuterRef("date")
    ).filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=OuterRef("date")))
    assert not Mark.objects.exclude(Exists(enrolled)).exists()


def test_marks_are_the_class_teachers_register_entries_at_register_time(seeded):
    assert set(Mark.objects.values_list("source", flat=True)) == {MarkSource.REGISTER}
    taught = GroupMembership.objects.filter(
        pupil=OuterRef("pupil"), group__teachers=OuterRef("recorded_by")
    )
    assert not Mark.objects.exclude(Exists(taught)).exists()
    mark = (
        Mark.objects.filter(
            school__name="Marden Primary Academy",
            date=date(2025, 9, 8),
            session=AM,
            code_id=PRESENT_AM,
        )
        .order_by("pupil__upn")
        .first()
    )
    # Marden's AM register opens at 8.45, British Summer Time in September.
    assert mark.recorded_at == datetime(2025, 9, 8, 8, 45, tzinfo=LONDON)


def test_lates_are_L_before_the_register_closes_and_U_after(seeded):
    # Late before the register closes: L, with minutes late; after it closes: U.
    closes = {
        (times.school_id, year): times.am_register_closes
        for times in SessionTimes.objects.all()
        for year in times.year_groups
    }
    lates = Mark.objects.filter(session=AM, code_id__in=[LATE_BEFORE_CLOSE, LATE_AFTER_CLOSE])
    assert lates.filter(code_id=LATE_BEFORE_CLOSE).count() > 100
    for code, minutes, recorded_at, school, year in lates.values_list(
        "code_id", "minutes_late", "recorded_at", "school_id", "pupil__year_group"
    ):
        arrived = timezone.localtime(recorded_at, LONDON).time()
        assert minutes is not None
        assert (arrived < closes[school, year]) == (code == LATE_BEFORE_CLOSE)


def test_some_pupils_reach_the_penalty_notice_threshold(seeded):
    # National framework: 10 sessions of G, N, O or U within 10 school weeks (the half term is 8).
    assert _per_pupil().filter(unauthorised__gte=10).count() >= 3
    assert Mark.objects.filter(code_id="G").exists()
    assert Mark.objects.filter(code_id="U").exists()


def test_some_pupils_are_persistent_and_one_or_two_severe_absentees(seeded):
    # Persistent absence: missing 10% or more of possible sessions; severe: 50% or more.
    pupils = _per_pupil()
    persistent = pupils.filter(attended__lt=F("possible") * 0.9).count()
    severe = pupils.filter(attended__lte=F("possible") * 0.5).count()
    assert 0.05 < persistent / pupils.count() < 0.2
    assert 1 <= severe <= 2


def test_open_N_codes_are_only_on_the_last_days_of_the_half_term(seeded):
    # N must be replaced within 5 school days, so only the most recent days can still be open.
    open_days = set(Mark.objects.filter(code_id=NOT_YET_ESTABLISHED).values_list("date", flat=True))
    assert open_days
    assert min(open_days) >= date(2025, 10, 20)


def test_it_plans_the_same_data_every_time(seeded):
    federations = demo_federations()
    first, second = demo_plan(federations=federations), demo_plan(federations=federations)
    planned = [
        (m.upn, m.date, m.session, m.code, m.minutes_late, m.recorded_by, m.recorded_at.timestamp())
        for m in first.marks
    ]
    stored = [
        (*row[:-1], row[-1].timestamp())
        for row in Mark.objects.values_list(
            "pupil__upn",
            "date",
            "session",
            "code_id",
            "minutes_late",
            "recorded_by__username",
            "recorded_at",
        )
    ]
    assert _fingerprint(planned) == _fingerprint(stored)
    assert first.marks == second.marks
    assert first.pupils == second.pupils
    assert first.contacts == second.contacts
    assert first.staff == second.staff
    assert sorted((p.upn, p.legal_forename, p.legal_surname) for p in first.pupils) == sorted(
        Pupil.objects.values_list("upn", "legal_forename", "legal_surname")
    )


def test_with_if_empty_it_leaves_a_database_with_data_alone(seeded):
    before = (Pupil.objects.count(), Mark.objects.count(), get_user_model().objects.count())
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already has data" in out.getvalue()
    assert (Pupil.objects.count(), Mark.objects.count(), get_user_model().objects.count()) == (
        before
    )
    # `make run` a second time still tells you how to sign in.
    assert "teacher.kingscaple" in out.getvalue()
    assert "demo-register-2025" in out.getvalue()


def test_without_if_empty_it_refuses_a_database_with_data(seeded):
    count = Pupil.objects.count()
    with pytest.raises(CommandError, match="already has data; use a fresh database"):
        call_command("seed_demo", stdout=StringIO())
    assert Pupil.objects.count() == count
