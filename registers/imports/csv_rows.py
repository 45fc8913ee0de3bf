"""CSV files from a school's MIS or spreadsheet into numbered rows, for the importers.

Both importers take `(line, values)` pairs so that every problem can name the line a person sees
when they open the file (the header is line 1). File-level problems (not UTF-8, columns missing)
stop here; row-level ones are the importers' business.
"""

import csv
import io
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from core.errors import DomainError, FileRejected, RowError

Row = tuple[int, dict[str, str]]

# ASCII digits only: `\d` alone also matches the digits of other scripts.
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
# UK MIS exports and Excel with a UK locale write days first.
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)

_TRUE = {"y", "yes", "true", "1"}
_FALSE = {"", "n", "no", "false", "0"}


class CsvUnreadable(DomainError):
    """The file cannot be read as a CSV of the expected shape; no row was looked at."""


def read_csv_file(
    path: Path, *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[Row]:
    if not path.is_file():
        raise CsvUnreadable(f"{path}: no such file")
    return parse_csv_bytes(path.read_bytes(), name=path.name, required=required, optional=optional)


def parse_csv_bytes(
    data: bytes, *, name: str, required: Sequence[str], optional: Sequence[str] = ()
) -> list[Row]:
    """Every non-blank row, as `(line, {column: stripped value})`, with every known column present.

    Column names are matched without regard to case or surrounding spaces. A column that is
    neither required nor optional is refused rather than ignored: a misspelt optional column
    (`leaving date`) would otherwise import pupils as still on roll without a word.
    """
    try:
        # utf-8-sig drops the byte-order mark Excel puts at the start of "CSV UTF-8" files.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvUnreadable(
            f"{name}: not UTF-8 text (byte {error.start + 1} cannot be read); "
            "save it as 'CSV UTF-8 (comma delimited)'"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CsvUnreadable(f"{name}: the file is empty; the first line must name the columns")
        columns = [cell.strip().lower() for cell in header]
        _check_columns(name, columns, required, optional)
        rows, problems = _rows(reader, columns, known=[*required, *optional])
    except csv.Error as error:
        raise CsvUnreadable(
            f"{name}: not a readable CSV file (line {reader.line_num}: {error})"
        ) from None
    if problems:
        raise FileRejected(problems)
    return rows


def _check_columns(
    name: str, columns: list[str], required: Sequence[str], optional: Sequence[str]
) -> None:
    problems = []
    missing = [column for column in required if column not in columns]
    if missing:
        problems.append(f"missing required column(s): {', '.join(missing)}")
    unknown = [c for c in columns if c and c not in required and c not in optional]
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        problems.append(f"column(s) named twice: {', '.join(repeated)}")
    if problems:
        expected = ", ".join(required)
        if optional:
            expected += f" (optional: {', '.join(optional)})"
        raise CsvUnreadable(f"{name}: {'; '.join(problems)}. The columns are {expected}.")


def _rows(reader, columns: list[str], known: list[str]) -> tuple[list[Row], list[RowError]]:
    rows: list[Row] = []
    problems: list[RowError] = []
    line = reader.line_num
    for cells in reader:
        # A quoted value may span lines, so a row starts just after the previous one ended.
        first_line, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # Excel leaves rows of empty cells at the end of a sheet
        extra = cells[len(columns) :]
        if any(cell.strip() for cell in extra):
            problems.append(
                RowError(
                    first_line,
                    f"this row has {len(cells)} values but the header names {len(columns)} "
                    "columns (is there an unquoted comma in a value?)",
                )
            )
            continue
        values = dict.fromkeys(known, "")
        for column, cell in zip(columns, cells, strict=False):
            if column:
                values[column] = cell.strip()
        rows.append((first_line, values))
    return rows, problems


def parse_date(value: str) -> date:
    """A date as YYYY-MM-DD or DD/MM/YYYY; ValueError with words for the office otherwise."""
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK_DATE.match(value):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise ValueError(f"'{value}' is not a date; write it as YYYY-MM-DD or DD/MM/YYYY")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{value}' is not a real date") from None


def parse_flag(value: str) -> bool:
    """Y/N, yes/no, true/false, 1/0 in any case; blank is no."""
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{value}' is not yes or no; write Y or N (or leave it blank for no)")
