from django.apps import AppConfig


class PenaltiesConfig(AppConfig):
    name = "penalties"

    def ready(self) -> None:
        # Parents download the ladder's letters and notices to improve from their pages, which
        # the absences app (below this one) keeps: it asks for them, it does not import us.
        from absences.selectors.letters import LetterKind, letter_kind_add
        from penalties.models import LadderLetter, NoticeToImprove

        letter_kind_add(
            LetterKind(
                "ladder",
                drawn=lambda school, pupil: LadderLetter.objects.filter(
                    school=school, pupil=pupil
                ).exclude(letter=""),
                title=lambda letter: letter.get_kind_display(),
                dated=lambda letter: letter.drawn_at,
            )
        )
        letter_kind_add(
            LetterKind(
                "notice",
                drawn=lambda school, pupil: NoticeToImprove.objects.filter(
                    case__school=school, case__pupil=pupil
                ).exclude(letter=""),
                title=lambda notice: "Notice to improve",
                dated=lambda notice: notice.issued_at,
            )
        )

        from penalties import outbox_senders

        outbox_senders.register()
