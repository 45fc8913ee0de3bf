from django.conf import settings
from django.db import models

from .pupils import Pupil, RegistrationGroup
from .schools import SESSION_CHOICES, School


class Register(models.Model):
    """A class's register for one session: who took it and when. The marks are the entries."""

    # PostgreSQL: partitioned by school year, primary key (id, date) (lib/partitions.py).
    partitioned_by_school_year = True

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="registers")
    group = models.ForeignKey(RegistrationGroup, on_delete=models.PROTECT, related_name="registers")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=SESSION_CHOICES)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField()
    last_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    last_saved_at = models.DateTimeField()
    # First taken after the phase's register closed: listed weekly for the head.
    taken_after_close = models.BooleanField(default=False)

    class Meta:
        ordering = ["date", "session", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "date", "session"], name="one_register_per_group_session"
            ),
        ]
        indexes = [models.Index(fields=["school", "date", "session"])]

    def __str__(self) -> str:
        return f"{self.group} {self.date:%d %b %Y} {self.session}"


class LateArrival(models.Model):
    """A line of the office's late book: when a pupil arrived and the reason given."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="late_arrivals")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="late_arrivals")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=SESSION_CHOICES)
    arrived_at = models.TimeField()
    reason = models.CharField(max_length=200)
    # The database holds (mark_id, mark_date) to the partitioned marks (lib/partitions.py).
    mark = models.ForeignKey(
        "Mark", on_delete=models.PROTECT, related_name="late_arrivals", db_constraint=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "arrived_at"]
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y} {self.arrived_at:%H:%M}: {self.reason}"


class RegisterReminder(models.Model):
    """A reminder that a class's register was still not taken some minutes after it opened.

    One per register: the unique constraint is what stops a second worker reminding twice.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(RegistrationGroup, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=SESSION_CHOICES)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "session", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "date", "session"], name="one_reminder_per_register"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder: {self.group} {self.date:%d %b %Y} {self.session}"
