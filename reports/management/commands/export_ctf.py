"""`export_ctf --school URN --upn UPN --dest-lea LEA --dest-estab ESTAB FILE.xml`: a leaver's
Common Transfer File for the school they went to, recorded in the disclosure log."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from registers.models import Pupil, School
from reports.ctf_export import ctf_export


class Command(BaseCommand):
    help = (
        "Write the Common Transfer File of a pupil who has left the school (deleted from the "
        "admission register with a destination) for the school they went to. The export is "
        "recorded in the disclosure log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, metavar="URN", help="the school left")
        parser.add_argument("--upn", required=True, metavar="UPN", help="the pupil's UPN")
        parser.add_argument(
            "--dest-lea", required=True, metavar="LEA", help="the new school's LA number"
        )
        parser.add_argument(
            "--dest-estab",
            required=True,
            metavar="ESTAB",
            help="the new school's establishment number (its DfE number's last 4 digits)",
        )
        parser.add_argument("file", type=Path, help="where to write the CTF (XML)")

    def handle(
        self,
        *args,
        school: str,
        upn: str,
        dest_lea: str,
        dest_estab: str,
        file: Path,
        **options,
    ) -> None:
        found = School.objects.filter(urn=school.strip()).first()
        if found is None:
            raise CommandError(f"No school has URN {school}; check the --school value.")
        pupil = (
            Pupil.objects.filter(upn=upn.strip().upper(), enrolments__school=found)
            .distinct()
            .first()
        )
        if pupil is None:
            raise CommandError(f"No pupil with UPN {upn} was ever on roll at {found.name}.")
        try:
            ctf = ctf_export(
                school=found, pupil=pupil, dest_lea=dest_lea, dest_estab=dest_estab, by=None
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        file.write_bytes(ctf.data)
        self.stdout.write(
            f"{file}: the CTF of UPN {pupil.upn} for {dest_lea}{dest_estab} "
            f"(a school would name it {ctf.name})."
        )
