from django.apps import AppConfig


class AbsencesConfig(AppConfig):
    name = "absences"

    def ready(self) -> None:
        from absences import outbox_senders

        outbox_senders.register()
