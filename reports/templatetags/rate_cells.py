"""A dashboard row's figure cells, drawn in Python: the federation overview has over a hundred
rows, and a template included for each was most of its page's time (issue #23)."""

from typing import Any

from django import template
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

NONE = "—"


def _cell(value: Any, suffix: str = "", *, prefix: str = "") -> SafeString:
    if value is None:
        return format_html('<td class="num">{}</td>', NONE)
    return format_html('<td class="num">{}{}{}</td>', prefix, localize(value), suffix)


@register.simple_tag
def rate_cells(row: Any, gap: bool = False) -> SafeString:
    """Pupils and five rates of a `reports.selectors.dashboards.Row`, or a single cell saying
    why none is shown ("no sessions recorded", "fewer than 5 pupils"); `gap` adds the
    attendance gap column after attendance."""
    if row.withheld:
        return format_html(
            '<td colspan="{}" class="{}"><em>{}</em></td>',
            7 if gap else 6,
            "no-sessions" if row.no_sessions else "suppressed",
            row.withheld,
        )
    cells = [_cell(row.pupils), _cell(row.attendance, "%")]
    if gap:
        cells.append(_cell(row.gap, prefix="+" if row.gap is not None and row.gap > 0 else ""))
    cells += [
        _cell(row.authorised, "%"),
        _cell(row.unauthorised, "%"),
        _cell(row.persistent, "%"),
        _cell(row.severe, "%"),
    ]
    return mark_safe("\n".join(cells))  # each cell escaped by format_html
