"""The intervention ladder (federation setting, default 95 / 93 / 90 %) and its letters.

Step one (below the conversation threshold): the attendance lead talks to the parents.
Step two (below the letter threshold): an absence letter each half term with a breakdown.
Step three (below the meeting threshold): the parents are invited to a meeting.
"""

from django.conf import settings
from django.db import models

from registers.models import Pupil, School

USER = settings.AUTH_USER_MODEL


class LadderStepKind(models.IntegerChoices):
    CONVERSATION = 1, "Step one: a conversation with the attendance lead"
    LETTER = 2, "Step two: a half-termly absence letter"
    MEETING = 3, "Step three: a meeting with the school"


class LadderStep(models.Model):
    """A pupil's attendance this school year fell (strictly) below a step: recorded once a year.

    The unique constraint is what makes the job idempotent: a second run, or a pupil who
    recovers and falls again in the same school year, records nothing more.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="ladder_steps")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="ladder_steps")
    step = models.PositiveSmallIntegerField(choices=LadderStepKind.choices)
    academic_year = models.PositiveSmallIntegerField(help_text="The year the school year starts.")
    crossed_on = models.DateField(help_text="The day of the run that found the crossing.")
    attendance_pct = models.DecimalField(max_digits=5, decimal_places=2)
    threshold_pct = models.DecimalField(max_digits=5, decimal_places=2)
    possible = models.PositiveIntegerField()
    attended = models.PositiveIntegerField()

    class Meta:
        ordering = ["-crossed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil", "step", "academic_year"],
                name="ladder_step_once_per_school_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} {self.get_step_display()} on {self.crossed_on}"


class LadderLetterKind(models.TextChoices):
    ABSENCE = "absence", "Absence letter"
    MEETING = "meeting", "Meeting invitation"


class LadderLetter(models.Model):
    """One letter of a kind to one pupil's parents in one half term.

    The figures are those that made the letter due, stored when it was requested so the letter
    says what the school saw. `letter` is empty until the task has drawn it (the progress the
    batch page shows); `emailed_at` is set by a conditional update so no parent gets it twice.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="ladder_letters")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="ladder_letters")
    kind = models.CharField(max_length=10, choices=LadderLetterKind.choices)
    half_term_start = models.DateField()
    half_term_end = models.DateField()
    # The figures are this school year's from `period_start` (the pupil's first possible
    # session) to `as_of`: the letter names both, so a parent sees what the figure rests on.
    period_start = models.DateField()
    as_of = models.DateField()
    possible = models.PositiveIntegerField()
    attended = models.PositiveIntegerField()
    authorised = models.PositiveIntegerField()
    unauthorised = models.PositiveIntegerField()
    attendance_pct = models.DecimalField(max_digits=5, decimal_places=2)
    email_parents = models.BooleanField(default=False)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    letter = models.FileField(upload_to="letters/ladder/%Y/", blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "pupil_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil", "kind", "half_term_start"],
                name="ladder_letter_once_per_half_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.pupil}, half term from {self.half_term_start}"
