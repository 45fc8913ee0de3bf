"""The shape shared by the CSV import commands: `--school URN FILE.csv`, all or nothing."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError, FileRejected
from registers.imports.csv_rows import Row, read_csv_file
from registers.models import School


class CsvImportCommand(BaseCommand):
    """Subclasses name their columns and the service that imports the rows."""

    required_columns: tuple[str, ...]
    optional_columns: tuple[str, ...]
    service: Callable[..., Any]  # keyword-only (school=, rows=), returning a result with summary()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, metavar="URN", help="the school's URN")
        parser.add_argument("file", type=Path)

    def handle(self, *args, school: str, file: Path, **options) -> None:
        found = School.objects.filter(urn=school.strip()).first()
        if found is None:
            raise CommandError(f"No school has URN {school}; check the --school value.")
        try:
            rows: list[Row] = read_csv_file(
                file, required=self.required_columns, optional=self.optional_columns
            )
            result = self.service(school=found, rows=rows)
        except FileRejected as rejected:
            for problem in rejected.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{file.name}: {rejected.message}") from None
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{found.name}: {result.summary()}")
