"""The office's morning: today's unexplained absences, the calls home, and safeguarding follow-up.

Each view loads its objects through an access helper (403 for the wrong role, 404 for another
school or an id that is not there), then calls one service or read.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from absences import access
from absences.forms.office import FlagResolveForm, ParentCallForm, call_form
from absences.models import CallDirection, SafeguardingFlag
from absences.selectors.office import (
    parent_calls_on,
    pupils_not_yet_established,
    safeguarding_flag_lines,
    safeguarding_flags_open,
    safeguarding_flags_resolved,
)
from absences.selectors.pupils import pupil_contacts, pupils_on_roll_by_name
from absences.services import calls
from absences.services.calls import CallRecorded, parent_call_record
from core.http import AuthenticatedHttpRequest
from core.parsing import object_id
from registers.forms import submit
from registers.models import Pupil, School


@login_required
@require_http_methods(["GET", "POST"])
def absence_today(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    posted_pupil: Pupil | None = None
    bound: ParentCallForm | None = None
    if request.method == "POST":
        pupil_id = object_id(request.POST.get("pupil", ""))
        if pupil_id is None:
            bound = call_form(request.POST, contacts=[], key="rang")
            bound.is_valid()
            bound.add_error(None, "Choose the pupil the call was about.")
            return _render_today(
                request, school=school, today=today, posted_pupil=None, bound=bound
            )
        posted_pupil = access.get_pupil_at_school(school=school, pupil_id=pupil_id)
        bound = call_form(
            request.POST, contacts=pupil_contacts(pupil=posted_pupil), key=f"call-{posted_pupil.pk}"
        )
        recorded = submit(
            bound,
            lambda data: parent_call_record(
                school=school,
                pupil=posted_pupil,
                contact=bound.contacts.get(data.get("contact") or ""),
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
                by=request.user,
            ),
        )
        if recorded is not None:
            _tell(request, recorded, code=bound.cleaned_data["code"])
            return redirect(request.path)
    return _render_today(
        request, school=school, today=today, posted_pupil=posted_pupil, bound=bound
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
    request: AuthenticatedHttpRequest,
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
            row.form = call_form(
                None,
                contacts=row.contacts,
                key=f"call-{row.pupil.pk}",
                direction=CallDirection.WE_CALLED,
                contact=str(row.next_contact_id) if row.next_contact_id is not None else "",
            )
    in_rows = posted_pupil is not None and any(r.pupil.pk == posted_pupil.pk for r in rows)
    rang_form = (
        bound
        if bound is not None and not in_rows
        else call_form(None, contacts=[], key="rang", direction=CallDirection.THEY_RANG)
    )
    return render(
        request,
        "absences/office/today.html",
        {
            "school": school,
            "today": today,
            "rows": rows,
            "rang_form": rang_form,
            "rang_pupil_id": posted_pupil.pk if posted_pupil and not in_rows else None,
            "roll": pupils_on_roll_by_name(school=school, day=today),
            "calls": parent_calls_on(school=school, day=today),
            "open_flags": safeguarding_flags_open(school=school),
            "resolves_flags": access.can_resolve_safeguarding(user=request.user, school=school),
        },
        status=400 if bound is not None else 200,
    )


@login_required
def safeguarding_flags(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_safeguarding(user=request.user, school_id=school_id)
    return _render_flags(request, school=school)


@login_required
@require_POST
def safeguarding_flag_resolve(
    request: AuthenticatedHttpRequest, school_id: int, flag_id: int
) -> HttpResponse:
    school = access.get_school_for_safeguarding(user=request.user, school_id=school_id)
    flag = access.get_flag_at_school(school=school, flag_id=flag_id)
    form = FlagResolveForm(request.POST, auto_id=f"flag-{flag.pk}-%s")
    resolved = submit(
        form,
        lambda data: calls.safeguarding_flag_resolve(
            flag=flag, resolution=data["resolution"], by=request.user
        ),
    )
    if resolved is not None:
        messages.success(request, f"Safeguarding follow-up for {flag.pupil.name} resolved.")
        return redirect(reverse("safeguarding_flags", args=[school.pk]))
    return _render_flags(request, school=school, failed=flag, bound=form)


def _render_flags(
    request: HttpRequest,
    *,
    school: School,
    failed: SafeguardingFlag | None = None,
    bound: FlagResolveForm | None = None,
) -> HttpResponse:
    lines = safeguarding_flag_lines(school=school)
    for line in lines:
        line.form = (
            bound
            if failed is not None and failed.pk == line.flag.pk and bound is not None
            else FlagResolveForm(auto_id=f"flag-{line.flag.pk}-%s")
        )
    return render(
        request,
        "absences/office/safeguarding.html",
        {
            "school": school,
            "lines": lines,
            "resolved": safeguarding_flags_resolved(school=school),
        },
        status=400 if bound is not None else 200,
    )
