"""`import_ctf --school URN FILE.xml`: pupils, contacts and attendance from a DfE CTF."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError, FileRejected
from registers.imports.csv_rows import parse_date
from registers.imports.ctf import ctf_import
from registers.imports.ctf_parse import read_ctf_file
from registers.models import School


def _entry_date(value: str) -> date:
    try:
        return parse_date(value.strip())
    except ValueError as error:
        raise CommandError(f"--entry-date: {error}") from None


class Command(BaseCommand):
    help = (
        "Import pupils (UPN, names, date of birth, year group, starting day), their contacts "
        "and attendance history from a DfE Common Transfer File (CTF 23 or later; a partial "
        "file updates pupils on roll and adds none). Nothing is saved if any pupil in the file "
        "is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, metavar="URN", help="the school's URN")
        parser.add_argument(
            "--entry-date",
            metavar="YYYY-MM-DD",
            help="the first day at this school of pupils whose file does not give one "
            "(a CTF from the previous school carries no starting day here)",
        )
        parser.add_argument("file", type=Path)

    def handle(
        self, *args, school: str, file: Path, entry_date: str | None = None, **options
    ) -> None:
        found = School.objects.filter(urn=school.strip()).first()
        if found is None:
            raise CommandError(f"No school has URN {school}; check the --school value.")
        first_day = _entry_date(entry_date) if entry_date else None
        try:
            data = read_ctf_file(file)
            result = ctf_import(school=found, data=data, name=file.name, entry_date=first_day)
        except FileRejected as rejected:
            for problem in rejected.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{file.name}: {rejected.message}") from None
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{found.name}: {result.summary()}")
        for skipped in result.skipped:
            self.stdout.write(str(skipped))
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
