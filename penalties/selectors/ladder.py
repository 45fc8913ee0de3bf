"""Reads for the intervention ladder: attendance this school year per pupil, in one query."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from penalties.models import LadderLetter, LadderLetterKind, LadderStep
from registers.errors import DomainError
from registers.lib.calendar import academic_year_start
from registers.models import School, Term
from reports.selectors.figures import Figures, figures_by


def school_year_first_day(day: date) -> date:
    """The school year that `day` falls in starts on 1 August (the DfE's school year)."""
    return date(academic_year_start(day), 8, 1)


def attendance_this_school_year(*, school: School, as_of: date) -> dict[int, Figures]:
    """Each pupil with marks at the school this school year up to `as_of`, with their figures
    from the statistics module (one aggregate query for the whole school): possible sessions
    leave out those that are not possible (X, #, D, Y...); attendance % = attended / possible.
    """
    return figures_by(
        school_ids=[school.pk], start=school_year_first_day(as_of), end=as_of, by="pupil"
    )


def pupils_below(*, attendance: dict[int, Figures], threshold_pct: Decimal) -> dict[int, Figures]:
    """The pupils of `attendance` (from `attendance_this_school_year`) strictly below
    `threshold_pct`.

    "Below 95%" is read as strictly below: a pupil at exactly 95.0% has not crossed step one.
    Compared exactly (Figures.attendance_below) so no rounding decides a pupil's step.
    """
    return {
        pupil_id: figures
        for pupil_id, figures in attendance.items()
        if figures.attendance_below(threshold_pct)
    }


@dataclass(frozen=True)
class HalfTerm:
    first_day: date
    last_day: date


def half_term_of(*, school: School, day: date) -> HalfTerm:
    """The half term `day` falls in: a term splits at its half-term holiday, and the days of
    that holiday belong to the half term after it. A day outside every term has none."""
    term = Term.objects.filter(school=school, start__lte=day, end__gte=day).first()
    if term is None:
        raise DomainError(f"{day:%d %B %Y} is not in one of the school's terms.")
    if term.half_term_start is None or term.half_term_end is None:
        return HalfTerm(term.start, term.end)
    if day < term.half_term_start:
        return HalfTerm(term.start, term.half_term_start - timedelta(days=1))
    return HalfTerm(term.half_term_end + timedelta(days=1), term.end)


def ladder_steps_for_school(*, school: School, academic_year: int) -> QuerySet[LadderStep]:
    """The crossings recorded this school year, newest first."""
    return (
        LadderStep.objects.filter(school=school, academic_year=academic_year)
        .select_related("pupil")
        .order_by("-crossed_on", "-pk")
    )


@dataclass(frozen=True)
class LetterProgress:
    kind: str
    label: str
    requested: int
    drawn: int

    @property
    def pending(self) -> int:
        return self.requested - self.drawn


def ladder_letter_progress(*, school: School, half_term_start: date) -> list[LetterProgress]:
    """For each kind of letter this half term: how many were requested and how many drawn."""
    counts = (
        LadderLetter.objects.filter(school=school, half_term_start=half_term_start)
        .values("kind")
        .annotate(requested=Count("pk"), drawn=Count("pk", filter=Q(drawn_at__isnull=False)))
    )
    by_kind = {row["kind"]: row for row in counts}
    return [
        LetterProgress(
            kind=kind.value,
            label=kind.label,
            requested=by_kind.get(kind.value, {}).get("requested", 0),
            drawn=by_kind.get(kind.value, {}).get("drawn", 0),
        )
        for kind in LadderLetterKind
    ]


def ladder_letters_for_school(*, school: School, half_term_start: date) -> QuerySet[LadderLetter]:
    return (
        LadderLetter.objects.filter(school=school, half_term_start=half_term_start)
        .select_related("pupil")
        .order_by("kind", "pupil__legal_surname", "pupil__legal_forename")
    )


def ladder_letter_at_school(*, school: School, letter_id: int) -> LadderLetter:
    letter = (
        LadderLetter.objects.select_related("pupil", "school")
        .filter(school=school, pk=letter_id)
        .first()
    )
    if letter is None:
        raise Http404("No such letter at this school.")
    return letter
