"""Pupil-level figures with who the pupil is: the rows of the pupil tables and exports.

Two queries however many pupils: the figures (one aggregate from `figures`), then the pupils'
names, year groups and class on the last day of the period.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Q, Subquery

from registers.models import GroupMembership, Pupil
from registers.selectors.statistics import Figures, PupilIds, figures_by


@dataclass(frozen=True)
class PupilFigures:
    pupil_id: int
    upn: str
    name: str
    legal_surname: str
    legal_forename: str
    year_group: str
    group: str  # the class on the period's last day ("" if none)
    figures: Figures


def _class_on(*, school_id: int, day: date) -> Subquery:
    return Subquery(
        GroupMembership.objects.filter(
            pupil=OuterRef("pk"), group__school_id=school_id, start_date__lte=day
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by("-start_date", "-pk")
        .values("group__name")[:1]
    )


def pupil_figures(
    *,
    school_id: int,
    start: date,
    end: date,
    pupil_ids: PupilIds | None = None,
) -> list[PupilFigures]:
    """Every pupil with a mark at the school in the period (or those of `pupil_ids`), by UPN."""
    by_pupil = figures_by(
        school_ids=[school_id], start=start, end=end, by="pupil", pupil_ids=pupil_ids
    )
    if not by_pupil:
        return []
    pupils = (
        Pupil.objects.filter(pk__in=list(by_pupil))
        .annotate(group_name=_class_on(school_id=school_id, day=end))
        .order_by("upn")
    )
    return [
        PupilFigures(
            pupil_id=pupil.pk,
            upn=pupil.upn,
            name=pupil.name,
            legal_surname=pupil.legal_surname,
            legal_forename=pupil.legal_forename,
            year_group=pupil.year_group,
            group=pupil.group_name or "",
            figures=by_pupil[pupil.pk],
        )
        for pupil in pupils
    ]
