"""Who meets the penalty-notice threshold: 10 unauthorised sessions in 10 school weeks.

The JSON output is a contract other tools read: keep its names.
"""

import json
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from penalties.selectors import ThresholdResult, pupils_meeting_threshold
from registers.models import School


def _as_of(value: str | None) -> date:
    if value is None:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {value!r}.") from None


def _as_json(result: ThresholdResult) -> dict:
    return {
        "upn": result.upn,
        "window_start": result.window_start.isoformat(),
        "window_end": result.window_end.isoformat(),
        "sessions": result.sessions,
        "marks": [
            {"date": mark.date.isoformat(), "session": mark.session, "code": mark.code}
            for mark in result.marks
        ],
    }


class Command(BaseCommand):
    help = (
        "List pupils with 10 or more unauthorised sessions (G, N, O, U) within a rolling period "
        "of 10 school weeks ending on or before --as-of (default today)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--school", metavar="URN", help="The school's 6-digit URN.")
        where.add_argument("--federation", metavar="NAME", help="Every school of a federation.")
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="Check up to this date.")
        parser.add_argument("--json", action="store_true", help="Print a JSON list.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _as_of(options["as_of"])
        if options["school"]:
            schools = list(School.objects.filter(urn=options["school"]))
            if not schools:
                raise CommandError(f"No school has URN {options['school']!r}.")
        else:
            schools = list(School.objects.filter(federation__name=options["federation"]))
            if not schools:
                raise CommandError(f"No federation named {options['federation']!r} has schools.")
        results = pupils_meeting_threshold(schools=schools, as_of=as_of)
        if options["json"]:
            self.stdout.write(json.dumps([_as_json(result) for result in results], indent=2))
            return
        if not results:
            self.stdout.write(f"No pupil meets the threshold as of {as_of:%d %B %Y}.")
            return
        urns = {school.pk: school.urn for school in schools}
        self.stdout.write(f"{'URN':<7} {'UPN':<13}  {'Window':<25} Sessions")
        for result in results:
            self.stdout.write(
                f"{urns[result.school_id]:<7} {result.upn:<13}  "
                f"{result.window_start:%d/%m/%Y} - {result.window_end:%d/%m/%Y}  "
                f"{result.sessions:>8}"
            )
        self.stdout.write(f"{len(results)} pupil(s) meet the threshold as of {as_of:%d %B %Y}.")
