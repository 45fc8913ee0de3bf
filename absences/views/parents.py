"""The parents' pages: sign in with a one-time link, their children, reporting an absence and
asking for leave online.

Every page about a child loads it through `access.get_child_for_parent` (a 404 for any pupil
who is not the signed-in parent's child; a 403 for an account that is not a parent's), then
calls one service or read.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from absences import access
from absences.access import ParentChild
from absences.forms.parents import AbsenceReportForm, ParentLeaveForm, SignInRequestForm
from absences.selectors import parents as selectors
from absences.services.parents import (
    absence_report_submit,
    leave_request_online,
    sign_in_link_redeem,
    sign_in_link_request,
)
from core.errors import DomainError
from core.http import AuthenticatedHttpRequest
from core.security import client_ip
from registers.forms import already_recorded, submit
from registers.services.access_log import access_log_record

parent_login_required = login_required(login_url="parent_sign_in_request")


@require_http_methods(["GET", "POST"])
def sign_in_request(request: HttpRequest) -> HttpResponse:
    form = SignInRequestForm(request.POST or None)
    if request.method == "POST":
        told = submit(
            form,
            lambda data: sign_in_link_request(
                email=data["email"],
                client=client_ip(request) or "",
                confirm_url=request.build_absolute_uri(reverse("parent_sign_in")),
            ),
        )
        if told is not None:
            messages.success(request, told)
            return redirect("parent_sign_in_request")
    return render(
        request,
        "parents/sign_in_request.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm (a mail scanner opening the link does not use it up), its script
    copying the token from the link's fragment into the form; POST signs in with it."""
    if request.method == "POST":
        try:
            user = sign_in_link_redeem(token=request.POST.get("token", ""))
        except DomainError as error:
            return render(request, "parents/sign_in.html", {"error": error.message}, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("parents_home")
    return render(request, "parents/sign_in.html", {})


@parent_login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    contact = access.get_contact_for_parent(user=request.user)
    return render(
        request,
        "parents/home.html",
        {"contact": contact, "children": access.children_for_parent(contact=contact)},
    )


@parent_login_required
def child(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    found = access.get_child_for_parent(user=request.user, pupil_id=pupil_id)
    today = timezone.localdate()
    return render(
        request,
        "parents/child.html",
        {
            "child": found,
            "pupil": found.pupil,
            "figures": selectors.child_attendance(child=found, today=today),
            # A percentage only once it means something (the ladder's minimum, three school
            # weeks by default): one morning's illness in September is not "0.0 %".
            "minimum_sessions": found.school.federation.ladder_minimum_sessions,
            "missed": selectors.sessions_missed(child=found, today=today),
            "letters": selectors.letters_for_child(child=found),
            "reports": selectors.reports_by_parent(child=found),
            "contact_log": selectors.contact_log_for_parent(child=found, today=today),
            "leave_requests": selectors.leave_requests_for_child(child=found),
        },
    )


@parent_login_required
@require_http_methods(["GET", "POST"])
def report_absence(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    found = access.get_child_for_parent(user=request.user, pupil_id=pupil_id)
    form = AbsenceReportForm(request.POST or None, initial={"first_day": timezone.localdate()})
    return _child_form_page(
        request,
        found=found,
        form=form,
        write=lambda data: absence_report_submit(
            child=found,
            kind=data["kind"],
            first_day=data["first_day"],
            first_session=data["first_session"],
            last_day=data["last_day"],
            appointment_time=data["appointment_time"],
            details=data["details"],
            by=request.user,
        ),
        thanks=f"Thank you: the school office has your report for {found.pupil.name} and "
        "will confirm it here.",
        template="parents/report_absence.html",
    )


@parent_login_required
@require_http_methods(["GET", "POST"])
def ask_for_leave(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    found = access.get_child_for_parent(user=request.user, pupil_id=pupil_id)
    form = ParentLeaveForm(request.POST or None)
    return _child_form_page(
        request,
        found=found,
        form=form,
        write=lambda data: leave_request_online(
            child=found,
            category=data["category"],
            first_day=data["first_day"],
            first_session=data["first_session"],
            last_day=data["last_day"],
            last_session=data["last_session"],
            reason=data["reason"],
            evidence=data["evidence"],
            lives_with_pupil=data["lives_with_pupil"],
            by=request.user,
        ),
        thanks="Your request has been sent to the headteacher, who will decide and write to "
        "you; the letter will be here too.",
        template="parents/ask_for_leave.html",
    )


def _child_form_page(
    request: HttpRequest,
    *,
    found: ParentChild,
    form: forms.Form,
    write: Callable[[dict[str, Any]], object],
    thanks: str,
    template: str,
) -> HttpResponse:
    """A parent's form about one child: once `write` takes it, thank them on the child's page;
    otherwise the form again (a 400 with its errors after a post)."""
    if request.method == "POST" and submit(form, write) is not None:
        messages.success(request, thanks)
        return redirect("parents_child", pupil_id=found.pupil.pk)
    same = already_recorded(form)
    return render(
        request,
        template,
        {
            "child": found,
            "pupil": found.pupil,
            "form": form,
            "existing_url": reverse("parents_child", args=[found.pupil.pk]) + f"#leave-{same.pk}"
            if same
            else "",
        },
        status=400 if form.is_bound else 200,
    )


@parent_login_required
def letter(
    request: AuthenticatedHttpRequest, pupil_id: int, kind: str, letter_id: int
) -> FileResponse:
    found = access.get_child_for_parent(user=request.user, pupil_id=pupil_id)
    stored = selectors.letter_file_for_child(child=found, kind=kind, letter_id=letter_id)
    if stored is None:
        raise Http404("No such letter.")
    access_log_record(
        user=request.user,
        school=found.school,
        what=f"{kind} letter {letter_id}, by a parent",
        rows=1,
    )
    return FileResponse(
        stored.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{kind}-letter-{letter_id}.pdf",
    )
