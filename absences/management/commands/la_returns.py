"""The returns a school owes its local authority, as of a date (2024 regulations, regulation 13).

The JSON output is a contract other tools read: keep its names.
"""

import json
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from absences.selectors.la_returns import Returns, la_returns
from registers.models import School


def _as_of(value: str | None) -> date:
    if value is None:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {value!r}.") from None


def _as_json(returns: Returns) -> dict:
    return {
        "continuous_absence": [
            {
                "upn": row.pupil.upn,
                "first_day": row.first_day.isoformat(),
                "last_day": row.last_day.isoformat(),
                "school_days": row.school_days,
            }
            for row in returns.continuous_absence
        ],
        "illness": [
            {
                "upn": row.pupil.upn,
                "sessions": row.sessions,
                "first_day": row.first_day.isoformat(),
                "last_day": row.last_day.isoformat(),
                "expected": row.expected is not None,
            }
            for row in returns.illness
        ],
        "new_pupils": [
            {"upn": row.enrolment.pupil.upn, "start_date": row.enrolment.start_date.isoformat()}
            for row in returns.new_pupils
        ],
        "deletions": [
            {
                "upn": row.enrolment.pupil.upn,
                "leaving_date": row.leaving_date.isoformat(),
                "ground": row.enrolment.leaving_reason,
                "destination": row.enrolment.destination,
            }
            for row in returns.deletions
        ],
    }


class Command(BaseCommand):
    help = (
        "The returns owed to the local authority as of --as-of (default today): continuous "
        "absence, illness, new pupils and deletions."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--school", metavar="URN", required=True, help="The school's URN.")
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="Owed on this date.")
        parser.add_argument("--json", action="store_true", help="Print the returns as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _as_of(options["as_of"])
        school = School.objects.filter(urn=options["school"]).first()
        if school is None:
            raise CommandError(f"No school has URN {options['school']!r}.")
        returns = _as_json(la_returns(school=school, as_of=as_of))
        if options["json"]:
            self.stdout.write(json.dumps(returns, indent=2))
            return
        for name, rows in returns.items():
            self.stdout.write(f"{name.replace('_', ' ').capitalize()}: {len(rows)}")
            for row in rows:
                self.stdout.write("  " + ", ".join(f"{key} {value}" for key, value in row.items()))
