"""`manage.py rebuild_pupil_weeks [--school URN]`: count the pupil weeks, and the term totals,
again from the marks.

Triggers keep them equal to the marks (registers/lib/pupil_weeks.py); this is for marks written
with the triggers off, as by `pg_restore --disable-triggers`, or after a migration changes what
a code counts as. Marks cannot be written while it runs (about 25 s per 10 million).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from registers.lib.pupil_weeks import pupil_terms_rebuild, pupil_weeks_rebuild
from registers.models import School


class Command(BaseCommand):
    help = "Count every pupil's marks by school week again (the figures' weekly counts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", metavar="URN", help="Only this school.")

    def handle(self, *args: Any, **options: Any) -> None:
        school_ids = None
        if options["school"]:
            school_ids = list(
                School.objects.filter(urn=options["school"]).values_list("pk", flat=True)
            )
            if not school_ids:
                raise CommandError(f"No school has the URN {options['school']}.")
        with transaction.atomic():
            weeks = pupil_weeks_rebuild(connection, school_ids=school_ids)
            terms = pupil_terms_rebuild(connection, school_ids=school_ids)
        self.stdout.write(f"{weeks:,} pupil weeks counted from the marks.")
        self.stdout.write(f"{terms:,} pupil term totals counted from the marks.")
