"""Figures from the pupil weeks are the figures from the marks (registers/selectors/statistics.py).

Issue #6 (the dashboards' speed): pages that show no count per code add up whole weeks from
`PupilWeek` and read marks only for the part weeks at the ends of a period. Whatever the
period, the answer must be the one counted from every mark (`codes=True` still does that),
including marks on a weekend and marks of days to come, which decide whether a part week may
be read from its week.
"""

import random
from datetime import date, timedelta

import pytest
from django.db.models import F

from registers.models import PupilWeek
from registers.selectors.statistics import figures_by
from tests.factories import EnrolmentFactory, MarkFactory, PupilFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2025, 9, 8)
CODES = ["/", "/", "/", "L", "U", "N", "I", "M", "G", "O", "X", "D", "#", "P", "B", "C", "Q"]


def _figures(school_ids, start, end, by, *, codes, pupil_ids=None):
    return {
        key: (
            f.pupils,
            f.possible,
            f.attended,
            f.authorised,
            f.unauthorised,
            f.persistent,
            f.severe,
        )
        for key, f in figures_by(
            school_ids=school_ids, start=start, end=end, by=by, codes=codes, pupil_ids=pupil_ids
        ).items()
    }


@pytest.fixture
def marked(school, other_school):
    """Six pupils at two schools with random marks over three weeks, some on a Saturday."""
    rng = random.Random(6)
    pupils = []
    for number in range(6):
        home = school if number < 4 else other_school
        pupil = PupilFactory(year_group=str(3 + number % 2), sen_support=number % 3 == 0)
        EnrolmentFactory(pupil=pupil, school=home, start_date=date(2025, 9, 1))
        for offset in range(21):
            day = MONDAY + timedelta(days=offset)
            if day.weekday() == 6 or (day.weekday() == 5 and rng.random() < 0.7):
                continue
            for session in ("AM", "PM"):
                if rng.random() < 0.9:
                    code = rng.choice(CODES)
                    if code == "/" and session == "PM":
                        code = "\\"
                    MarkFactory(pupil=pupil, school=home, date=day, session=session, code_id=code)
        pupils.append(pupil)
    return pupils


def test_any_period_has_the_same_figures_from_the_weeks_as_from_the_marks(
    marked, school, other_school
):
    ids = [school.pk, other_school.pk]
    days = [MONDAY - timedelta(days=1) + timedelta(days=offset) for offset in range(23)]
    for start in days:
        for end in days:
            if end < start:
                continue
            for by in ("pupil", "week"):
                assert _figures(ids, start, end, by, codes=False) == _figures(
                    ids, start, end, by, codes=True
                ), (start, end, by)


def test_every_grouping_the_weeks_serve_gives_the_figures_of_the_marks(
    marked, school, other_school
):
    ids = [school.pk, other_school.pk]
    some = [pupil.pk for pupil in marked[::2]]
    periods = [
        (MONDAY, MONDAY + timedelta(days=20)),  # three whole weeks
        (MONDAY + timedelta(days=2), MONDAY + timedelta(days=11)),  # Wednesday to Friday
        (MONDAY + timedelta(days=3), MONDAY + timedelta(days=3)),  # one day
    ]
    for start, end in periods:
        for by in ("school", "pupil", "year_group", "cohort", "week"):
            for pupil_ids in (None, some):
                assert _figures(ids, start, end, by, codes=False, pupil_ids=pupil_ids) == (
                    _figures(ids, start, end, by, codes=True, pupil_ids=pupil_ids)
                ), (start, end, by, pupil_ids)


def test_a_period_ending_on_friday_reads_that_week_from_the_weeks_unless_it_has_later_marks(
    school, django_assert_num_queries
):
    # A term ends on a Friday; a mark already entered for the Saturday after (a school trip,
    # a leave of absence typed in ahead) belongs to the week but not to the term.
    pupil = PupilFactory()
    EnrolmentFactory(pupil=pupil, school=school, start_date=date(2025, 9, 1))
    friday = MONDAY + timedelta(days=4)
    for offset in range(5):
        MarkFactory(pupil=pupil, school=school, date=MONDAY + timedelta(days=offset), code_id="/")
    # A probe, not data: 100 more attended sessions in the week's count show where a figure
    # was read from.
    PupilWeek.objects.update(attended=F("attended") + 100)

    with django_assert_num_queries(1):
        from_the_week = _figures([school.pk], MONDAY, friday, "pupil", codes=False)
    MarkFactory(pupil=pupil, school=school, date=friday + timedelta(days=1), code_id="N")
    from_the_marks = _figures([school.pk], MONDAY, friday, "pupil", codes=False)

    assert from_the_week == {pupil.pk: (1, 105, 105, 0, 0, 0, 0)}
    assert from_the_marks == {pupil.pk: (1, 5, 5, 0, 0, 0, 0)}
