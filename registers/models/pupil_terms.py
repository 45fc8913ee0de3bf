from django.db import models

from .pupils import Pupil
from .schools import School, Term


class PupilTerm(models.Model):
    """A pupil's marks at one school in one of its terms (the term's first day to its last),
    counted by what their codes count as: a figure for a whole term adds up one row per pupil
    instead of their pupil weeks or marks (the federation overview, the governors' earlier
    terms).

    Never written by the application: the database triggers that keep the pupil weeks keep
    these too, on the marks table (a mark counts in every term of its school containing its
    date) and on the terms table (a term made, or its dates or school changed, is counted again
    from its marks), whoever writes them (registers/lib/pupil_weeks.py, migration 0017). A row
    exists while the term has a mark of the pupil; `rebuild_pupil_weeks` recounts them all.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    # Indexed first in the unique constraint below.
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The term's school, so that figures by school need not join the terms.
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Integers, not small ones: a term has more sessions than a week, and the sums of
    # integers stay integers (a bigint's sum is numeric in PostgreSQL). Not "positive", as
    # for the pupil weeks: the triggers propose a change of -1 for a mark taken away.
    attended = models.IntegerField()
    authorised = models.IntegerField()
    unauthorised = models.IntegerField()
    not_possible = models.IntegerField()

    class Meta:
        constraints = [
            # Also the figures' index: a term's pupils.
            models.UniqueConstraint(fields=["term", "pupil"], name="one_pupil_term_per_term"),
        ]

    def __str__(self) -> str:
        return f"term {self.term_id}"
