"""The statistics module: DfE figures on hand-made marks (registers/selectors/statistics.py)."""

from datetime import date
from decimal import Decimal

import pytest

from registers.codes import code_catalogue
from registers.models import SchoolDay
from registers.selectors.statistics import (
    COHORT_NAMES,
    Figures,
    figures_by,
    figures_for,
    percent,
    suppressed,
)
from tests.factories import (
    EnrolmentFactory,
    GroupMembershipFactory,
    MarkFactory,
    PupilFactory,
    RegistrationGroupFactory,
)

pytestmark = pytest.mark.django_db

START = date(2025, 9, 8)  # Monday of the second school week of the autumn term
END = date(2025, 12, 19)


def school_sessions(school, count: int, first: date = START) -> list[tuple[date, str]]:
    """The school's next `count` sessions from `first`, in order."""
    sessions = []
    for day in SchoolDay.objects.filter(school=school, date__gte=first).order_by("date"):
        for session, open_ in (("AM", day.am), ("PM", day.pm)):
            if open_:
                sessions.append((day.date, session))
    return sessions[:count]


def pupil_with(school, codes: list[str], *, first: date = START, **pupil_fields):
    """A pupil on roll with one mark per code, on consecutive sessions from `first`."""
    pupil = PupilFactory(**pupil_fields)
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2025, 9, 1))
    add_marks(pupil, school, codes, first=first)
    return pupil


def add_marks(pupil, school, codes: list[str], *, first: date = START) -> None:
    sessions = school_sessions(school, len(codes), first)
    for (day, session), code in zip(sessions, codes, strict=True):
        if code == "/" and session == "PM":
            code = "\\"
        MarkFactory(pupil=pupil, school=school, date=day, session=session, code_id=code)


def test_each_code_group_counts_as_the_dfe_method_says(school):
    # Rules: attendance % = attended / possible; approved educational activity counts as
    # attendance; X, D, # and Y1-Y7 are not possible sessions.
    codes = ["/", "\\", "L", "V", "I", "C2", "N", "U", "X", "Y4", "D", "#"]
    pupil_with(school, codes)

    figures = figures_for(school_ids=[school.pk], start=START, end=END)

    assert figures.possible == 8
    assert figures.attended == 4
    assert figures.authorised == 2
    assert figures.unauthorised == 2
    assert figures.by_code == {code: 1 for code in codes}
    assert figures.attendance_pct == Decimal("50.0")
    assert figures.absence_pct == Decimal("50.0")
    assert figures.authorised_pct == Decimal("25.0")
    assert figures.unauthorised_pct == Decimal("25.0")
    assert figures.pupils == 1
    assert (figures.persistent, figures.severe) == (1, 1)


def test_a_pupil_with_only_sessions_that_are_not_possible_is_not_counted(school):
    # Rule: "possible session" = a session the pupil was expected to attend.
    pupil_with(school, ["X", "X", "#", "Q"])

    figures = figures_for(school_ids=[school.pk], start=START, end=END)

    assert figures.pupils == 0
    assert figures.possible == 0
    assert figures.by_code == {"X": 2, "#": 1, "Q": 1}
    assert figures.attendance_pct is None
    assert figures.persistent_pct is None


def test_missing_exactly_ten_percent_is_persistent_absence(school):
    # Rule: persistent absence is missing 10 % or more of possible sessions.
    exactly = pupil_with(school, ["/"] * 18 + ["I", "N"])
    just_under = pupil_with(school, ["/"] * 19 + ["I"] + ["X"] * 2 + ["/"])

    by_pupil = figures_by(school_ids=[school.pk], start=START, end=END, by="pupil")

    assert by_pupil[exactly.pk].absence_pct == Decimal("10.0")
    assert by_pupil[exactly.pk].persistent == 1
    assert by_pupil[exactly.pk].is_persistent
    assert by_pupil[just_under.pk].absence_pct == Decimal("4.8")
    assert by_pupil[just_under.pk].persistent == 0
    school_figures = figures_for(school_ids=[school.pk], start=START, end=END)
    assert (school_figures.pupils, school_figures.persistent, school_figures.severe) == (2, 1, 0)
    assert school_figures.persistent_pct == Decimal("50.0")


def test_missing_exactly_half_is_severe_absence(school):
    # Rule: severe absence is missing 50 % or more of possible sessions.
    exactly = pupil_with(school, ["/", "/", "/", "G", "O", "M"])
    under = pupil_with(school, ["/", "/", "/", "/", "G", "O", "M"])

    by_pupil = figures_by(school_ids=[school.pk], start=START, end=END, by="pupil")

    assert by_pupil[exactly.pk].severe == 1
    assert by_pupil[exactly.pk].is_severe
    assert by_pupil[under.pk].severe == 0
    assert by_pupil[under.pk].persistent == 1
    assert by_pupil[under.pk].absence_pct == Decimal("42.9")


def test_percentages_round_half_up_to_one_place():
    # Rule: percentages to one decimal place.
    assert percent(1, 16) == Decimal("6.3")  # 6.25
    assert percent(2, 3) == Decimal("66.7")
    assert percent(1, 0) is None
    assert Figures(possible=8, attended=7).attendance_pct == Decimal("87.5")


def test_the_period_is_inclusive_of_both_dates(school):
    # Rule: figures over a week, half term, term, year or any dates.
    pupil_with(school, ["N"] * 10)  # Monday 8 to Friday 12 September

    week = figures_for(school_ids=[school.pk], start=date(2025, 9, 8), end=date(2025, 9, 12))
    tuesday = figures_for(school_ids=[school.pk], start=date(2025, 9, 9), end=date(2025, 9, 9))

    assert week.possible == 10
    assert tuesday.possible == 2


def test_figures_by_week_are_keyed_by_the_monday_of_each_school_week(school):
    # Rule: a school week is a week in which the school has at least one session.
    pupil_with(school, ["/"] * 10 + ["N"] * 4)

    weeks = figures_by(school_ids=[school.pk], start=START, end=END, by="week")

    assert sorted(weeks) == [date(2025, 9, 8), date(2025, 9, 15)]
    assert weeks[date(2025, 9, 8)].attendance_pct == Decimal("100.0")
    assert weeks[date(2025, 9, 15)].unauthorised == 4
    assert weeks[date(2025, 9, 15)].severe == 1


def test_a_pupil_who_changes_class_counts_in_each_class_for_its_own_days(school):
    # Rule: figures at class level; a mark belongs to the class the pupil was in that day.
    first = RegistrationGroupFactory(school=school, name="3A")
    second = RegistrationGroupFactory(school=school, name="3B")
    mover = pupil_with(school, ["/"] * 10 + ["N"] * 10)
    GroupMembershipFactory(
        group=first, pupil=mover, start_date=date(2025, 9, 1), end_date=date(2025, 9, 14)
    )
    GroupMembershipFactory(group=second, pupil=mover, start_date=date(2025, 9, 15))

    groups = figures_by(school_ids=[school.pk], start=START, end=END, by="group")

    assert groups[first.pk].attended == 10
    assert groups[first.pk].unauthorised == 0
    assert groups[second.pk].unauthorised == 10
    assert groups[second.pk].severe == 1
    assert groups[first.pk].pupils == groups[second.pk].pupils == 1


def test_cohorts_count_each_pupil_in_every_cohort_they_belong_to(school):
    # Rule: figures for SEN support, EHC plan, FSM / pupil premium, social worker, medical.
    pupil_with(school, ["/", "N"], sen_support=True, fsm=True)
    pupil_with(school, ["/", "/"], ehc_plan=True)
    pupil_with(school, ["/", "/"])

    cohorts = figures_by(school_ids=[school.pk], start=START, end=END, by="cohort")

    assert tuple(cohorts) == COHORT_NAMES
    assert cohorts["SEN support"].possible == 2
    assert cohorts["SEN support"].severe == 1
    assert cohorts["FSM / pupil premium"].unauthorised == 1
    assert cohorts["EHC plan"].attendance_pct == Decimal("100.0")
    assert cohorts["Social worker"] == Figures()
    assert cohorts["All pupils"].pupils == 3
    assert cohorts["All pupils"].possible == 6


def test_year_groups_and_schools_are_keys(school, other_school):
    # Rule: figures at year-group, school and federation level.
    pupil_with(school, ["/", "N"], year_group="3")
    pupil_with(school, ["/", "/"], year_group="4")
    pupil_with(other_school, ["I", "I"], year_group="4")

    years = figures_by(school_ids=[school.pk], start=START, end=END, by="year_group")
    schools = figures_by(school_ids=[school.pk, other_school.pk], start=START, end=END, by="school")

    assert years["3"].unauthorised == 1
    assert years["4"].attended == 2
    assert schools[school.pk].possible == 4
    assert schools[other_school.pk].authorised == 2
    assert figures_for(school_ids=[other_school.pk], start=START, end=END).severe == 1


def test_persistent_absence_is_per_pupil_per_school_across_a_federation(school, other_school):
    # Rule: persistent absence is counted per enrolment (a pupil at one school).
    pupil = pupil_with(school, ["/"] * 10)
    EnrolmentFactory(pupil=pupil, school=other_school, start_date=date(2025, 9, 1))
    add_marks(pupil, other_school, ["N"] * 10)

    federation = figures_for(school_ids=[school.pk, other_school.pk], start=START, end=END)

    assert federation.pupils == 2
    assert federation.persistent == 1
    assert federation.attendance_pct == Decimal("50.0")


def test_some_pupils_figures_leave_out_the_others(school):
    # Rule: figures for a pupil or a group of pupils.
    absent = pupil_with(school, ["N", "N"])
    pupil_with(school, ["/", "/"])

    figures = figures_for(school_ids=[school.pk], start=START, end=END, pupil_ids=[absent.pk])

    assert figures.possible == 2
    assert figures.attended == 0


def test_figures_by_pupil_for_some_pupils_gives_each_of_them_only(school):
    # Rule: figures for a pupil or a group of pupils (the ladder, a case's pupil).
    first = pupil_with(school, ["N", "/"])
    second = pupil_with(school, ["/", "/", "X"])
    pupil_with(school, ["/", "/"])

    rows = figures_by(
        school_ids=[school.pk], start=START, end=END, by="pupil", pupil_ids=[first.pk, second.pk]
    )

    assert set(rows) == {first.pk, second.pk}
    assert (rows[first.pk].possible, rows[first.pk].attended) == (2, 1)
    assert (rows[second.pk].possible, rows[second.pk].by_code["X"]) == (2, 1)


def test_attendance_below_a_percentage_is_strict_and_exact():
    # Rule: "below 95%" is strictly below; 94.96 % (shown rounded as 95.0 %) is still below.
    assert not Figures(possible=20, attended=19).attendance_below(95)
    assert Figures(possible=10000, attended=9496).attendance_below(Decimal("95"))
    assert Figures(possible=10000, attended=9496).attendance_pct == Decimal("95.0")
    assert not Figures(possible=200, attended=185).attendance_below(Decimal("92.5"))
    assert Figures(possible=200, attended=184).attendance_below(Decimal("92.5"))
    assert not Figures().attendance_below(95)


def test_small_cohorts_are_suppressed():
    # Rule: cohort cells with fewer than five pupils are not shown on aggregate-only views.
    assert suppressed(Figures(pupils=4))
    assert not suppressed(Figures(pupils=5))


@pytest.mark.parametrize("pupils", [3, 30])
def test_each_report_is_one_query_however_many_pupils(school, pupils, django_assert_num_queries):
    # Rule: computed in the database with one aggregate query per report.
    group = RegistrationGroupFactory(school=school)
    for _ in range(pupils):
        pupil = pupil_with(school, ["/", "N", "I", "X"])
        GroupMembershipFactory(group=group, pupil=pupil)
    code_catalogue()  # read once per process

    for by in ("school", "group", "year_group", "week", "pupil", "cohort"):
        with django_assert_num_queries(1):
            figures_by(school_ids=[school.pk], start=START, end=END, by=by)
    with django_assert_num_queries(1):
        assert figures_for(school_ids=[school.pk], start=START, end=END).pupils == pupils


def test_an_unknown_grouping_is_refused(school):
    with pytest.raises(ValueError, match="cannot be grouped"):
        figures_by(school_ids=[school.pk], start=START, end=END, by="house")
