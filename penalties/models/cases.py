"""Penalty-notice cases: opened when a pupil meets the national threshold."""

from django.conf import settings
from django.db import models

from registers.models import Pupil, School

USER = settings.AUTH_USER_MODEL


class CaseRoute(models.TextChoices):
    """The routes the policies give once support is not appropriate, not successful or not
    engaged with (seed 002, 4.5; the framework's "alternative action" is other legal
    intervention)."""

    SUPPORT = "support", "Support continues"
    NOTICE_TO_IMPROVE = "notice_to_improve", "Notice to improve"
    PENALTY_NOTICE = "penalty_notice", "Penalty notice request"
    LEGAL_INTERVENTION = "legal_intervention", "Other legal intervention"
    CLOSE = "close", "Close the case"


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
    # The latest decision's route, for the list; the decisions themselves are CaseDecision rows.
    route = models.CharField(max_length=20, choices=CaseRoute.choices, blank=True)

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


class SupportOffered(models.Model):
    """Support offered to the family on a case, and whether they engaged with it (the framework
    expects support first; a notice to improve is for families who did not engage)."""

    case = models.ForeignKey(ThresholdCase, on_delete=models.CASCADE, related_name="support")
    what = models.TextField()
    offered_on = models.DateField()
    engaged = models.BooleanField(help_text="Whether the family engaged with the support.")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "offered_on", "pk"]
        verbose_name_plural = "support offered"

    def __str__(self) -> str:
        return f"{self.what} ({self.offered_on})"


class CaseDecision(models.Model):
    """A route the attendance lead or head chose for a case, with their written reason."""

    case = models.ForeignKey(ThresholdCase, on_delete=models.CASCADE, related_name="decisions")
    route = models.CharField(max_length=20, choices=CaseRoute.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_route_display()} ({self.decided_at:%d %b %Y})"


class ThresholdCheck(models.Model):
    """The nightly threshold check done for one school as of one day: the nightly task skips a
    school already checked, so a run stopped part-way (a worker killed at school 3 of 50) is
    carried on by the next run that night from where it stopped. Written in the transaction
    that opened the school's cases."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    cases_opened = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ["-as_of", "school"]
        constraints = [
            models.UniqueConstraint(fields=["school", "as_of"], name="one_threshold_check_a_day")
        ]

    def __str__(self) -> str:
        return f"Threshold check {self.as_of:%d %b %Y}"
