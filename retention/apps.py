from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """Deleting what is past its retention period, from every app: it sits above them all, so
    it may know each one's records and none of them needs to know it."""

    name = "retention"
    verbose_name = "Retention"
