"""Checking one pupil record of an import file (a CSV row, a CTF <Pupil>) field by field.

Shared by `pupil_import` and `ctf_parse`, which differ only in their words: each file's own
names for its fields, how it says a required field is empty and how it writes dates.
"""

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError

from registers.lib.text import one_line_text_problem
from registers.lib.upn import upn_problem
from registers.lib.year_groups import normalise_year_group, validate_year_group


class FieldChecks:
    """Collects in `problems` what is wrong with a record's fields; each check returns the value.

    Values come in already stripped. `missing` ends the message for an empty required field
    ("is missing", "is blank"); `parse_date` raises ValueError in words for the office.
    """

    def __init__(self, *, missing: str, parse_date: Callable[[str], date]) -> None:
        self.problems: list[str] = []
        self.missing = missing
        self.parse_date = parse_date

    def text(self, value: str, label: str, *, limit: int | None, required: bool = True) -> str:
        if required and not value:
            self.problems.append(f"{label} {self.missing}")
        if limit and len(value) > limit:
            self.problems.append(f"{label} is longer than {limit} characters")
        if problem := one_line_text_problem(value):
            self.problems.append(f"{label} {problem}")
        return value

    def date(self, value: str, label: str, *, required: bool = True) -> date | None:
        if not value:
            if required:
                self.problems.append(f"{label} {self.missing}")
            return None
        try:
            return self.parse_date(value)
        except ValueError as error:
            self.problems.append(f"{label}: {error}")
            return None

    def upn(self, value: str, label: str) -> str:
        """The UPN in capitals; a wrong one is named in the message (the file holds it)."""
        upn = value.upper()
        if not upn:
            self.problems.append(f"{label} {self.missing}")
        elif problem := upn_problem(upn):
            self.problems.append(f"UPN {upn}: {problem}")
        return upn

    def year_group(self, value: str, label: str, *, prefix: str = "", required: bool = True) -> str:
        """The year group as the register writes it ("" if none given and not `required`);
        `prefix` starts each message if it is not one we know."""
        year_group = normalise_year_group(value)
        if not year_group:
            if required:
                self.problems.append(f"{label} {self.missing}")
        else:
            try:
                validate_year_group(year_group)
            except ValidationError as error:
                self.problems.extend(f"{prefix}{message}" for message in error.messages)
        return year_group
