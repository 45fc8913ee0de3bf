from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.errors import DomainError
from demo.seed import DemoResult, DemoSignIns, demo_database_has_data, demo_seed, demo_sign_ins


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today: '{text}' is not a date; write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Load demo data into an empty database: both shipped federations, made-up pupils, "
        "parents and staff, and their registers from the start of last school year to this "
        "morning, with today's work in hand (cases, letters due, leave, parents' reports)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) if the database already has a federation.",
        )
        parser.add_argument(
            "--today",
            type=_day,
            default=None,
            help="Build the demo around this day (YYYY-MM-DD; default: today). The same day "
            "always gives the same data.",
        )

    def handle(self, *args, if_empty: bool, today: date | None, **options) -> None:
        if demo_database_has_data():
            if not if_empty:
                raise CommandError("the database already has data; use a fresh database")
            self.stdout.write("Demo data not loaded: the database already has data.")
            # `make run` again on the demo database: the sign-ins are still wanted.
            if sign_ins := demo_sign_ins():
                self._report_sign_ins(sign_ins)
            return
        try:
            result = demo_seed(today=today or timezone.localdate())
        except DomainError as error:
            raise CommandError(error.message) from None
        self._report(result)

    def _report(self, result: DemoResult) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {result.federations} federations, {result.schools} schools, "
                f"{result.pupils:,} pupils, {result.contacts:,} parents and carers, "
                f"{result.staff} staff, {result.marks:,} marks "
                f"({result.first_day:%-d %B %Y} to {result.last_day:%-d %B %Y}), "
                f"{result.cases} penalty-notice threshold cases open, in {result.seconds:.0f} s."
            )
        )
        self._report_sign_ins(result.sign_ins)

    def _report_sign_ins(self, sign_ins: DemoSignIns) -> None:
        self.stdout.write(
            f"\nDemo sign-ins (password for every staff account: {sign_ins.password}):"
        )
        role_width = max(len(login.role) for login in sign_ins.logins) + 2
        name_width = max(len(login.username) for login in sign_ins.logins) + 2
        for login in sign_ins.logins:
            note = f"({login.note})" if login.note else ""
            self.stdout.write(
                f"  {login.role:<{role_width}}{login.username:<{name_width}}{note}".rstrip()
            )
        example, others = sign_ins.slugs[0], sign_ins.slugs[1:]
        self.stdout.write(
            f"Every school has the same roles: replace '{example}' with {', '.join(others)}.\n"
            f"Other class teachers are teacher2.{example}, teacher3.{example} and so on."
        )
