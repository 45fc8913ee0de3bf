"""Penalty-notice cases: opened when a pupil meets the national threshold."""

from django.db import models

from registers.models import Pupil, School


class ThresholdCase(models.Model):
    """A pupil who met the threshold (10 unauthorised sessions in 10 school weeks), for the
    attendance lead to decide on.

    The window and the evidence are as the engine found them when the case was opened, so the
    case still shows why it was opened after marks are later amended.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="threshold_cases")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="threshold_cases")
    window_start = models.DateField(help_text="First school day of the 10 school weeks.")
    window_end = models.DateField(help_text="Last school day of the 10 school weeks checked.")
    sessions = models.PositiveSmallIntegerField(help_text="Unauthorised sessions in the window.")
    # The evidence: [{"mark_id", "date", "session", "code"}, ...] in date order.
    evidence = models.JSONField(default=list)
    opened_on = models.DateField(help_text="The date the threshold was checked as of.")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["school", "opened_on", "pupil"]
        constraints = [
            # One open case per pupil per school: a second run (or a retried task) opens nothing.
            models.UniqueConstraint(
                fields=["school", "pupil"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_threshold_case_per_pupil",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} at {self.school}: {self.sessions} sessions to {self.window_end}"
