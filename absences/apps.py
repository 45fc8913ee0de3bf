from django.apps import AppConfig


class AbsencesConfig(AppConfig):
    name = "absences"

    def ready(self) -> None:
        # The register fills in what the office already knows: it asks, it does not import us.
        from absences.selectors.expected import expected_codes
        from registers.selectors.expected import expected_codes_source_add

        expected_codes_source_add(expected_codes)

        from absences.models import LeaveRequest, UnauthorisedAbsenceLetter
        from absences.selectors.letters import LetterKind, letter_kind_add

        letter_kind_add(
            LetterKind(
                "leave",
                drawn=lambda school, pupil: LeaveRequest.objects.filter(
                    school=school, pupil=pupil
                ).exclude(letter=""),
                title=lambda leave: f"Decision on leave of absence ({leave})",
                dated=lambda leave: leave.decided_at,
            )
        )
        letter_kind_add(
            LetterKind(
                "unauthorised",
                drawn=lambda school, pupil: UnauthorisedAbsenceLetter.objects.filter(
                    school=school, pupil=pupil
                ).exclude(letter=""),
                title=lambda letter: "Absence recorded as unauthorised",
                dated=lambda letter: letter.drawn_at,
            )
        )

        from absences import outbox_senders

        outbox_senders.register()
