"""How dates and percentages read on every page (issue #22: "dates as 'Fri 5 Sep 2025 AM' and
percentages to one decimal place everywhere"). Loaded as a builtin (settings.TEMPLATES), so
every template has them without `{% load %}`."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def day(value: date | None) -> str:
    """Fri 5 Sep 2025 (a moment: its day in the school's time zone)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value:%a} {value.day} {value:%b %Y}"


@register.filter
def session_day(value: date | None, session: str = "") -> str:
    """Fri 5 Sep 2025 AM: a date and, when given, its session."""
    text = day(value)
    return f"{text} {session}".strip() if text else ""


@register.filter
def pct(value: Decimal | float | int | str | None) -> str:
    """95.0%: a percentage to one decimal place (rounded half up, as the DfE's tables); a
    figure that does not exist is a dash, never 0."""
    if value is None or value == "":
        return "–"
    try:
        number = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return "–"
    return f"{number}%"
