"""`manage.py check_pupil_weeks [--school URN] [--json]`: do the weekly counts match the marks?

The pupil weeks are kept equal to the marks by database triggers (registers/lib/pupil_weeks.py).
Marks written with the triggers off (a restore with `pg_restore --disable-triggers`, a bulk load
by hand) leave them wrong, and with them the dashboards, the overview and the threshold's first
pass, silently. This says which schools differ, and exits 1 if any does: run it after a
restore, or from a monitor. `rebuild_pupil_weeks --school URN` puts a school right.

The JSON output is a contract other tools read: keep its names.
"""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from registers.lib.pupil_weeks import pupil_weeks_differing
from registers.models import School


class Command(BaseCommand):
    help = (
        "Compare the weekly counts (pupil weeks) with the marks; list the schools that differ "
        "and exit 1 if any does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", metavar="URN", help="Only this school.")
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print {"schools_checked": n, "differing": [{"urn", "name", "pupil_weeks"}]}.',
        )

    def handle(self, *args: object, **options: object) -> None:
        schools = School.objects.order_by("urn")
        if options["school"]:
            schools = schools.filter(urn=options["school"])
            if not schools:
                raise CommandError(f"No school has the URN {options['school']}.")
        by_id = {school.pk: school for school in schools}
        differing = pupil_weeks_differing(
            connection, school_ids=list(by_id) if options["school"] else None
        )
        rows = [
            {"urn": school.urn, "name": school.name, "pupil_weeks": differing[school.pk]}
            for school in by_id.values()
            if school.pk in differing
        ]
        if options["json"]:
            self.stdout.write(
                json.dumps({"schools_checked": len(by_id), "differing": rows}, indent=2)
            )
        elif not rows:
            self.stdout.write(f"The weekly counts of {len(by_id)} school(s) match their marks.")
        else:
            self.stdout.write(f"{'URN':<7} {'Pupil weeks differing':>21}  School")
            for row in rows:
                self.stdout.write(f"{row['urn']:<7} {row['pupil_weeks']:>21,}  {row['name']}")
        if rows:
            urns = " ".join(row["urn"] for row in rows)
            raise CommandError(
                f"The weekly counts of {len(rows)} school(s) differ from their marks ({urns}): "
                "run `manage.py rebuild_pupil_weeks --school URN` for each.",
                returncode=1,
            )
