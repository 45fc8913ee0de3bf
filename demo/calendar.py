"""The demo's calendars: the shipped federations' own terms, and terms for a school year they
do not list yet, as a local authority might set them.

The demo is built around a day (`seed_demo --today`): the school year it falls in and the one
before. The files in `school_config/` list a few school years; for a day beyond them the demo
adds that year's terms (and the early May bank holiday) to the configuration it loads, never
to the files.
"""

from datetime import date, timedelta
from typing import Any

from registers.lib.calendar import AM, PM, academic_year_start

# A holiday (school closed) is longer than a weekend plus a bank holiday: a half term ends there.
HALF_TERM_GAP = timedelta(days=7)


def weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def first_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def last_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def school_year_terms(start_year: int) -> list[dict]:
    """An English school year's three terms, as a local authority might set them.

    For 2025/26 these are the dates the threshold benchmark always used: 3 Sep - 19 Dec 2025,
    5 Jan - 27 Mar 2026, 13 Apr - 22 Jul 2026, with the half terms of 27 Oct, 16 Feb and 25 May.
    """
    year, next_year = start_year, start_year + 1

    def week_of(day: date) -> tuple[date, date]:
        monday = weekday_on_or_before(day, 0)
        return monday, monday + timedelta(days=4)

    autumn_half = week_of(date(year, 10, 28))
    spring_half = week_of(date(next_year, 2, 17))
    # The late May bank holiday week: the last Monday of May.
    summer_half = week_of(weekday_on_or_before(date(next_year, 5, 31), 0))
    return [
        {
            "name": f"Autumn {year}",
            "start": first_weekday(date(year, 9, 3)),
            "end": weekday_on_or_before(date(year, 12, 20), 4),
            "half_term_start": autumn_half[0],
            "half_term_end": autumn_half[1],
        },
        {
            "name": f"Spring {next_year}",
            "start": weekday_on_or_after(date(next_year, 1, 5), 0),
            "end": weekday_on_or_before(date(next_year, 3, 28), 4),
            "half_term_start": spring_half[0],
            "half_term_end": spring_half[1],
        },
        {
            "name": f"Summer {next_year}",
            "start": weekday_on_or_after(date(next_year, 4, 13), 0),
            "end": last_weekday(date(next_year, 7, 22)),
            "half_term_start": summer_half[0],
            "half_term_end": summer_half[1],
        },
    ]


def may_bank_holiday(start_year: int) -> date:
    """The early May bank holiday of the school year starting in `start_year`."""
    return weekday_on_or_after(date(start_year + 1, 5, 1), 0)


def demo_school_years(today: date) -> tuple[int, int]:
    """The two school years the demo fills: the one before `today`'s, and `today`'s own (a
    school year runs from 1 August, so a day of the summer holiday belongs to the next)."""
    year = academic_year_start(today)
    return year - 1, year


def _in_school_year(day: date, year: int) -> bool:
    return date(year, 8, 1) <= day <= date(year + 1, 7, 31)


def with_demo_terms(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    """A federation's configuration (as read from its YAML) with terms added for each of the
    demo's school years none of its schools' terms fall in; the same document otherwise."""
    schools = []
    for entry in data["schools"]:
        terms = list(entry.get("terms") or [])
        closures = list(entry.get("closures") or [])
        for year in demo_school_years(today):
            if any(_in_school_year(term["start"], year) for term in terms):
                continue
            terms += school_year_terms(year)
            closures.append(
                {"date": may_bank_holiday(year), "sessions": [AM, PM], "reason": "Bank holiday"}
            )
        schools.append({**entry, "terms": terms, "closures": closures})
    return {**data, "schools": schools}


def half_terms(sessions: tuple[tuple[date, str], ...]) -> list[list[tuple[date, str]]]:
    """The calendar's sessions cut at every holiday: one list per half term."""
    parts: list[list[tuple[date, str]]] = []
    previous = None
    for day, session in sessions:
        if previous is None or day - previous > HALF_TERM_GAP:
            parts.append([])
        parts[-1].append((day, session))
        previous = day
    return parts
