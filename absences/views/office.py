"""The office's morning: today's unexplained absences, the calls home, and safeguarding follow-up.

Each view loads its objects through an access helper (403 for another school or the wrong role,
404 for an id that is not there), then calls one service or read.
"""

from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from absences.models import CallDirection, CallOutcome, ParentCall, SafeguardingFlag
from absences.services import calls
from absences.services.calls import CallRecorded, parent_call_record
from registers import access, selectors
from registers.codes import (
    LATE_AFTER_CLOSE,
    NOT_YET_ESTABLISHED,
    CodeGroup,
    CountsAs,
    code_catalogue,
)
from registers.errors import DomainError
from registers.lib.calendar import AM, PM, SESSIONS
from registers.models import GroupMembership, Mark, Pupil, PupilContact, Role, School

SESSION_CHOICES = [(s, s) for s in SESSIONS]
# A date picker's value is ISO whatever the locale (an en-GB 08/09/2025 would show blank).
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Luston and Shobdon 4.5 ("the school will take appropriate safeguarding actions"): the
# designated leads follow up; the office sees that a flag is open but does not resolve it.
SAFEGUARDING_ROLES = frozenset({Role.ATTENDANCE_LEAD, Role.HEAD})


# Access ------------------------------------------------------------------------------------


def get_school_for_safeguarding(*, user: AbstractBaseUser, school_id: int) -> School:
    """A school whose safeguarding follow-ups the user resolves: its attendance lead or head."""
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    if access.role_at(user=user, school_id=school.pk) not in SAFEGUARDING_ROLES:
        raise PermissionDenied(access.NOT_YOURS)
    return school


def get_flag_at_school(*, school: School, flag_id: int) -> SafeguardingFlag:
    """A flag of this school (the caller has checked the school); any other id is not found."""
    flag = SafeguardingFlag.objects.select_related("pupil").filter(pk=flag_id, school=school)
    if (found := flag.first()) is None:
        raise Http404("No such safeguarding follow-up at this school.")
    return found


# Reads -------------------------------------------------------------------------------------


@dataclass
class AbsentPupil:
    """A line of the today page: a pupil marked N today, whom to call, and the calls so far."""

    pupil: Pupil
    group: str
    n_sessions: list[str]
    contacts: list[PupilContact]  # in priority order
    calls: list[ParentCall]  # today's, oldest first
    flagged: bool
    form: "ParentCallForm | None" = field(default=None)


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
                queryset=PupilContact.objects.select_related("contact").order_by("priority"),
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


# Forms -------------------------------------------------------------------------------------


def reason_code_choices() -> list:
    """The codes a reason for absence can be recorded under, grouped as in the catalogue.

    Not N (the reason is what the call establishes), not a late mark, not attendance, and not
    the administrative codes a call never gives (closures, dual registration, not on roll).
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, entry in code_catalogue().items():
        if (
            entry.valid_until is None
            and entry.counts_as != CountsAs.ATTENDANCE
            and entry.group not in (CodeGroup.NOT_COUNTED, CodeGroup.ADMINISTRATIVE)
            and code not in (NOT_YET_ESTABLISHED, LATE_AFTER_CLOSE)
        ):
            groups.setdefault(entry.get_group_display(), []).append(
                (code, f"{code} - {entry.meaning}")
            )
    return [("", "No reason established yet"), *groups.items()]


class ParentCallForm(forms.Form):
    contact = forms.ChoiceField(label="Who", required=False)
    contact_name = forms.CharField(
        label="Name (if not on the list, or to correct it)", max_length=200, required=False
    )
    direction = forms.ChoiceField(label="Call", choices=CallDirection.choices)
    outcome = forms.ChoiceField(label="How it went", choices=[("", "Choose"), *CallOutcome.choices])
    reason_given = forms.CharField(label="Reason given", max_length=500, required=False)
    code = forms.ChoiceField(label="Code for the reason", required=False)
    first_day = forms.DateField(label="Absent from", required=False, widget=DATE_INPUT)
    first_session = forms.ChoiceField(label="From session", choices=SESSION_CHOICES)
    last_day = forms.DateField(label="Absent until", required=False, widget=DATE_INPUT)
    last_session = forms.ChoiceField(label="Until session", choices=SESSION_CHOICES)
    expected_return = forms.DateField(label="Expected back on", required=False, widget=DATE_INPUT)

    def __init__(self, *args, contacts: list[PupilContact], **kwargs) -> None:
        today = timezone.localdate()
        kwargs.setdefault(
            "initial",
            {"first_day": today, "first_session": AM, "last_day": today, "last_session": PM},
        )
        super().__init__(*args, **kwargs)
        self.contacts = {str(pc.contact_id): pc.contact for pc in contacts}
        self.fields["contact"].choices = [
            *(
                (str(pc.contact_id), f"{pc.priority}. {pc.contact.name} ({pc.relationship})")
                for pc in contacts
            ),
            ("", "Someone else (write the name)"),
        ]
        if not contacts:
            del self.fields["contact"]
        self.fields["code"].choices = reason_code_choices()


def _call_form(data, *, contacts: list[PupilContact], key: str, **initial) -> ParentCallForm:
    form = ParentCallForm(data, contacts=contacts, auto_id=f"{key}-%s")
    for name, value in initial.items():
        form.initial[name] = value
    return form


class FlagResolveForm(forms.Form):
    resolution = forms.CharField(
        label="What was done (who was contacted, the pupil seen safe, a referral made)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# Views -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def absence_today(request: HttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    posted_pupil: Pupil | None = None
    bound: ParentCallForm | None = None
    if request.method == "POST":
        raw = request.POST.get("pupil", "")
        if not raw.isdigit():
            bound = _call_form(request.POST, contacts=[], key="rang")
            bound.is_valid()
            bound.add_error(None, "Choose the pupil the call was about.")
            return _render_today(
                request, school=school, today=today, posted_pupil=None, bound=bound
            )
        posted_pupil = access.get_pupil_at_school(school=school, pupil_id=int(raw))
        contacts = list(
            PupilContact.objects.filter(pupil=posted_pupil)
            .select_related("contact")
            .order_by("priority")
        )
        bound = _call_form(request.POST, contacts=contacts, key=f"call-{posted_pupil.pk}")
        if bound.is_valid():
            try:
                recorded = _record(school=school, pupil=posted_pupil, form=bound, by=request.user)
            except DomainError as error:
                bound.add_error(None, error.message)
            else:
                _tell(request, recorded, code=bound.cleaned_data["code"])
                return redirect(request.path)
    return _render_today(
        request, school=school, today=today, posted_pupil=posted_pupil, bound=bound
    )


def _record(
    *, school: School, pupil: Pupil, form: ParentCallForm, by: AbstractBaseUser
) -> CallRecorded:
    data = form.cleaned_data
    return parent_call_record(
        school=school,
        pupil=pupil,
        contact=form.contacts.get(data.get("contact") or ""),
        contact_name=data["contact_name"],
        direction=data["direction"],
        outcome=data["outcome"],
        reason_given=data["reason_given"],
        code=data["code"] or None,
        first_day=data["first_day"],
        first_session=data["first_session"],
        last_day=data["last_day"],
        last_session=data["last_session"],
        expected_return=data["expected_return"],
        by=by,
    )


def _tell(request: HttpRequest, recorded: CallRecorded, *, code: str) -> None:
    call = recorded.call
    said = [f"Call logged for {call.pupil.name}: {call.get_outcome_display().lower()}."]
    if recorded.recoded:
        written = recorded.recoded.created + recorded.recoded.amended
        said.append(f"{written} session(s) up to today coded {code}.")
    if recorded.reported:
        span = recorded.reported
        said.append(
            f"{span.first_day:%a %-d %b} to {span.last_day:%a %-d %b}: the register will show "
            f"{span.code_id} as already known."
        )
    messages.success(request, " ".join(said))
    if recorded.flag and recorded.flag.resolved_at is None:
        messages.warning(
            request,
            f"No contact of {call.pupil.name} has been reached today: a safeguarding follow-up "
            "is open for the attendance lead and head.",
        )


def _render_today(
    request: HttpRequest,
    *,
    school: School,
    today: date,
    posted_pupil: Pupil | None,
    bound: ParentCallForm | None,
) -> HttpResponse:
    rows = pupils_not_yet_established(school=school, day=today)
    for row in rows:
        if posted_pupil is not None and row.pupil.pk == posted_pupil.pk:
            row.form = bound
        else:
            # The contact to call next: the first in priority order not yet tried today.
            tried = {call.contact_id for call in row.calls}
            untried = [pc.contact_id for pc in row.contacts if pc.contact_id not in tried]
            row.form = _call_form(
                None,
                contacts=row.contacts,
                key=f"call-{row.pupil.pk}",
                direction=CallDirection.WE_CALLED,
                contact=str(untried[0]) if untried else "",
            )
    in_rows = posted_pupil is not None and any(r.pupil.pk == posted_pupil.pk for r in rows)
    rang_form = (
        bound
        if bound is not None and not in_rows
        else _call_form(None, contacts=[], key="rang", direction=CallDirection.THEY_RANG)
    )
    role = access.role_at(user=request.user, school_id=school.pk)
    return render(
        request,
        "absences/office/today.html",
        {
            "school": school,
            "today": today,
            "rows": rows,
            "rang_form": rang_form,
            "rang_pupil_id": posted_pupil.pk if posted_pupil and not in_rows else None,
            "roll": selectors.pupils_on_roll(school=school, day=today).order_by(
                "legal_surname", "legal_forename"
            ),
            "calls": ParentCall.objects.filter(school=school, called_at__date=today)
            .select_related("pupil", "recorded_by")
            .order_by("called_at"),
            "open_flags": SafeguardingFlag.objects.filter(
                school=school, resolved_at__isnull=True
            ).select_related("pupil"),
            "resolves_flags": role in SAFEGUARDING_ROLES,
        },
        status=400 if bound is not None else 200,
    )


@login_required
def safeguarding_flags(request: HttpRequest, school_id: int) -> HttpResponse:
    school = get_school_for_safeguarding(user=request.user, school_id=school_id)
    return _render_flags(request, school=school)


@login_required
@require_POST
def safeguarding_flag_resolve(request: HttpRequest, school_id: int, flag_id: int) -> HttpResponse:
    school = get_school_for_safeguarding(user=request.user, school_id=school_id)
    flag = get_flag_at_school(school=school, flag_id=flag_id)
    form = FlagResolveForm(request.POST, auto_id=f"flag-{flag.pk}-%s")
    if form.is_valid():
        try:
            calls.safeguarding_flag_resolve(
                flag=flag, resolution=form.cleaned_data["resolution"], by=request.user
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Safeguarding follow-up for {flag.pupil.name} resolved.")
            return redirect(reverse("safeguarding_flags", args=[school.pk]))
    return _render_flags(request, school=school, failed=flag, bound=form)


@dataclass
class FlagLine:
    flag: SafeguardingFlag
    calls: list[ParentCall]
    form: FlagResolveForm


def _render_flags(
    request: HttpRequest,
    *,
    school: School,
    failed: SafeguardingFlag | None = None,
    bound: FlagResolveForm | None = None,
) -> HttpResponse:
    open_flags = list(
        SafeguardingFlag.objects.filter(school=school, resolved_at__isnull=True)
        .select_related("pupil", "raised_by")
        .order_by("raised_at")
    )
    # The calls made on each flag's day, in one query: what was tried before it was raised.
    tried: dict[tuple[int, date], list[ParentCall]] = {}
    for call in ParentCall.objects.filter(
        school=school,
        pupil_id__in={f.pupil_id for f in open_flags},
        called_at__date__in={f.raised_on for f in open_flags},
    ).order_by("called_at"):
        key = (call.pupil_id, timezone.localdate(call.called_at))
        tried.setdefault(key, []).append(call)
    lines = [
        FlagLine(
            flag=flag,
            calls=tried.get((flag.pupil_id, flag.raised_on), []),
            form=bound
            if failed is not None and failed.pk == flag.pk and bound is not None
            else FlagResolveForm(auto_id=f"flag-{flag.pk}-%s"),
        )
        for flag in open_flags
    ]
    resolved = (
        SafeguardingFlag.objects.filter(school=school, resolved_at__isnull=False)
        .select_related("pupil", "resolved_by")
        .order_by("-resolved_at")[:20]
    )
    return render(
        request,
        "absences/office/safeguarding.html",
        {"school": school, "lines": lines, "resolved": resolved},
        status=400 if bound is not None else 200,
    )
