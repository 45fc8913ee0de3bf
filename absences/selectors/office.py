"""Reads for the office's morning: today's unexplained absences, the calls logged, and the
safeguarding follow-ups with the calls tried before each was raised."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from absences.models import ParentCall, SafeguardingFlag
from absences.selectors.pupils import contacts_in_priority_order
from registers.codes import NOT_YET_ESTABLISHED
from registers.models import GroupMembership, Mark, Pupil, PupilContact, School

if TYPE_CHECKING:
    from absences.forms.office import FlagResolveForm, ParentCallForm


@dataclass
class AbsentPupil:
    """A line of the today page: a pupil marked N today, whom to call, and the calls so far."""

    pupil: Pupil
    group: str
    n_sessions: list[str]
    contacts: list[PupilContact]  # in priority order
    calls: list[ParentCall]  # today's, oldest first
    flagged: bool
    form: ParentCallForm | None = field(default=None)  # the view's form for this pupil

    @property
    def next_contact_id(self) -> int | None:
        """The contact to call next: the first in priority order not yet tried today."""
        tried = {call.contact_id for call in self.calls}
        untried = [pc.contact_id for pc in self.contacts if pc.contact_id not in tried]
        return untried[0] if untried else None


def pupils_not_yet_established(*, school: School, day: date) -> list[AbsentPupil]:
    """Pupils marked N at this school on `day`, with contacts and calls (six queries).

    HMFA section 6: "If a pupil is absent at morning registration and the school has not
    received an explanation ... the office staff ... will contact the parents or carers".
    """
    marked_n = Mark.objects.filter(
        pupil=OuterRef("pk"), school=school, date=day, code_id=NOT_YET_ESTABLISHED
    )
    in_class = Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))
    pupils = (
        Pupil.objects.filter(Exists(marked_n))
        .order_by("legal_surname", "legal_forename", "pk")
        .prefetch_related(
            Prefetch(
                "pupil_contacts",
                queryset=contacts_in_priority_order(),
                to_attr="contacts_in_order",
            ),
            Prefetch(
                "parent_calls",
                queryset=ParentCall.objects.filter(school=school, called_at__date=day)
                .select_related("recorded_by")
                .order_by("called_at"),
                to_attr="calls_today",
            ),
            Prefetch(
                "marks",
                queryset=Mark.objects.filter(
                    school=school, date=day, code_id=NOT_YET_ESTABLISHED
                ).order_by("session"),
                to_attr="n_marks",
            ),
            Prefetch(
                "safeguarding_flags",
                queryset=SafeguardingFlag.objects.filter(school=school, raised_on=day),
                to_attr="flags_today",
            ),
            Prefetch(
                "group_memberships",
                queryset=GroupMembership.objects.filter(
                    in_class, group__school=school
                ).select_related("group"),
                to_attr="classes_today",
            ),
        )
    )
    return [
        AbsentPupil(
            pupil=pupil,
            group=", ".join(m.group.name for m in pupil.classes_today),
            n_sessions=[mark.session for mark in pupil.n_marks],
            contacts=pupil.contacts_in_order,
            calls=pupil.calls_today,
            flagged=bool(pupil.flags_today),
        )
        for pupil in pupils
    ]


def parent_calls_on(*, school: School, day: date) -> QuerySet[ParentCall]:
    """The calls logged at the school on `day`, oldest first."""
    return (
        ParentCall.objects.filter(school=school, called_at__date=day)
        .select_related("pupil", "recorded_by")
        .order_by("called_at")
    )


def safeguarding_flags_open(*, school: School) -> QuerySet[SafeguardingFlag]:
    """Flags not yet resolved, newest first: the office sees them, the leads resolve them."""
    return SafeguardingFlag.objects.filter(school=school, resolved_at__isnull=True).select_related(
        "pupil"
    )


@dataclass
class FlagLine:
    flag: SafeguardingFlag
    calls: list[ParentCall]
    form: FlagResolveForm | None = field(default=None)  # the view's form for this flag


def safeguarding_flag_lines(*, school: School) -> list[FlagLine]:
    """The open flags, oldest first, each with the calls made on its day (what was tried
    before it was raised), in two queries."""
    open_flags = list(
        SafeguardingFlag.objects.filter(school=school, resolved_at__isnull=True)
        .select_related("pupil", "raised_by")
        .order_by("raised_at")
    )
    tried: dict[tuple[int, date], list[ParentCall]] = {}
    for call in (
        ParentCall.objects.filter(
            school=school,
            pupil_id__in={f.pupil_id for f in open_flags},
            called_at__date__in={f.raised_on for f in open_flags},
        )
        .select_related("recorded_by")
        .order_by("called_at")
    ):
        key = (call.pupil_id, timezone.localdate(call.called_at))
        tried.setdefault(key, []).append(call)
    return [
        FlagLine(flag=flag, calls=tried.get((flag.pupil_id, flag.raised_on), []))
        for flag in open_flags
    ]


def safeguarding_flags_resolved(*, school: School) -> QuerySet[SafeguardingFlag]:
    """The 20 flags resolved most recently."""
    return (
        SafeguardingFlag.objects.filter(school=school, resolved_at__isnull=False)
        .select_related("pupil", "resolved_by")
        .order_by("-resolved_at")[:20]
    )
