"""The statistics' keys by join (registers/selectors/statistics.py), figures without code counts,
and charts drawn once per set of figures (reports/charts.py): issue #6's performance work."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from registers.models import Term
from registers.selectors.statistics import figures_by, figures_for
from reports import charts
from tests.factories import GroupMembershipFactory, RegistrationGroupFactory
from tests.test_figures import END, START, pupil_with

pytestmark = pytest.mark.django_db


def test_a_day_in_two_classes_counts_once_in_the_class_joined_latest(school):
    # Rule: a mark belongs to the class the pupil was in that day (the latest joined), once.
    tutor_group = RegistrationGroupFactory(school=school, name="4A")
    booster = RegistrationGroupFactory(school=school, name="Booster")
    pupil = pupil_with(school, ["/"] * 20)  # Monday 8 to Friday 19 September
    GroupMembershipFactory(group=tutor_group, pupil=pupil, start_date=date(2025, 9, 1))
    GroupMembershipFactory(
        group=booster, pupil=pupil, start_date=date(2025, 9, 15), end_date=date(2025, 9, 16)
    )

    groups = figures_by(school_ids=[school.pk], start=START, end=END, by="group")

    assert groups[booster.pk].attended == 4  # Monday and Tuesday of the second week
    assert groups[tutor_group.pk].attended == 16  # before it and after it
    assert sum(figures.possible for figures in groups.values()) == 20


def test_a_day_in_two_overlapping_terms_counts_once_in_the_earlier(school):
    # Rule: one key per mark; a date in two terms (bad data) belongs to the earlier term.
    autumn = Term.objects.get(school=school)
    Term.objects.create(school=school, name="Overlap", start=date(2025, 9, 10), end=END)
    pupil_with(school, ["/"] * 6 + ["N"] * 4)

    terms = figures_by(school_ids=[school.pk], start=START, end=END, by="term")

    assert list(terms) == [autumn.pk]
    assert terms[autumn.pk].possible == 10
    assert terms[autumn.pk].unauthorised == 4


def test_figures_without_codes_are_the_same_figures_with_no_count_per_code(school, other_school):
    # Issue #6: dashboards show no code, so they ask for no count per code.
    pupil_with(school, ["/", "N", "I", "X"], sen_support=True)
    pupil_with(school, ["/", "/", "G", "/"], year_group="4")
    pupil_with(other_school, ["I", "I"])
    ids = [school.pk, other_school.pk]

    for by in ("school", "year_group", "week", "cohort", "term", "pupil"):
        full = figures_by(school_ids=ids, start=START, end=END, by=by)
        lean = figures_by(school_ids=ids, start=START, end=END, by=by, codes=False)
        assert {
            key: (f.pupils, f.possible, f.attended, f.absent, f.persistent)
            for key, f in full.items()
        } == {
            key: (f.pupils, f.possible, f.attended, f.absent, f.persistent)
            for key, f in lean.items()
        }
        assert all(figures.by_code == {} for figures in lean.values())
    whole = figures_for(school_ids=ids, start=START, end=END)
    assert whole.by_code == {"/": 2, "\\": 2, "N": 1, "I": 3, "X": 1, "G": 1}
    assert figures_for(school_ids=ids, start=START, end=END, codes=False).possible == 9


def test_a_chart_is_drawn_once_for_the_same_figures(monkeypatch):
    # Issue #6: charts cached by a hash of their inputs (aggregates only); same inputs, same SVG.
    cache.clear()
    drawn = []
    draw = charts._svg
    monkeypatch.setattr(charts, "_svg", lambda figure: drawn.append(1) or draw(figure))
    bars = [charts.Bar("SEN support", Decimal("91.5")), charts.Bar("EHC plan", None, "few")]

    first = charts.bar_chart(title="By cohort", bars=bars, reference_pct=None, reference_label="")
    again = charts.bar_chart(title="By cohort", bars=bars, reference_pct=None, reference_label="")
    other = charts.bar_chart(
        title="By cohort", bars=bars[:1], reference_pct=None, reference_label=""
    )

    assert len(drawn) == 2  # the first and the other, not again
    assert again == first and again.svg == first.svg
    assert other.svg != first.svg
    cache.clear()
    assert (
        charts.bar_chart(title="By cohort", bars=bars, reference_pct=None, reference_label="").svg
        == first.svg
    )  # drawn anew, the same bytes
