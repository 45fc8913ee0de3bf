from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registers.errors import DomainError, FileRejected
from registers.models import School
from registers.services.csv_rows import read_csv_file
from registers.services.mark_import import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, marks_import


class Command(BaseCommand):
    help = (
        f"Import attendance history (marks) from CSV "
        f"(columns {','.join(REQUIRED_COLUMNS)}; optional {','.join(OPTIONAL_COLUMNS)}). "
        "Nothing is saved if any row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, metavar="URN", help="the school's URN")
        parser.add_argument("file", type=Path)

    def handle(self, *args, school: str, file: Path, **options) -> None:
        found = School.objects.filter(urn=school.strip()).first()
        if found is None:
            raise CommandError(f"No school has URN {school}; check the --school value.")
        try:
            rows = read_csv_file(file, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)
            result = marks_import(school=found, rows=rows)
        except FileRejected as rejected:
            for problem in rejected.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{file.name}: {rejected.message}") from None
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{found.name}: {result.summary()}")
