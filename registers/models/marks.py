from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from registers.codes import CodeGroup, CountsAs

from .pupils import Pupil
from .schools import SESSION_CHOICES, School


class AttendanceCode(models.Model):
    """The DfE catalogue (2024), loaded by migration; read through `registers.codes`."""

    code = models.CharField(max_length=2, primary_key=True)
    meaning = models.CharField(max_length=200)
    group = models.CharField(max_length=20, choices=CodeGroup.choices)
    counts_as = models.CharField(max_length=20, choices=CountsAs.choices)
    valid_until = models.DateField(
        null=True, blank=True, help_text="Last session on which a withdrawn code may appear."
    )
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order"]

    def __str__(self) -> str:
        return f"{self.code} - {self.meaning}"

    @property
    def possible_session(self) -> bool:
        return self.counts_as != CountsAs.NOT_POSSIBLE


class MarkSource(models.TextChoices):
    REGISTER = "register", "Register"
    OFFICE = "office", "Office"
    LEAVE = "leave", "Leave of absence"
    CLOSURE = "closure", "Closure"
    IMPORT = "import", "Import"


class Mark(models.Model):
    """The attendance register's entry for one pupil, school, date and session.

    The code here is the current one; every change after the first entry is an Amendment that
    keeps the code it replaced, so the original stays distinguishable.
    """

    # PostgreSQL: partitioned by school year, primary key (id, date) (lib/partitions.py).
    partitioned_by_school_year = True

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="marks")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="marks")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=SESSION_CHOICES)
    code = models.ForeignKey(
        AttendanceCode, on_delete=models.PROTECT, db_column="code", related_name="+"
    )
    minutes_late = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(24 * 60)]
    )
    source = models.CharField(max_length=10, choices=MarkSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for history imported from another system.",
    )
    recorded_at = models.DateTimeField()
    # Raised by every change; a save that read an older version is refused (no lost updates).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["date", "session"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "school", "date", "session"], name="one_mark_per_pupil_session"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "date", "session"]),
            models.Index(fields=["pupil", "date"]),
            # The statistics (registers.selectors.statistics) read only these four columns of a
            # school's dates: an index-only scan, never the table (benchmarks/dashboards.py).
            models.Index(fields=["school", "date", "pupil", "code"], name="mark_figures_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y} {self.session}: {self.code_id}"


class Amendment(models.Model):
    """A change to a saved mark. Never edited or deleted (until the retention period ends)."""

    # The database holds (mark_id, mark_date) to the partitioned marks (lib/partitions.py).
    mark = models.ForeignKey(
        Mark, on_delete=models.PROTECT, related_name="amendments", db_constraint=False
    )
    original_code = models.ForeignKey(
        AttendanceCode, on_delete=models.PROTECT, db_column="original_code", related_name="+"
    )
    new_code = models.ForeignKey(
        AttendanceCode, on_delete=models.PROTECT, db_column="new_code", related_name="+"
    )
    original_minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    new_minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField()
    amended_at = models.DateTimeField()
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Name and position as they were when the amendment was made (2024 regulations).
    amended_by_name = models.CharField(max_length=200)
    amended_by_position = models.CharField(max_length=100)

    class Meta:
        ordering = ["mark", "amended_at"]

    def __str__(self) -> str:
        return f"{self.original_code_id} -> {self.new_code_id} ({self.amended_at:%d %b %Y %H:%M})"
