"""The dashboards' charts: matplotlib SVG, deterministic, inlined safely, suppression kept."""

import re
from decimal import Decimal

from django.template.loader import render_to_string

from reports import charts

TERM = charts.Series("Autumn 2025", [Decimal("95.1"), Decimal("94.0"), None, Decimal("96.2")])
PREVIOUS = charts.Series("Summer 2025", [Decimal("93.3")] * 12)


def _trend(**overrides) -> charts.Chart:
    arguments = {
        "title": "Attendance by school week",
        "this_term": TERM,
        "previous_term": PREVIOUS,
        "benchmark_pct": Decimal("94.5"),
        "benchmark_label": "National (2023/24) attendance",
        **overrides,
    }
    return charts.trend_chart(**arguments)


def test_the_same_figures_draw_the_same_bytes():
    # Issue #6 brief: deterministic SVG (a fixed hash salt, no dates in the metadata).
    first, second = _trend(), _trend()
    assert first.svg == second.svg
    assert "<dc:date>" not in first.svg and "2026" not in first.svg


def test_a_chart_is_an_inline_svg_element_that_scales_to_the_page():
    svg = str(_trend().svg)
    assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert re.search(r'<svg[^>]* width="100%"', svg) and "viewBox=" in svg
    assert "matplotlib" in svg  # drawn by the charting library, not by hand


def test_the_trend_shows_both_terms_and_the_national_figure_in_its_key_and_description():
    chart = _trend()
    assert [key.label for key in chart.key] == [
        "Autumn 2025",
        "Summer 2025",
        "National (2023/24) attendance",
    ]
    assert "Autumn 2025: 3 weeks, from 94.0% to 96.2%, latest 96.2%" in chart.description
    assert "National (2023/24) attendance: 94.5%" in chart.description
    assert "School week of the term" in chart.svg  # text stays text in the SVG


def test_a_term_without_figures_says_so():
    chart = _trend(this_term=charts.Series("Autumn 2025", []), previous_term=None)
    assert "No figures for this period yet" not in chart.svg  # the benchmark is still drawn
    empty = _trend(
        this_term=charts.Series("Autumn 2025", []), previous_term=None, benchmark_pct=None
    )
    assert "No figures for this period yet" in empty.svg
    assert "Autumn 2025: no figures yet" in empty.description


def test_a_suppressed_bar_is_labelled_and_not_drawn_with_a_value():
    # Issue #6: "any cohort cell with fewer than 5 pupils suppressed" - on the chart too.
    chart = charts.bar_chart(
        title="Attendance by cohort",
        bars=[
            charts.Bar("FSM / pupil premium", Decimal("91.2")),
            charts.Bar("EHC plan", None, "fewer than 5 pupils"),
        ],
        reference_pct=Decimal("95.0"),
        reference_label="All pupils",
    )
    assert "91.2%" in chart.svg and "fewer than 5 pupils" in chart.svg
    assert chart.description == (
        "FSM / pupil premium: 91.2%; EHC plan: fewer than 5 pupils; All pupils: 95.0%"
    )
    assert chart.svg.count("<text") > 0 and "None" not in chart.svg


def test_labels_are_escaped_in_the_svg():
    chart = _trend(this_term=charts.Series("<script>alert(1)</script>", [Decimal("90")]))
    bars = charts.bar_chart(
        title="t",
        bars=[charts.Bar("<b>&</b>", Decimal("90"))],
        reference_pct=None,
        reference_label="",
    )
    assert "<script>" not in chart.svg
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in bars.svg and "<b>" not in bars.svg


def test_the_chart_include_inlines_our_svg_and_escapes_the_words():
    chart = _trend(this_term=charts.Series("Autumn <2025>", [Decimal("95")]))
    html = render_to_string("reports/_chart.html", {"chart": chart})
    assert chart.svg in html  # not escaped: our own drawing
    assert 'aria-label="Attendance by school week. Autumn &lt;2025&gt;: 1 weeks' in html
    assert "<li>" in html and "Autumn &lt;2025&gt;</li>" in html


def test_a_label_with_dollar_signs_is_drawn_as_plain_text_not_mathematics():
    # Issue #21 finding 6: "A school name containing $...$ breaks the federation overview for
    # the whole federation: matplotlib reads it as mathematics."
    names = ["St Mary's $\\frac{1}{0}$ Primary", "Costs $5 and $6", "$\\undefinedmacro$"]
    chart = charts.bar_chart(
        title="Attendance by school",
        bars=[charts.Bar(name, Decimal("95.0")) for name in names],
        reference_pct=Decimal("94.5"),
        reference_label="National",
    )
    for name in names:
        assert name in chart.svg
    trend = _trend(this_term=charts.Series("$Autumn$ term", TERM.values))
    assert "$Autumn$ term" in trend.description
