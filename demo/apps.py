from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo federations and the generated trust: built through every app's services, so it
    sits above them all."""

    name = "demo"
    verbose_name = "Demo data"
