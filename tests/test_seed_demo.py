"""`seed_demo`: both shipped federations, made-up pupils and staff, and their registers from the
start of last school year to this morning of the demo's day (issue #17: "builds the demo
around the real date ... It stays deterministic: `seed_demo --today YYYY-MM-DD` gives the same
data for the same date")."""

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from absences.models import LeaveDecision, LeaveRequest, ParentReport
from demo.history import PlannedRegister
from demo.seed import DEMO_PASSWORD, demo_configs, demo_day
from penalties.models import LadderStep, ThresholdCase
from registers.codes import (
    LATE_AFTER_CLOSE,
    LATE_BEFORE_CLOSE,
    NOT_YET_ESTABLISHED,
    PRESENT_AM,
    CountsAs,
)
from registers.lib.calendar import AM, PM
from registers.lib.school_age import compulsory_school_age_problem
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
    Register,
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
# The demo's day: a Friday of the autumn term 2026; last school year began on 3 September 2025.
TODAY = date(2026, 12, 4)
LAST_YEAR_FIRST_DAY = date(2025, 9, 3)
THIS_YEAR_FIRST_DAY = date(2026, 9, 2)
LAST_YEAR_LAST_DAY = date(2026, 7, 21)
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
            call_command("seed_demo", "--today", TODAY.isoformat(), stdout=out)
            # PostgreSQL defers foreign-key checks to the end of the transaction; run them now,
            # outside any test's savepoint, or every test's teardown re-checks every mark.
            connection.check_constraints()
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)


def _per_pupil(start: date, end: date):
    in_period = Q(marks__date__range=(start, end))
    return Pupil.objects.annotate(
        possible=Count(
            "marks", filter=in_period & ~Q(marks__code__counts_as=CountsAs.NOT_POSSIBLE)
        ),
        attended=Count("marks", filter=in_period & Q(marks__code__counts_as=CountsAs.ATTENDANCE)),
    ).filter(possible__gt=0)


def _fingerprint(rows: Iterable[tuple]) -> str:
    return hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()


def test_it_loads_both_shipped_federations_with_their_schools(seeded):
    counts = dict(Federation.objects.annotate(n=Count("schools")).values_list("name", "n"))
    assert counts == {HMFA: 7, LUSTON_SHOBDON: 2}
    assert SchoolDay.objects.filter(date=LAST_YEAR_FIRST_DAY).count() == 9


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
    assert group.memberships.filter(pupil__year_group="4", end_date__isnull=True).exists()
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
    assert "(3 September 2025 to 4 December 2026)" in seeded
    assert f"{ThresholdCase.objects.count()} penalty-notice threshold cases open" in seeded
    assert f"password for every staff account: {DEMO_PASSWORD}" in seeded
    # A parent signs in with a link e-mailed to their address (the console, under make run).
    parent = re.search(r"parent +(\S+@example.org)", seeded).group(1)
    assert Contact.objects.filter(
        email=parent, pupil_contacts__parental_responsibility=True
    ).exists()
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
    assert Pupil.objects.count() > 1400
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


def test_last_years_year_6_left_for_secondary_school_and_everyone_else_moved_up_a_class(seeded):
    # Issue #17: "the previous school year and the current one up to yesterday, with the same
    # kinds of pupils": last year's roll, with its Year 6, who left at the end of the year.
    leavers = Enrolment.objects.exclude(leaving_date=None)
    assert leavers.count() > 100
    assert set(leavers.values_list("leaving_date", flat=True)) == {LAST_YEAR_LAST_DAY}
    assert not leavers.filter(destination="").exists()
    assert set(leavers.values_list("pupil__year_group", flat=True)) == {"6"}
    assert not Mark.objects.filter(
        pupil__enrolments__in=leavers, date__gt=LAST_YEAR_LAST_DAY
    ).exists()
    # A Year 4 pupil at Kings Caple who was there last year was in the Year 3 class then.
    year_4 = (
        Pupil.objects.filter(
            year_group="4",
            enrolments__school__name="Kings Caple Primary Academy",
            enrolments__start_date__lt=LAST_YEAR_FIRST_DAY,
        )
        .order_by("upn")
        .first()
    )
    classes = list(
        year_4.group_memberships.order_by("start_date").values_list(
            "group__name", "start_date", "end_date"
        )
    )
    assert classes == [
        ("Finches", LAST_YEAR_FIRST_DAY, LAST_YEAR_LAST_DAY),
        ("Owls", THIS_YEAR_FIRST_DAY, None),
    ]


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


def test_marks_fill_every_school_session_to_yesterday_once_per_pupil_on_roll(seeded):
    # The 2024 regulations: every pupil on the admission register gets one code per session.
    for school in School.objects.all():
        sessions = list(
            SchoolDay.objects.filter(
                school=school, date__range=(LAST_YEAR_FIRST_DAY, TODAY - timedelta(days=1))
            ).values_list("date", "am", "pm")
        )
        spans = Enrolment.objects.filter(school=school).values_list("start_date", "leaving_date")
        expected = sum(
            am + pm
            for start, leaving in spans
            for day, am, pm in sessions
            if start <= day and (leaving is None or day <= leaving)
        )
        assert Mark.objects.filter(school=school, date__lt=TODAY).count() == expected, school.name
    for session, flag in ((AM, "am"), (PM, "pm")):
        open_then = SchoolDay.objects.filter(
            school=OuterRef("school"), date=OuterRef("date"), **{flag: True}
        )
        assert not Mark.objects.filter(session=session).exclude(Exists(open_then)).exists()
    enrolled = Enrolment.objects.filter(
        pupil=OuterRef("pupil"), school=OuterRef("school"), start_date__lte=OuterRef("date")
    ).filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=OuterRef("date")))
    assert not Mark.objects.exclude(Exists(enrolled)).exists()


def test_this_morning_every_register_is_taken_but_a_few_and_this_afternoon_none(seeded):
    # Issue #17: "registers taken this morning except a few" (a school day in progress).
    groups = RegistrationGroup.objects.count()
    taken = Register.objects.filter(date=TODAY)
    assert set(taken.values_list("session", flat=True)) == {AM}
    assert 0 < groups - taken.count() <= 4
    untaken = RegistrationGroup.objects.exclude(registers__date=TODAY)
    assert untaken.filter(teachers__username="teacher.kingscaple").exists()
    assert not Mark.objects.filter(date=TODAY, session=PM).exists()
    # Each register taken has its class's marks; the untaken ones have none yet.
    assert not Mark.objects.filter(
        date=TODAY,
        pupil__group_memberships__group__in=untaken,
        pupil__group_memberships__end_date__isnull=True,
    ).exists()
    # Every class's register was taken at every session before today.
    sessions = SchoolDay.objects.filter(
        date__range=(LAST_YEAR_FIRST_DAY, TODAY - timedelta(days=1))
    ).values_list("school_id", "am", "pm")
    per_school = {}
    for school_id, am, pm in sessions:
        per_school[school_id] = per_school.get(school_id, 0) + am + pm
    for group in RegistrationGroup.objects.all():
        assert (
            Register.objects.filter(group=group, date__lt=TODAY).count()
            == per_school[group.school_id]
        ), group.name


def test_marks_are_the_class_teachers_register_entries_at_register_time(seeded):
    assert set(Mark.objects.values_list("source", flat=True)) == {MarkSource.REGISTER}
    taught = GroupMembership.objects.filter(
        pupil=OuterRef("pupil"),
        group__teachers=OuterRef("recorded_by"),
        start_date__lte=OuterRef("date"),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("date")))
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
    lates = Mark.objects.filter(
        session=AM, code_id__in=[LATE_BEFORE_CLOSE, LATE_AFTER_CLOSE], date__lt=TODAY
    )
    assert lates.filter(code_id=LATE_BEFORE_CLOSE).count() > 100
    for code, minutes, recorded_at, school, year in lates.values_list(
        "code_id", "minutes_late", "recorded_at", "school_id", "pupil__year_group"
    ):
        arrived = timezone.localtime(recorded_at, LONDON).time()
        assert minutes is not None
        assert (arrived < closes[school, year]) == (code == LATE_BEFORE_CLOSE)


def test_every_school_has_a_threshold_case_open_today_on_recent_evidence_of_compulsory_age(
    seeded,
):
    # Issue #17: "open threshold cases"; the threshold counts only pupils of compulsory school
    # age, and no case opens on a window older than 12 school weeks.
    cases = ThresholdCase.objects.filter(closed_at__isnull=True).select_related("pupil")
    assert set(cases.values_list("school__name", flat=True)) == set(
        School.objects.values_list("name", flat=True)
    )
    for case in cases:
        assert case.opened_on == TODAY and case.sessions >= 10
        assert TODAY - case.window_end < timedelta(weeks=16)
        for day in (case.window_start, case.window_end):
            assert compulsory_school_age_problem(case.pupil.date_of_birth, day) is None
    assert Mark.objects.filter(code_id="G").exists() and Mark.objects.filter(code_id="U").exists()


def test_today_has_work_in_hand_ladder_letters_leave_and_parents_reports(seeded):
    # Issue #17: "ladder letters due, leave waiting for the head, pending parent reports".
    from penalties.selectors.ladder import ladder_letters_due

    for school in School.objects.select_related("federation"):
        assert ladder_letters_due(school=school, kind="absence", as_of=TODAY).due, school.name
        assert LeaveRequest.objects.filter(
            school=school, decision=LeaveDecision.PENDING, first_day__gt=TODAY
        ).exists()
        assert ParentReport.objects.filter(school=school, status="pending").exists()
    # The weekly ladder run's crossings are those of pupils with 30 possible sessions or more.
    assert LadderStep.objects.exists()
    assert not LadderStep.objects.filter(possible__lt=30).exists()


def test_some_pupils_are_persistent_and_one_or_two_severe_absentees(seeded):
    # Persistent absence: missing 10% or more of possible sessions; severe: 50% or more.
    pupils = _per_pupil(THIS_YEAR_FIRST_DAY, TODAY)
    persistent = pupils.filter(attended__lt=F("possible") * 0.9).count()
    severe = pupils.filter(attended__lte=F("possible") * 0.5).count()
    assert 0.05 < persistent / pupils.count() < 0.3
    assert 1 <= severe <= 4


def test_open_N_codes_are_only_on_the_last_school_days(seeded):
    # N must be replaced within 5 school days, so only the most recent days can still be open.
    last_days = sorted(
        set(SchoolDay.objects.filter(date__lte=TODAY).values_list("date", flat=True))
    )
    open_days = set(Mark.objects.filter(code_id=NOT_YET_ESTABLISHED).values_list("date", flat=True))
    assert TODAY in open_days
    assert min(open_days) >= last_days[-3]


def test_the_same_day_plans_the_same_demo_as_was_written(seeded):
    # Issue #17: "`seed_demo --today YYYY-MM-DD` gives the same data for the same date".
    first, second = (demo_day(configs=demo_configs(today=TODAY), today=TODAY) for _ in range(2))
    assert first.plan.pupils == second.plan.pupils
    assert first.plan.contacts == second.plan.contacts
    assert first.plan.staff == second.plan.staff
    assert first.events == second.events
    school = first.schools[0]
    planned = [
        (m.upn, m.date, m.session, m.code, m.minutes_late, m.recorded_by, m.recorded_at.timestamp())
        for m in first.history(school)
        if not isinstance(m, PlannedRegister)
    ]
    stored = [
        (*row[:-1], row[-1].timestamp())
        for row in Mark.objects.filter(school__urn=school.urn).values_list(
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
    assert planned == [
        (m.upn, m.date, m.session, m.code, m.minutes_late, m.recorded_by, m.recorded_at.timestamp())
        for m in second.history(school)
        if not isinstance(m, PlannedRegister)
    ]
    assert sorted((p.upn, p.legal_forename, p.legal_surname) for p in first.plan.pupils) == sorted(
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
