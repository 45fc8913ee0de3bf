from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "registers"
    verbose_name = "Admission and attendance registers"

    def ready(self) -> None:
        from registers import outbox_senders

        outbox_senders.register()
