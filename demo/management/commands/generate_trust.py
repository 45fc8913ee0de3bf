from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from demo.trust import TrustResult, trust_generate


class Command(BaseCommand):
    help = (
        "Build a synthetic trust at scale for benchmarks and load tests: schools with calendars, "
        "made-up pupils, parents and staff, and a register mark for every pupil and session of "
        "the years asked for. The same arguments always give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, required=True, help="primary schools")
        parser.add_argument(
            "--pupils-per-school", type=int, required=True, help="pupils in each, R to Year 6"
        )
        parser.add_argument(
            "--years",
            type=int,
            default=1,
            help="school years of marks, ending with 2025/26 (0: the 2025/26 calendar, no marks)",
        )
        parser.add_argument("--seed", type=int, default=1, help="the same seed, the same data")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="empty a database that already has data first (deletes every federation, "
            "pupil, mark and user in it)",
        )

    def handle(
        self,
        *args,
        schools: int,
        pupils_per_school: int,
        years: int,
        seed: int,
        replace: bool,
        **options,
    ) -> None:
        try:
            result = trust_generate(
                schools=schools,
                pupils_per_school=pupils_per_school,
                years=years,
                seed=seed,
                replace=replace,
                progress=self.stdout.write,
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self._report(result)

    def _report(self, result: TrustResult) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Trust generated in {result.seconds:.0f} s: {result.schools} schools, "
                f"{result.groups:,} classes, {result.pupils:,} pupils, {result.contacts:,} "
                f"parents and carers, {result.staff:,} staff, {result.marks:,} marks and "
                f"{result.registers:,} registers taken (calendar {result.first_day:%-d %B %Y} "
                f"to {result.last_day:%-d %B %Y})."
            )
        )
        self.stdout.write(f"Sign-ins (password for all: {result.password}):")
        for login in result.logins:
            note = f"({login.note})" if login.note else ""
            self.stdout.write(f"  {login.role:<18}{login.username:<34}{note}".rstrip())
        self.stdout.write("Every school has the same roles under its own name.")
