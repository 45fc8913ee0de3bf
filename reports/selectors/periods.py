"""The periods the pages report on: this week, this term, this school year."""

from dataclasses import dataclass
from datetime import date

from registers.lib.calendar import (
    academic_year_end,
    academic_year_label,
    academic_year_start,
    school_year_start,
    week_start,
)
from registers.models import School, Term


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


def week_to_date(*, day: date) -> Period:
    """Monday of `day`'s week to `day`."""
    return Period(f"Week of {week_start(day):%d %B %Y}", week_start(day), day)


def school_year(*, day: date) -> Period:
    """1 August to 31 July, the school year containing `day`."""
    return Period(
        academic_year_label(academic_year_start(day)),
        school_year_start(day),
        academic_year_end(day),
    )


def current_term(*, school: School, day: date) -> Term | None:
    """The term containing `day`, else the last one before it (a holiday shows the term just
    ended), else the first one to come."""
    terms = Term.objects.filter(school=school)
    return (
        terms.filter(start__lte=day).order_by("-start").first() or terms.order_by("start").first()
    )


def term_to_date(*, term: Term, day: date) -> Period:
    """The term's start to `day` (or to its end, once it has ended)."""
    end = min(term.end, day) if day >= term.start else term.end
    return Period(term.name, term.start, max(end, term.start))


def is_whole_terms(*, school: School, start: date, end: date) -> bool:
    """Whether `start` to `end` is one or more whole terms of the school: the first day of one
    of its terms to the last day of one (the same or a later one)."""
    terms = Term.objects.filter(school=school)
    return (
        start <= end
        and terms.filter(start=start).exists()
        and terms.filter(end=end, end__gte=start).exists()
    )
