"""Notices to improve and penalty notices (national framework from 19 August 2024)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from penalties.models.cases import ThresholdCase
from registers.models import Contact, Mark, Pupil, School

USER = settings.AUTH_USER_MODEL


class NoticeToImprove(models.Model):
    """A parent's final chance to engage with support before a penalty notice: one per case.

    The text fields are what the framework requires the letter to say; the target attendance
    is the criterion the case page measures the improvement period against.
    """

    case = models.OneToOneField(
        ThresholdCase, on_delete=models.PROTECT, related_name="notice_to_improve"
    )
    improvement_start = models.DateField()
    improvement_end = models.DateField()
    target_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Attendance during the improvement period that counts as sufficient.",
    )
    sufficient_improvement = models.TextField()
    support_so_far = models.TextField()
    further_support = models.TextField()
    early_notice_grounds = models.TextField(blank=True)  # optional: the letter then omits it
    # Issued on a window older than the federation's limit: why it still stands, in the words
    # of whoever confirmed it.
    stale_evidence_reason = models.TextField(blank=True)
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    letter = models.FileField(upload_to="letters/notice-to-improve/%Y/", blank=True)
    email_parents = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(improvement_end__gt=models.F("improvement_start")),
                name="notice_to_improve_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Notice to improve for {self.case.pupil}: {self.improvement_start}"


class PenaltyNoticeKind(models.TextChoices):
    NATIONAL = "national", "Unauthorised absence (national framework)"
    # Outside the national framework; does not count towards the two-notice limit.
    SUSPENSION_PUBLIC_PLACE = (
        "suspension_public_place",
        "Suspended or excluded pupil in a public place",
    )


class ServedBy(models.TextChoices):
    HAND = "hand", "By hand"
    POST = "post", "By first-class post"


class LADecision(models.TextChoices):
    PROSECUTE = "prosecute", "Prosecute"
    WITHDRAW = "withdraw", "Withdraw the notice"


class PenaltyNotice(models.Model):
    """A penalty notice issued to one liable parent for one pupil, with the amounts as issued.

    `sequence` is 1 or 2 for a national notice within a 3-year period from the first (none for
    the suspension kind). The amounts and due dates are stored, not recomputed, so a later
    change of rates does not alter a notice already issued.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="penalty_notices")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="penalty_notices")
    parent = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="penalty_notices")
    case = models.ForeignKey(
        ThresholdCase,
        on_delete=models.PROTECT,
        related_name="penalty_notices",
        null=True,
        blank=True,
    )
    kind = models.CharField(max_length=30, choices=PenaltyNoticeKind.choices)
    sequence = models.PositiveSmallIntegerField(null=True, blank=True)
    issued_on = models.DateField()
    served_by = models.CharField(
        max_length=4,
        choices=ServedBy.choices,
        blank=True,
        help_text="Empty for notices recorded before this was asked (received on issue).",
    )
    # The 21 and 28 days to pay run from the day the notice is received (local codes of
    # conduct): the issue date by hand, some working days after posting by post.
    received_on = models.DateField()
    stale_evidence_reason = models.TextField(blank=True)
    reduced_amount = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    reduced_due_on = models.DateField(null=True, blank=True)
    full_amount = models.DecimalField(max_digits=7, decimal_places=2)
    full_due_on = models.DateField()
    paid_on = models.DateField(null=True, blank=True)
    amount_paid = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    la_decision = models.CharField(max_length=10, choices=LADecision.choices, blank=True)
    la_decided_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    # The unauthorised sessions the notice rests on (a national notice's case window).
    marks_used = models.ManyToManyField(
        Mark, through="PenaltyNoticeEvidence", related_name="+", blank=True
    )

    class Meta:
        ordering = ["issued_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.parent} for {self.pupil}, {self.issued_on}"


class PenaltyNoticeEvidence(models.Model):
    """A mark that supported an issued penalty notice.

    Evidence is used once: such a mark cannot count towards another notice for the same pupil,
    so the threshold engine leaves it out of later windows. Each liable parent's notice for the
    same case rests on the same marks. A mark deleted at the end of its retention period takes
    its row with it.
    """

    notice = models.ForeignKey(PenaltyNotice, on_delete=models.CASCADE, related_name="evidence")
    # The database keys (mark_id, mark_date) to the partitioned marks (registers/lib/partitions).
    mark = models.ForeignKey(Mark, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        ordering = ["notice", "mark"]
        verbose_name_plural = "penalty notice evidence"
        constraints = [
            models.UniqueConstraint(fields=["notice", "mark"], name="mark_used_once_per_notice"),
        ]

    def __str__(self) -> str:
        return f"Mark {self.mark_id} for notice {self.notice_id}"
