"""`manage.py retention_run [--federation NAME] [--dry-run]`: delete entries past retention.

Runs for every federation unless one is named, prints the cut-off and the counts per kind.
The nightly Celery beat task (`retention.tasks.retention_run_for_every_federation`) does the same.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from registers.models import Federation
from retention.services import retention_run


class Command(BaseCommand):
    help = "Delete register entries older than each federation's retention period (6 years+)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--federation", help="Only this federation (its name).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        federations = Federation.objects.order_by("name")
        if options["federation"]:
            federations = federations.filter(name=options["federation"])
            if not federations.exists():
                raise CommandError(f"No federation is called {options['federation']!r}.")
        today = timezone.localdate()
        for federation in federations:
            run = retention_run(federation=federation, today=today, dry_run=options["dry_run"])
            verb = "would delete" if run.dry_run else "deleted"
            counts = ", ".join(f"{key} {value}" for key, value in run.counts.items())
            self.stdout.write(
                f"{federation.name}: entries before {run.cutoff.isoformat()}: {verb} {counts}"
            )
