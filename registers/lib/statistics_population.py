"""Which pupils the DfE's absence statistics count, by age on one date: the one definition.

The national figures cover pupils aged 5 to 15 on 31 August before the school year (the DfE's
absence methodology; four-year-olds are published separately), and the school census's
attendance return pupils aged 4 to 15 on that day. Unlike compulsory school age
(registers/lib/school_age.py), which brings a reception pupil in from their prescribed day
during the year, this is an age on one date, so the pupils of a school year are those born
between two dates: for the school year beginning in September of `year`, from 1 September of
`year - 16` to 31 August of `year - 5`. A pupil aged 4 on 31 August is out of the figures for
the whole school year, though they turn 5 in it.

A session's school year is the one `academic_year_start` gives (from 1 August, as the census
counts its autumn term), so the census return and the figures agree on every session.
"""

from datetime import date, timedelta
from typing import NamedTuple

from registers.lib.calendar import academic_year_start

YOUNGEST, OLDEST = 5, 15  # on 31 August before the school year


class SchoolYearSpan(NamedTuple):
    """The days of a period within one school year (1 August to 31 July)."""

    school_year: int  # the calendar year it began
    first: date
    last: date


def born_aged_on_31_august(
    *, school_year: int, youngest: int = YOUNGEST, oldest: int = OLDEST
) -> tuple[date, date]:
    """The first and last dates of birth of pupils aged `youngest` to `oldest` on 31 August
    before the school year beginning in September of `school_year` (both dates included). By
    default the DfE's absence statistics' population, 5 to 15."""
    return date(school_year - oldest - 1, 9, 1), date(school_year - youngest, 8, 31)


def school_year_spans(start: date, end: date) -> list[SchoolYearSpan]:
    """The period `start` to `end` (inclusive) cut where a school year begins, in order: a
    pupil's age on 31 August decides for each part separately."""
    spans = []
    first = start
    while first <= end:
        year = academic_year_start(first)
        last = min(end, date(year + 1, 8, 1) - timedelta(days=1))
        spans.append(SchoolYearSpan(year, first, last))
        first = last + timedelta(days=1)
    return spans
