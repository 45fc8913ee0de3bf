"""The returns a school owes its local authority (the School Attendance (Pupil Registration)
(England) Regulations 2024, regulation 13, and "Working together to improve school attendance"),
and what the office has recorded as sent."""

from django.conf import settings
from django.db import models

from registers.models import Pupil, School

USER = settings.AUTH_USER_MODEL


class ReturnKind(models.TextChoices):
    CONTINUOUS_ABSENCE = "continuous_absence", "Absent for 10 continuous school days"
    ILLNESS = "illness", "Absent through illness for 15 days"
    NEW_PUPIL = "new_pupil", "New pupil"
    DELETION = "deletion", "Deletion from the admission register"


class ReturnSent(models.Model):
    """One return sent to the local authority, by whom and when.

    `period_start` says which: the first day of the run of absence or of the illness, the new
    pupil's starting day, the leaving day of a deletion. One row per return, so recording it
    twice (a double click, two people) records it once.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ReturnKind.choices)
    period_start = models.DateField()
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil", "kind", "period_start"], name="one_return_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.period_start:%d %b %Y}, sent"


class ExpectedIllness(models.Model):
    """The school has reasonable grounds to believe the pupil will miss 15 days through sickness
    (a planned operation, a long illness): returned before the days are missed."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    expected_until = models.DateField()
    reason = models.TextField(help_text="Why the school expects 15 days or more.")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil", "first_day"], name="one_expected_illness_a_start"
            ),
            models.CheckConstraint(
                condition=models.Q(expected_until__gte=models.F("first_day")),
                name="expected_illness_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Illness expected from {self.first_day:%d %b %Y}"


class UnauthorisedAbsenceLetter(models.Model):
    """A letter telling the parents that sessions of their child's absence were recorded as
    unauthorised (HMFA policy: "parents will be notified in writing if the absences are
    unauthorised"), for federations that switch it on.

    Each session is in one letter at most (`UnauthorisedLetterSession`), so a second run, or a
    retried task, tells the parents nothing twice.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    letter = models.FileField(upload_to="letters/unauthorised/%Y/", blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "pk"]

    def __str__(self) -> str:
        return f"Unauthorised absence letter of {self.requested_at:%d %b %Y}"


class UnauthorisedLetterSession(models.Model):
    """A mark an unauthorised-absence letter told the parents of: once, ever."""

    letter = models.ForeignKey(
        UnauthorisedAbsenceLetter, on_delete=models.CASCADE, related_name="sessions"
    )
    # The database keys (mark_id, mark_date) to the partitioned marks (registers/lib/partitions).
    mark = models.OneToOneField(
        "registers.Mark", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    class Meta:
        ordering = ["mark__date", "mark__session"]

    def __str__(self) -> str:
        return f"Mark {self.mark_id} in letter {self.letter_id}"
