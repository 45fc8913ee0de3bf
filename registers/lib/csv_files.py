"""The one writer of every CSV file the site hands out: each cell made safe for a spreadsheet.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula when
the file is opened in a spreadsheet: a pupil named `=HYPERLINK(...)` (through an import or a
CTF) would become a live link in the local authority's copy. Such a cell is written with a
leading apostrophe, which spreadsheets show as text. Numbers stay numbers. Every export,
whatever app it belongs to, writes through `csv_response`; `tests/test_exports.py` checks that
no other module makes a `csv.writer`.
"""

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.http import HttpResponse

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(cell: object) -> str | int:
    """A cell as written: dates as YYYY-MM-DD, None as blank, text that a spreadsheet would run
    as a formula behind an apostrophe."""
    if cell is None:
        return ""
    if isinstance(cell, int):
        return cell
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Decimal):
        return str(cell)
    text = str(cell)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """A CSV download of `rows` under `header`, every cell through `csv_text`."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([csv_text(cell) for cell in header])
    writer.writerows([csv_text(cell) for cell in row] for row in rows)
    return response
