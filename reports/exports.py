"""The tables of the report pages, drawn the same way on the page and as CSV, and the termly
census-style file. A page's table and its CSV are one object, so every table has its export.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.http import HttpResponse

from registers.codes import CodeGroup, code_catalogue
from registers.lib.csv_files import csv_response
from registers.models import School, Term
from reports.selectors.pupils import pupil_figures

Cell = str | int | Decimal | date | None


@dataclass(frozen=True)
class Link:
    """A cell that links to another page on screen; its text alone in the CSV."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Table:
    name: str  # the `table=` of its CSV
    title: str
    header: Sequence[str]
    rows: list[Sequence[Cell | Link]]
    empty: str = "Nothing to show."
    numeric: frozenset[int] = field(default_factory=frozenset)  # right-aligned columns
    shown: bool = True  # False: a download only (the page draws the same data otherwise)

    @property
    def has_blanks(self) -> bool:
        """A cell without a figure: a rate over no possible session (shown "–", explained)."""
        return any(cell is None for row in self.rows for cell in row)


def table_csv(*, table: Table, school: School, day: date) -> HttpResponse:
    return csv_response(
        filename=f"{table.name}-{school.urn}-{day.isoformat()}.csv",
        header=table.header,
        rows=table.rows,
    )


def census_codes() -> list[str]:
    """Every code, in the catalogue's order; the withdrawn ones (history only) last."""
    codes = code_catalogue().values()
    return [
        code.code
        for code in sorted(
            codes, key=lambda code: (code.group == CodeGroup.WITHDRAWN, code.display_order)
        )
    ]


CENSUS_FIXED = [
    "upn",
    "legal_surname",
    "legal_forename",
    "year_group",
    "possible_sessions",
    "attended",
    "authorised_absence",
    "unauthorised_absence",
]


def census_table(*, school: School, term: Term) -> Table:
    """Per pupil with a mark in the term: possible sessions and the sessions of every code (the
    census asks, per pupil and term, for possible sessions and sessions missed by reason)."""
    codes = census_codes()
    rows: list[Sequence[Cell | Link]] = [
        [
            row.upn,
            row.legal_surname,
            row.legal_forename,
            row.year_group,
            row.figures.possible,
            row.figures.attended,
            row.figures.authorised,
            row.figures.unauthorised,
            *(row.figures.by_code[code] for code in codes),
        ]
        for row in pupil_figures(school_id=school.pk, start=term.start, end=term.end)
    ]
    return Table(
        name="census",
        title=f"Census: {term.name}",
        header=[*CENSUS_FIXED, *(f"code {code}" for code in codes)],
        rows=rows,
    )


def census_csv(*, school: School, term: Term, table: Table) -> HttpResponse:
    """The census table of `term` (`census_table`) as its file."""
    slug = term.name.lower().replace(" ", "-")
    return csv_response(
        filename=f"census-{school.urn}-{slug}.csv", header=table.header, rows=table.rows
    )
