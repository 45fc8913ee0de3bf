"""`generate_trust`: a synthetic trust at scale, the same for the same arguments (issue #8)."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from demo.seed import DEMO_PASSWORD
from demo.trust import TRUST_NAME, school_year_terms
from registers.codes import NOT_YET_ESTABLISHED, code_catalogue
from registers.models import (
    Enrolment,
    Federation,
    GroupMembership,
    Mark,
    Membership,
    Pupil,
    PupilContact,
    PupilWeek,
    Register,
    RegistrationGroup,
    Role,
    School,
    SchoolDay,
)
from tests.test_pupil_weeks import assert_weeks_match_marks

pytestmark = pytest.mark.django_db

SMALL = ["--schools", "2", "--pupils-per-school", "9", "--years", "1"]


def generate(*arguments: str) -> str:
    out = StringIO()
    call_command("generate_trust", *arguments, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    """The data by natural keys (not database ids): what must repeat for the same seed."""
    return [
        *Pupil.objects.order_by("upn").values_list(
            "upn", "legal_forename", "legal_surname", "date_of_birth", "year_group", "fsm"
        ),
        *Mark.objects.order_by("pupil__upn", "date", "session").values_list(
            "pupil__upn", "date", "session", "code", "minutes_late", "recorded_by__username"
        ),
        *SchoolDay.objects.order_by("school__urn", "date").values_list(
            "school__urn", "date", "am", "pm", "week_number"
        ),
    ]


@pytest.fixture
def trust() -> str:
    return generate(*SMALL, "--seed", "1")


def test_the_same_seed_gives_the_same_trust_and_another_seed_another(trust):
    # Issue #8: "a deterministic synthetic federation".
    first = snapshot()
    generate(*SMALL, "--seed", "1", "--replace")
    assert snapshot() == first
    generate(*SMALL, "--seed", "2", "--replace")
    assert snapshot() != first


def test_the_counts_follow_the_arguments(trust):
    # Issue #8: --schools 50 --pupils-per-school 500 --years 1 (here 2 x 9 x 1).
    assert list(Federation.objects.values_list("name", flat=True)) == [TRUST_NAME]
    assert School.objects.count() == 2
    assert Enrolment.objects.count() == Pupil.objects.count() == 18
    sessions = sum(int(day.am) + int(day.pm) for day in SchoolDay.objects.all()) // 2
    assert Mark.objects.count() == 18 * sessions
    assert "18 pupils" in trust and f"{18 * sessions:,} marks" in trust


def test_the_calendar_is_the_2025_26_school_year_with_closures():
    # One school year: terms through the config loader, a bank holiday and INSET days closed.
    generate("--schools", "1", "--pupils-per-school", "7", "--years", "1")
    terms = school_year_terms(2025)
    school = School.objects.get()
    assert list(school.terms.values_list("start", "end")) == [
        (term["start"], term["end"]) for term in terms
    ]
    assert school.closures.filter(reason="Bank holiday").count() == 2  # AM and PM
    assert school.closures.filter(reason="INSET").count() == 4
    assert 185 <= SchoolDay.objects.count() <= 195


def test_every_mark_is_on_a_school_session_of_its_pupils_school(trust):
    # A mark is only for a school session (2024 regulations: the register has no other entries).
    open_sessions = {
        (day.school_id, day.date, session)
        for day in SchoolDay.objects.all()
        for session, is_open in (("AM", day.am), ("PM", day.pm))
        if is_open
    }
    marks = set(Mark.objects.values_list("school_id", "date", "session"))
    assert marks <= open_sessions
    assert not Mark.objects.exclude(pupil__enrolments__school=F("school")).exists()


def test_the_pupil_weeks_count_every_mark(trust):
    # Issue #6: the figures add up pupil weeks; loaded with COPY, they are counted at the end.
    assert PupilWeek.objects.exists()
    assert_weeks_match_marks()


def test_every_pupil_is_enrolled_in_a_class_with_contacts(trust):
    # Every pupil on roll is on a class's register and has someone to call.
    pupils = Pupil.objects.annotate(
        enrolments_n=Count("enrolments", distinct=True),
        groups_n=Count("group_memberships", distinct=True),
        contacts_n=Count("pupil_contacts", distinct=True),
    )
    assert pupils.filter(Q(enrolments_n=0) | Q(groups_n=0) | Q(contacts_n=0)).count() == 0
    assert GroupMembership.objects.count() == 18
    assert PupilContact.objects.filter(priority=1).count() == 18


def test_marks_are_plausible_mostly_present_with_absence_and_open_N_only_at_the_end(trust):
    # Issue #8: "plausible marks"; an old unexplained absence is O, not an N left open.
    counts_as = {code: entry.counts_as for code, entry in code_catalogue().items()}
    codes = list(Mark.objects.values_list("code", flat=True))
    attended = sum(counts_as[code] == "attendance" for code in codes)
    assert 0.85 < attended / len(codes) < 0.995
    last_half_term = SchoolDay.objects.order_by("-date").values_list("date", flat=True)[30]
    assert not Mark.objects.filter(code=NOT_YET_ESTABLISHED, date__lt=last_half_term).exists()


def test_each_class_has_its_registers_taken_by_its_teacher(trust):
    # The history reads as registers taken: one per class and session, by the class teacher.
    group = RegistrationGroup.objects.filter(memberships__isnull=False).first()
    sessions = (
        SchoolDay.objects.filter(school=group.school).filter(am=True).count()
        + SchoolDay.objects.filter(school=group.school).filter(pm=True).count()
    )
    assert Register.objects.filter(group=group).count() == sessions
    assert set(Register.objects.filter(group=group).values_list("taken_by", flat=True)) == set(
        group.teachers.values_list("pk", flat=True)
    )


def test_every_school_has_teachers_with_classes_office_lead_and_head_with_the_demo_password(
    trust,
):
    # The load test signs in as these.
    for school in School.objects.all():
        roles = set(Membership.objects.filter(school=school).values_list("role", flat=True))
        assert {Role.TEACHER, Role.OFFICE, Role.ATTENDANCE_LEAD, Role.HEAD} <= roles
        assert RegistrationGroup.objects.filter(school=school, teachers__isnull=True).count() == 0
    teacher = get_user_model().objects.get(username="teacher.ashbrook")
    assert teacher.check_password(DEMO_PASSWORD)


def test_years_0_gives_the_calendar_and_people_without_marks():
    # For the load test: every register of the year still to take.
    generate("--schools", "1", "--pupils-per-school", "7", "--years", "0")
    assert SchoolDay.objects.exists() and Pupil.objects.count() == 7
    assert not Mark.objects.exists() and not Register.objects.exists()


def test_it_refuses_a_database_with_data_unless_told_to_replace_it(trust):
    # Issue #8 brief: never mix with a school's records unless asked.
    before = Mark.objects.count()
    with pytest.raises(CommandError, match="already has data"):
        generate(*SMALL)
    assert Mark.objects.count() == before
    generate("--schools", "1", "--pupils-per-school", "7", "--years", "0", "--replace")
    assert School.objects.count() == 1 and not Mark.objects.exists()
    assert code_catalogue()  # the catalogue (data of a migration) is kept
    assert Mark._meta.get_field("code").related_model.objects.exists()


@pytest.mark.parametrize(
    "arguments",
    [
        ["--schools", "0", "--pupils-per-school", "10"],
        ["--schools", "1", "--pupils-per-school", "3"],
        ["--schools", "1", "--pupils-per-school", "10", "--years", "-1"],
    ],
)
def test_bad_arguments_are_refused_with_the_reason_and_nothing_saved(arguments):
    with pytest.raises(CommandError, match="must be between"):
        generate(*arguments)
    assert not Federation.objects.exists() and not Pupil.objects.exists()
