"""Reads for the intervention ladder: attendance this school year per pupil, in one query."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Value
from django.http import Http404

from penalties.models import LadderLetter, LadderLetterKind, LadderStep
from registers.codes import CountsAs
from registers.errors import DomainError
from registers.lib.calendar import academic_year_start
from registers.models import Mark, School, Term


def school_year_first_day(day: date) -> date:
    """The school year that `day` falls in starts on 1 August (the DfE's school year)."""
    return date(academic_year_start(day), 8, 1)


def attendance_this_school_year(*, school: School, as_of: date) -> QuerySet:
    """Per pupil with marks at the school this school year up to `as_of`: possible sessions,
    attended, authorised and unauthorised absence, in one aggregate query.

    A possible session is any mark that does not count as 'not a possible session' (X, #, D,
    Y...); attendance % = attended / possible. Rows are dicts keyed pupil_id, possible,
    attended, authorised, unauthorised.
    """
    return (
        Mark.objects.filter(school=school, date__gte=school_year_first_day(as_of), date__lte=as_of)
        .values("pupil_id")
        .annotate(
            possible=Count("pk", filter=~Q(code__counts_as=CountsAs.NOT_POSSIBLE)),
            attended=Count("pk", filter=Q(code__counts_as=CountsAs.ATTENDANCE)),
            authorised=Count("pk", filter=Q(code__counts_as=CountsAs.AUTHORISED)),
            unauthorised=Count("pk", filter=Q(code__counts_as=CountsAs.UNAUTHORISED)),
        )
        .order_by("pupil_id")
    )


def pupils_below(*, school: School, as_of: date, threshold_pct: Decimal) -> QuerySet:
    """The rows of `attendance_this_school_year` strictly below `threshold_pct`.

    "Below 95%" is read as strictly below: a pupil at exactly 95.0% has not crossed step one.
    Compared as attended * 100 < possible * threshold so no rounding decides a pupil's step.
    """
    return (
        attendance_this_school_year(school=school, as_of=as_of)
        .annotate(
            attended_x100=ExpressionWrapper(F("attended") * 100, output_field=DecimalField()),
            bar=ExpressionWrapper(
                F("possible") * Value(threshold_pct, output_field=DecimalField()),
                output_field=DecimalField(),
            ),
        )
        .filter(possible__gt=0, attended_x100__lt=F("bar"))
    )


def attendance_percent(*, attended: int, possible: int) -> Decimal:
    return (
        (Decimal(100) * attended / possible).quantize(Decimal("0.01")) if possible else Decimal(0)
    )


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
