"""The demo's classes: how each shipped school might organise its pupils.

Small rural primaries teach mixed-age classes; Lord Scudamore, in Hereford, is two-form entry
with a nursery; Marden keeps one class per year. Sizes stay within the infant class-size limit
(30). A school added to the YAML later gets one class per year group of its session times.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ClassLayout:
    name: str
    year_groups: tuple[str, ...]
    size: int


def _c(name: str, years: str, size: int) -> ClassLayout:
    return ClassLayout(name, tuple(years.split()), size)


SCHOOL_LAYOUTS: dict[str, tuple[ClassLayout, ...]] = {
    "kingscaple": (
        _c("Wrens", "R", 17),
        _c("Robins", "1 2", 24),
        _c("Finches", "3", 18),
        _c("Owls", "4", 19),
        _c("Kestrels", "5 6", 28),
    ),
    "llangrove": (
        _c("Acorns", "R", 18),
        _c("Saplings", "1", 17),
        _c("Hazel", "2 3", 26),
        _c("Oak", "4 5", 27),
        _c("Ash", "6", 19),
    ),
    "lordscudamore": (
        _c("Nursery", "N1 N2", 26),
        _c("RA", "R", 27),
        _c("RB", "R", 26),
        _c("1A", "1", 28),
        _c("1B", "1", 27),
        _c("2A", "2", 26),
        _c("2B", "2", 28),
        _c("3A", "3", 27),
        _c("3B", "3", 26),
        _c("4A", "4", 28),
        _c("4B", "4", 27),
        _c("5A", "5", 26),
        _c("5B", "5", 28),
        _c("6A", "6", 27),
        _c("6B", "6", 26),
    ),  # fmt: skip
    "marden": (
        _c("Reception", "R", 26),
        _c("Year 1", "1", 26),
        _c("Year 2", "2", 27),
        _c("Year 3", "3", 28),
        _c("Year 4", "4", 25),
        _c("Year 5", "5", 26),
        _c("Year 6", "6", 27),
    ),
    "pencombe": (
        _c("Bluebells", "R 1", 18),
        _c("Foxgloves", "2 3", 20),
        _c("Hawthorns", "4", 15),
        _c("Rowans", "5 6", 22),
    ),
    "stweonards": (
        _c("Badgers", "R", 17),
        _c("Hedgehogs", "1", 18),
        _c("Squirrels", "2 3", 26),
        _c("Foxes", "4", 20),
        _c("Otters", "5 6", 28),
    ),
    "sutton": (
        _c("Poppies", "R", 24),
        _c("Daisies", "1", 23),
        _c("Sunflowers", "2", 25),
        _c("Elm", "3", 26),
        _c("Beech", "4", 24),
        _c("Cedar", "5 6", 28),
    ),
    "luston": (
        _c("Nursery", "N1 N2", 24),
        _c("Cherry", "R", 22),
        _c("Apple", "1", 23),
        _c("Pear", "2", 24),
        _c("Plum", "3", 25),
        _c("Quince", "4", 24),
        _c("Walnut", "5 6", 28),
    ),
    "shobdon": (
        _c("Kites", "R", 17),
        _c("Swifts", "1 2", 26),
        _c("Buzzards", "3 4", 27),
        _c("Ravens", "5 6", 28),
    ),
}

# Words that end the distinctive part of a school's name: "Kings Caple Primary Academy".
_NAME_ENDINGS = {"primary", "ce", "academy", "school", "community", "infant", "junior"}


def school_slug(name: str) -> str:
    """The school's part of a username: 'St Weonards Primary School' gives 'stweonards'."""
    words = []
    for word in name.split():
        if word.lower() in _NAME_ENDINGS:
            break
        words.append(word)
    return re.sub(r"[^a-z0-9]", "", "".join(words or name.split()).lower())


def school_layout(slug: str, year_groups: list[str]) -> tuple[ClassLayout, ...]:
    if slug in SCHOOL_LAYOUTS:
        return SCHOOL_LAYOUTS[slug]
    return tuple(
        _c("Reception" if year == "R" else f"Year {year}", year, 20)
        for year in year_groups
        if year not in ("N1", "N2")
    )


def class_position(year_groups: tuple[str, ...]) -> str:
    """The teacher's position title, as printed on amendments: 'Years 5 and 6 teacher'."""
    if set(year_groups) <= {"N1", "N2"}:
        return "Nursery teacher"
    names = ["Reception" if y == "R" else y for y in year_groups]
    if len(names) == 1:
        return "Reception teacher" if names[0] == "Reception" else f"Year {names[0]} teacher"
    if names[0] == "Reception":
        rest = names[1:]
        years = "Year " + rest[0] if len(rest) == 1 else "Years " + " and ".join(rest)
        return f"Reception and {years} teacher"
    return f"Years {', '.join(names[:-1])} and {names[-1]} teacher"


def class_years_label(year_groups: tuple[str, ...]) -> str:
    """'Year 4', 'Years 5-6', 'Reception-Year 1', 'Nursery'."""
    if set(year_groups) <= {"N1", "N2"}:
        return "Nursery"
    names = ["Reception" if y == "R" else f"Year {y}" for y in year_groups]
    if len(names) == 1:
        return names[0]
    if names[0] == "Reception":
        return f"Reception-{names[-1]}"
    return f"Years {year_groups[0]}-{year_groups[-1]}"
