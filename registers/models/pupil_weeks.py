from django.db import models

from .pupils import Pupil
from .schools import School


class PupilWeek(models.Model):
    """A pupil's marks at one school in one calendar week (Monday to Sunday), counted by what
    their codes count as: the statistics read whole weeks here instead of every mark.

    Never written by the application: database triggers on the marks table keep it equal to the
    marks, whoever writes them (registers/lib/pupil_weeks.py, migration 0006). A row exists
    while the week has a mark; `rebuild_pupil_weeks` recounts them all.
    """

    # PostgreSQL: partitioned by school year, primary key (id, date) (lib/partitions.py).
    partitioned_by_school_year = True

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    # Indexed first in the unique constraint below.
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+", db_index=False)
    week_start = models.DateField(help_text="The Monday of the week.")
    # Not "positive" fields: PostgreSQL checks a row proposed by INSERT ... ON CONFLICT before
    # it finds the conflict, and the triggers propose the change (-1 for a mark taken away).
    attended = models.SmallIntegerField()
    authorised = models.SmallIntegerField()
    unauthorised = models.SmallIntegerField()
    not_possible = models.SmallIntegerField()

    class Meta:
        indexes = [
            # The figures' weeks of a school (the dashboards' trend, the part of a period
            # outside whole terms) read from the index alone: the rows of a week are scattered
            # over the table, as the triggers write them, so a scan of the table would touch
            # most of its pages (issue #23). PostgreSQL only; elsewhere a plain index.
            models.Index(
                fields=["school", "week_start", "pupil"],
                include=["attended", "authorised", "unauthorised"],
                name="pupil_week_figures_idx",
            ),
            # The penalty-notice threshold reads only the weeks with unauthorised sessions
            # (a few per cent of them), by school and pupil in week order: an index-only scan.
            models.Index(
                fields=["school", "pupil", "week_start"],
                include=["unauthorised"],
                condition=models.Q(unauthorised__gt=0),
                name="pupil_week_unauthorised_idx",
            ),
        ]
        constraints = [
            # Also the statistics' index: a school's weeks, then its pupils.
            models.UniqueConstraint(
                fields=["school", "week_start", "pupil"], name="one_pupil_week_per_school"
            ),
        ]

    def __str__(self) -> str:
        return f"week of {self.week_start:%d %b %Y}"
