from django.apps import AppConfig


class PenaltiesConfig(AppConfig):
    name = "penalties"

    def ready(self) -> None:
        from penalties import outbox_senders

        outbox_senders.register()
