"""The dashboards' charts, drawn by matplotlib as SVG strings to inline in a page or a PDF.

Why SVG from matplotlib: a maintained library draws the axes and the text, and the same string
goes into the page (scaled to the phone's width) and into the governors' PDF (WeasyPrint renders
inline SVG). Only numbers and our own labels go in, never a pupil's name.

The output is deterministic, so a chart of the same figures is the same bytes (reproducible
reports, and tests that compare): a fixed `svg.hashsalt` for the element ids, no date in the
metadata. Each chart is its own `Figure` with the Agg-based SVG canvas, not pyplot, so nothing
is shared between requests or threads.
"""

import functools
import hashlib
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import TYPE_CHECKING, Any

import matplotlib
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# No display on a server. pyplot is never imported (each chart is its own Figure), so this only
# guards against a library that does import it choosing an interactive backend.
matplotlib.use("Agg")

# Colours that stay apart for the common colour-vision deficiencies (Okabe-Ito).
THIS_TERM = "#0072B2"
PREVIOUS_TERM = "#E69F00"
BENCHMARK = "#555555"
BAR = "#0072B2"
RC: "dict[RcKeyType, Any]" = {
    "svg.hashsalt": "attendance-dashboards",
    "svg.fonttype": "none",  # text stays text: smaller, selectable, read by screen readers
    # Labels are plain text: matplotlib would read "$...$" in a school's name as mathematics
    # (and fail on it, taking the federation overview down with it).
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# Drawing a chart takes matplotlib some 50-100 ms; a chart is drawn once per set of figures and
# then taken from Django's cache. Raise this when the drawing changes, so old drawings are not
# served. The key is a hash of the chart's inputs, all aggregates and our own labels.
DRAWING_VERSION = 3
CACHE_SECONDS = 7 * 24 * 3600
LABEL_WIDTH = 32  # characters of a bar's label per line: longer names wrap
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')
# matplotlib's one <style> block: the page's Content-Security-Policy allows no <style> element
# (style-src 'self'), so its two rules become presentation attributes of the <svg>, inherited.
_STYLE = re.compile(r"\s*<defs>\s*<style[^>]*>.*?</style>\s*</defs>", re.DOTALL)


@dataclass(frozen=True)
class Key:
    """One entry of a chart's key, drawn in HTML beside the SVG (so screen readers and the PDF's
    text layer have it, and matplotlib need not lay out a legend)."""

    label: str
    colour: str
    style: str  # "solid", "dashed" or "dotted", as CSS border styles


@dataclass(frozen=True)
class Chart:
    """A drawn chart: the SVG (ours, so safe to inline), its key, and the words for those who
    cannot see it."""

    title: str
    description: str
    svg: SafeString
    key: tuple[Key, ...] = ()


@dataclass(frozen=True)
class Series:
    """One line of the trend chart: a percentage per school week of a term (None: no figures
    that week, or too few pupils to show)."""

    label: str
    values: Sequence[Decimal | None]


@dataclass(frozen=True)
class Bar:
    """One bar; `value` None is drawn as no bar with `note` (e.g. "fewer than 5 pupils")."""

    label: str
    value: Decimal | None
    note: str = ""


def _cached(draw: Callable[..., "Chart"]) -> Callable[..., "Chart"]:
    """`draw` once per distinct inputs (keyword arguments only), kept in Django's cache."""

    @functools.wraps(draw)
    def cached(**inputs: object) -> Chart:
        described = repr((draw.__name__, DRAWING_VERSION, sorted(inputs.items())))
        key = "chart:" + hashlib.sha256(described.encode()).hexdigest()
        chart = cache.get(key)
        if chart is None:
            # Every text of the chart is made under RC (a text reads some settings when made).
            with matplotlib.rc_context(RC):
                chart = draw(**inputs)
            cache.set(key, chart, CACHE_SECONDS)
        return chart

    return cached


@_cached
def trend_chart(
    *,
    title: str,
    this_term: Series,
    previous_term: Series | None,
    benchmark_pct: Decimal | None,
    benchmark_label: str,
) -> Chart:
    """Attendance % by school week of the term, this term against the previous one, with the
    national figure as a reference line."""
    figure, axes = _figure(width=7.0, height=3.0, left=0.7, bottom=0.5)
    lines = [(this_term, THIS_TERM, "-", "solid")]
    if previous_term is not None:
        lines.append((previous_term, PREVIOUS_TERM, "--", "dashed"))
    key = []
    plotted: list[float] = []
    for series, colour, style, css_style in lines:
        values = [float("nan") if v is None else float(v) for v in series.values]
        known = [v for v in series.values if v is not None]
        if known:
            # NaN leaves a gap: a week without figures is not drawn as a straight line.
            weeks = range(1, len(values) + 1)
            axes.plot(weeks, values, style, color=colour, marker="o", markersize=3)
            plotted.extend(float(v) for v in known)
        key.append(Key(series.label, colour, css_style))
    if benchmark_pct is not None:
        axes.axhline(float(benchmark_pct), color=BENCHMARK, linestyle=":")
        plotted.append(float(benchmark_pct))
        key.append(Key(benchmark_label, BENCHMARK, "dotted"))
    bottom = _percent_floor(plotted)
    axes.set_ylim(bottom, 100.5)
    axes.set_yticks(_percent_ticks(bottom))
    weeks_shown = max(len(this_term.values), len(previous_term.values) if previous_term else 0, 1)
    axes.set_xlim(0.5, weeks_shown + 0.5)
    step = 1 if weeks_shown <= 8 else 2
    axes.set_xticks(range(1, weeks_shown + 1, step))
    axes.set_xlabel("School week of the term")
    axes.set_ylabel("Attendance %")
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    if not plotted:
        _no_figures(axes)
    description = "; ".join(
        f"{series.label}: " + (_describe_values(series.values) or "no figures yet")
        for series, *_rest in lines
    )
    if benchmark_pct is not None:
        description += f"; {benchmark_label}: {benchmark_pct}%"
    return Chart(title=title, description=description, svg=_svg(figure), key=tuple(key))


@_cached
def bar_chart(
    *, title: str, bars: Sequence[Bar], reference_pct: Decimal | None, reference_label: str
) -> Chart:
    """Horizontal bars of attendance % (cohorts, year groups or schools), with a reference line
    (the whole school, or the national figure). Suppressed bars are labelled, not drawn."""
    # Long names (a school's) wrap onto a second line, and the margin is made for the longest
    # line at matplotlib's 10 pt (about 0.09 inch a character), so no name is cut off.
    labels = [textwrap.fill(bar.label, LABEL_WIDTH) for bar in bars]
    lines = [line for label in labels for line in label.splitlines()]
    longest_line = max((len(line) for line in lines), default=0)
    line_height = 0.3 if all("\n" not in label for label in labels) else 0.45
    figure, axes = _figure(
        width=7.0,
        height=0.7 + line_height * max(len(bars), 1),
        left=0.25 + 0.09 * longest_line,
        bottom=0.45,
    )
    positions = list(range(len(bars)))[::-1]  # the first bar at the top
    shown = [(y, bar) for y, bar in zip(positions, bars, strict=True) if bar.value is not None]
    values = [float(bar.value) for _y, bar in shown if bar.value is not None]
    # A bar's length is its value: the axis starts at 0, or a small difference looks large.
    left = 0.0
    if shown:
        axes.barh(
            [y for y, _value in shown], [v - left for v in values], left=left, color=BAR, height=0.6
        )
        for (y, _bar), value in zip(shown, values, strict=True):
            axes.text(value + 0.2, y, f"{value:.1f}%", va="center", fontsize=8)
    for y, bar in zip(positions, bars, strict=True):
        if bar.value is None:
            axes.text(
                left + 0.2,
                y,
                bar.note or "no figures",
                va="center",
                fontsize=8,
                color="#555555",
                style="italic",
            )
    key: tuple[Key, ...] = ()
    if reference_pct is not None:
        axes.axvline(float(reference_pct), color=BENCHMARK, linestyle=":")
        key = (Key(reference_label, BENCHMARK, "dotted"),)
    axes.set_yticks(positions, labels)
    axes.set_xlim(left, 108.0)  # room for the value printed past a bar of 100%
    axes.set_xticks(_percent_ticks(left))
    axes.set_ylim(-0.6, max(len(bars), 1) - 0.4)
    axes.set_xlabel("Attendance %")
    if not bars:
        _no_figures(axes)
    description = "; ".join(
        f"{bar.label}: {bar.value}%" if bar.value is not None else f"{bar.label}: {bar.note}"
        for bar in bars
    )
    if reference_pct is not None:
        description += f"; {reference_label}: {reference_pct}%"
    return Chart(title=title, description=description, svg=_svg(figure), key=key)


def _percent_floor(values: Sequence[float]) -> float:
    """Where a percentage axis starts: at most 90, a little below the lowest value, a multiple
    of 5, never below 0 (attendance mostly sits in the 90s, where differences matter)."""
    lowest = min([*values, 92.0])
    return max(0.0, 5.0 * ((lowest - 2.0) // 5.0))


def _percent_ticks(floor: float) -> list[float]:
    """A handful of ticks from `floor` to 100: fixed ticks, as matplotlib's tick finding is a
    large part of drawing a chart."""
    span = 100.0 - floor
    step = next(s for s in (2.5, 5.0, 10.0, 20.0, 25.0) if span / s <= 5)
    ticks = []
    tick = floor
    while tick <= 100.0:
        ticks.append(tick)
        tick += step
    return ticks


def _figure(*, width: float, height: float, left: float, bottom: float) -> tuple[Figure, Axes]:
    """A figure with margins given in inches. Fixed margins rather than matplotlib's
    constrained layout, which draws every chart twice to measure it (half the time of a
    dashboard's request)."""
    with matplotlib.rc_context(RC):
        figure = Figure(figsize=(width, height))
        FigureCanvasSVG(figure)
        figure.subplots_adjust(
            left=left / width, right=1 - 0.15 / width, bottom=bottom / height, top=1 - 0.1 / height
        )
        axes = figure.add_subplot()
    return figure, axes


def _svg(figure: Figure) -> SafeString:
    """The figure as an inline <svg> element that scales to its container's width."""
    buffer = StringIO()
    with matplotlib.rc_context(RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    # The viewBox keeps the proportions; the page sets the width (a phone's, or the PDF's).
    svg = _STYLE.sub("", svg, count=1)
    svg = _SIZE.sub(
        r'<svg\1 width="100%" preserveAspectRatio="xMidYMid meet"'
        ' stroke-linejoin="round" stroke-linecap="butt"',
        svg,
        count=1,
    )
    return mark_safe(svg)  # noqa: S308 - drawn here from numbers and escaped labels only


def _no_figures(axes: Axes) -> None:
    axes.text(
        0.5,
        0.5,
        "No figures for this period yet",
        transform=axes.transAxes,
        ha="center",
        va="center",
        color="#555555",
    )


def _describe_values(values: Sequence[Decimal | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return ""
    return f"{len(known)} weeks, from {min(known)}% to {max(known)}%, latest {known[-1]}%"
