"""A school's attendance figures for any dates, by the DfE method
(registers/selectors/statistics.py).

The JSON output is a contract other tools read: keep its names.
"""

import json
from argparse import ArgumentParser
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from registers.models import School
from registers.selectors.statistics import Figures, figures_for
from reports.selectors.pupils import pupil_figures


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}.") from None


def _number(pct: Decimal | None) -> float | None:
    """One decimal place, as a JSON number (None when there were no possible sessions)."""
    return None if pct is None else float(pct)


def school_json(school: School, figures: Figures) -> dict:
    return {
        "urn": school.urn,
        "name": school.name,
        "pupils": figures.pupils,
        "possible": figures.possible,
        "attended": figures.attended,
        "authorised": figures.authorised,
        "unauthorised": figures.unauthorised,
        "attendance_pct": _number(figures.attendance_pct),
        "absence_pct": _number(figures.absence_pct),
        "authorised_pct": _number(figures.authorised_pct),
        "unauthorised_pct": _number(figures.unauthorised_pct),
        "persistent": figures.persistent,
        "persistent_pct": _number(figures.persistent_pct),
        "severe": figures.severe,
        "severe_pct": _number(figures.severe_pct),
        "by_code": dict(sorted(figures.by_code.items())),
    }


class Command(BaseCommand):
    help = (
        "Print a school's attendance figures (possible sessions, attendance, authorised and "
        "unauthorised absence, persistent and severe absence) from --from to --to inclusive."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--school", metavar="URN", required=True, help="6-digit URN.")
        parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", required=True)
        parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", required=True)
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _date(options["start"], "--from")
        end = _date(options["end"], "--to")
        if end < start:
            raise CommandError("--to is before --from.")
        school = School.objects.filter(urn=options["school"]).first()
        if school is None:
            raise CommandError(f"No school has URN {options['school']!r}.")
        totals = figures_for(school_ids=[school.pk], start=start, end=end)
        pupils = pupil_figures(school_id=school.pk, start=start, end=end)
        if options["json"]:
            output = {
                "school": school_json(school, totals),
                "pupils": [
                    {
                        "upn": row.upn,
                        "possible": row.figures.possible,
                        "attended": row.figures.attended,
                        "authorised": row.figures.authorised,
                        "unauthorised": row.figures.unauthorised,
                        "attendance_pct": _number(row.figures.attendance_pct),
                        "persistent": row.figures.is_persistent,
                        "severe": row.figures.is_severe,
                    }
                    for row in pupils
                ],
            }
            self.stdout.write(json.dumps(output, indent=2))
            return
        self.stdout.write(f"{school.name} (URN {school.urn}), {start:%d/%m/%Y} - {end:%d/%m/%Y}")
        self.stdout.write(
            f"{totals.pupils} pupils, {totals.possible} possible sessions, "
            f"attendance {_pct_text(totals.attendance_pct)}, authorised absence "
            f"{_pct_text(totals.authorised_pct)}, unauthorised {_pct_text(totals.unauthorised_pct)}"
        )
        self.stdout.write(
            f"Persistent absence: {totals.persistent} ({_pct_text(totals.persistent_pct)}); "
            f"severe: {totals.severe} ({_pct_text(totals.severe_pct)})"
        )
        self.stdout.write(
            f"{'UPN':<13} {'Possible':>8} {'Attended':>8} {'Auth':>5} {'Unauth':>6} "
            f"{'Att %':>6}  Flags"
        )
        for row in pupils:
            figures = row.figures
            flags = "severe" if figures.is_severe else "persistent" if figures.is_persistent else ""
            self.stdout.write(
                f"{row.upn:<13} {figures.possible:>8} {figures.attended:>8} "
                f"{figures.authorised:>5} {figures.unauthorised:>6} "
                f"{_pct_text(figures.attendance_pct):>6}  {flags}"
            )


def _pct_text(pct: Decimal | None) -> str:
    return "-" if pct is None else f"{pct}%"
