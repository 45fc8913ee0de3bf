"""Reads for the intervention ladder: attendance this school year per pupil, in one query."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet

from core.errors import DomainError
from penalties.models import LadderLetter, LadderLetterKind, LadderStep, LadderStepKind
from registers.codes import CountsAs, codes_counting_as
from registers.lib.calendar import school_year_start
from registers.models import Mark, Pupil, School, Term
from registers.selectors.statistics import Figures, figures_by

# Which step's threshold makes a letter of each kind due.
LETTER_STEP = {
    LadderLetterKind.ABSENCE: LadderStepKind.LETTER,
    LadderLetterKind.MEETING: LadderStepKind.MEETING,
}


def ladder_thresholds(*, school: School) -> dict[int, Decimal]:
    federation = school.federation
    return {
        LadderStepKind.CONVERSATION: federation.conversation_threshold_pct,
        LadderStepKind.LETTER: federation.letter_threshold_pct,
        LadderStepKind.MEETING: federation.meeting_threshold_pct,
    }


def attendance_this_school_year(*, school: School, as_of: date) -> dict[int, Figures]:
    """Each pupil with marks at the school this school year up to `as_of`, with their figures
    from the statistics module (one aggregate query for the whole school): possible sessions
    leave out those that are not possible (X, #, D, Y...); attendance % = attended / possible.
    """
    return figures_by(school_ids=[school.pk], start=school_year_start(as_of), end=as_of, by="pupil")


def pupils_below(
    *, attendance: dict[int, Figures], threshold_pct: Decimal, minimum_sessions: int
) -> dict[int, Figures]:
    """The pupils of `attendance` (from `attendance_this_school_year`) strictly below
    `threshold_pct`, of those with at least `minimum_sessions` possible sessions.

    "Below 95%" is read as strictly below: a pupil at exactly 95.0% has not crossed step one.
    Compared exactly (Figures.attendance_below) so no rounding decides a pupil's step. A pupil
    with fewer possible sessions than the federation's `ladder_minimum_sessions` (default 30,
    three school weeks) is on no step: a morning's illness on the first day of September would
    otherwise read as 0 % and bring a letter and a meeting.
    """
    return {
        pupil_id: figures
        for pupil_id, figures in attendance.items()
        if figures.possible >= minimum_sessions and figures.attendance_below(threshold_pct)
    }


def first_possible_sessions(
    *, school: School, pupil_ids: Collection[int], start: date, end: date
) -> dict[int, date]:
    """Each pupil's first day with a possible session at the school from `start` to `end`:
    where the period a letter's figures rest on begins (one grouped query)."""
    if not pupil_ids:
        return {}
    return dict(
        Mark.objects.filter(school=school, pupil_id__in=list(pupil_ids), date__range=(start, end))
        .exclude(code_id__in=codes_counting_as(CountsAs.NOT_POSSIBLE))
        .values("pupil_id")
        .annotate(first=Min("date"))
        .values_list("pupil_id", "first")
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


@dataclass(frozen=True)
class LetterDue:
    pupil: Pupil
    figures: Figures  # this school year as of the day, from the statistics module
    first_day: date  # the first possible session those figures rest on


@dataclass(frozen=True)
class LettersDue:
    """What a batch of one kind of letter would draw, for the preview and its confirmation."""

    kind: str
    label: str
    threshold_pct: Decimal
    minimum_sessions: int
    half_term: HalfTerm
    as_of: date
    due: list[LetterDue]
    already: int  # letters of this kind already requested this half term


def ladder_letters_due(*, school: School, kind: str, as_of: date) -> LettersDue:
    """Every pupil due a letter of `kind` this half term, by name, with the figures the letter
    would give: attendance this school year strictly below the kind's step, on at least the
    federation's minimum of possible sessions, and no letter of that kind requested for them
    this half term. A day outside the school's terms is refused (DomainError).

    Queries: the half term, the letters already requested, the figures (one aggregate), the
    pupils, their first possible sessions.
    """
    kind = LadderLetterKind(kind)
    half_term = half_term_of(school=school, day=as_of)
    federation = school.federation
    threshold = ladder_thresholds(school=school)[LETTER_STEP[kind]]
    already = set(
        LadderLetter.objects.filter(
            school=school, kind=kind, half_term_start=half_term.first_day
        ).values_list("pupil_id", flat=True)
    )
    below = {
        pupil_id: figures
        for pupil_id, figures in pupils_below(
            attendance=attendance_this_school_year(school=school, as_of=as_of),
            threshold_pct=threshold,
            minimum_sessions=federation.ladder_minimum_sessions,
        ).items()
        if pupil_id not in already
    }
    pupils = Pupil.objects.in_bulk(list(below))
    first_days = first_possible_sessions(
        school=school, pupil_ids=list(below), start=school_year_start(as_of), end=as_of
    )
    due = sorted(
        (
            LetterDue(pupils[pupil_id], figures, first_days.get(pupil_id, as_of))
            for pupil_id, figures in below.items()
        ),
        key=lambda row: (row.pupil.legal_surname, row.pupil.legal_forename, row.pupil.pk),
    )
    return LettersDue(
        kind=kind.value,
        label=kind.label,
        threshold_pct=threshold,
        minimum_sessions=federation.ladder_minimum_sessions,
        half_term=half_term,
        as_of=as_of,
        due=due,
        already=len(already),
    )


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
    by_kind = {row["kind"]: (row["requested"], row["drawn"]) for row in counts}
    return [
        LetterProgress(
            kind=kind.value,
            label=kind.label,
            requested=by_kind.get(kind.value, (0, 0))[0],
            drawn=by_kind.get(kind.value, (0, 0))[1],
        )
        for kind in LadderLetterKind
    ]


def ladder_letters_for_school(*, school: School, half_term_start: date) -> QuerySet[LadderLetter]:
    return (
        LadderLetter.objects.filter(school=school, half_term_start=half_term_start)
        .select_related("pupil")
        .order_by("kind", "pupil__legal_surname", "pupil__legal_forename")
    )
