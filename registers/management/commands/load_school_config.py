from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import FileRejected
from registers.services.school_config import read_config_file, school_config_load


class Command(BaseCommand):
    help = (
        "Create or update a federation, its schools, session times, terms and closures from YAML."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = school_config_load(data=read_config_file(file))
        except FileRejected as rejected:
            for problem in rejected.errors:
                self.stderr.write(str(problem))
            raise CommandError(rejected.message) from None
        self.stdout.write(result.summary())
