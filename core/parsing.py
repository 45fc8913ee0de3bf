"""Reading numbers, ids and dates typed by people or sent by clients: the one place that does.

Why not `str.isdigit()` and `int()`: `isdigit` accepts `²` and other digits of other scripts
that `int` refuses (a 500), `int` takes Arabic-Indic digits that nobody means, and a number of
thousands of digits costs time and overflows a database column. Here a number is ASCII digits
only, at most 19 of them, within the bounds asked for. Dates are ISO days between
EARLIEST_DAY and LATEST_DAY: arithmetic on a day in year 9999 (the Monday of its week, the day
after) overflows.

The `*_or_400` helpers are for views: a value that cannot be read is Django's `BadRequest`, a
400 ("Not understood"), never a 500; a value that can be read but names nothing is the view's
404 to raise.
"""

from datetime import date

from django.core.exceptions import BadRequest

# The largest bigint (PostgreSQL) and INTEGER (SQLite): no id can be larger.
MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))
# Days a person can mean in this system: registers, terms, reports, history from another system.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
DAY_RANGE = f"from {EARLIEST_DAY:%Y} to {LATEST_DAY:%Y}"


def whole_number(text: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """`text` as a whole number from `minimum` to `maximum`, or None: ASCII digits only
    (surrounding spaces ignored), no sign."""
    text = (text or "").strip()
    if not text or len(text) > _MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def object_id(text: str) -> int | None:
    """An object's id as a client sends it (1 to MAX_ID), or None."""
    return whole_number(text, minimum=1)


def object_id_or_400(text: str, *, name: str) -> int:
    """An id from a form or query; anything else is a 400 naming the parameter (not its value)."""
    found = object_id(text)
    if found is None:
        raise BadRequest(f"{name} must be an id: a whole number from 1 to {MAX_ID}.")
    return found


def iso_day(text: str) -> date | None:
    """A day written YYYY-MM-DD between EARLIEST_DAY and LATEST_DAY, or None."""
    text = (text or "").strip()
    if len(text) != 10 or not text.isascii():
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST_DAY <= day <= LATEST_DAY else None


def iso_day_or_400(text: str, *, name: str) -> date:
    found = iso_day(text)
    if found is None:
        raise BadRequest(f"{name} must be a date written YYYY-MM-DD, {DAY_RANGE}.")
    return found
