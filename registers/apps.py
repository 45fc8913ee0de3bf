from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "registers"
    verbose_name = "Admission and attendance registers"

    def ready(self) -> None:
        from registers import outbox_senders

        outbox_senders.register()
        # The outbox queues its send task by name (`registers.services.outbox.SEND_TASK`):
        # registered here in every process, so an eager Celery (`make run`, the tests) runs it
        # rather than handing it to a broker. (A worker imports every app's tasks itself.)
        from registers import tasks  # noqa: F401
