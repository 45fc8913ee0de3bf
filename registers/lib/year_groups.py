"""National curriculum year groups, in school order: CBDS D00020 "NC Year Group"."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from core.parsing import whole_number

# Years 1 to 14, then M (a mixed year class) and X (the national curriculum not followed: a
# special school's pupils following no particular year), as D00020 lists them.
YEAR_GROUPS: tuple[str, ...] = ("N1", "N2", "R", *(str(n) for n in range(1, 15)), "M", "X")
_LABELS = {"M": "Mixed year class", "X": "National curriculum not followed"}
YEAR_GROUP_CHOICES = [(y, _LABELS.get(y, f"Year {y}" if y.isdigit() else y)) for y in YEAR_GROUPS]


def normalise_year_group(value: object) -> str:
    """YAML and CSV give years as numbers or strings ('4', 4, 'Y4', 'r'); store one spelling."""
    text = str(value).strip().upper()
    if text.startswith("Y") and whole_number(text[1:]) is not None:
        text = text[1:]
    number = whole_number(text)
    return text if number is None else str(number)


def validate_year_group(value: str) -> None:
    if value not in YEAR_GROUPS:
        raise ValidationError(
            f"Unknown year group '{value}': use one of {', '.join(YEAR_GROUPS)}.",
            code="unknown_year_group",
        )


def validate_year_group_list(value: list) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("List at least one year group.", code="no_year_groups")
    for year in value:
        validate_year_group(year)
    if len(set(value)) != len(value):
        raise ValidationError("A year group is listed twice.", code="duplicate_year_group")


def phase_overlap_problems(phases: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """Year groups listed in two phases (name, year groups) of one school."""
    phase_of: dict[str, str] = {}
    problems = []
    for phase, years in phases:
        for year in years:
            if year in phase_of:
                problems.append(
                    f"Year group {year} is in both '{phase_of[year]}' and '{phase}': "
                    "each year group keeps the times of one phase."
                )
            phase_of.setdefault(year, phase)
    return problems
