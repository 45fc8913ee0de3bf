"""The office's queue of absences parents reported online: accept (the register follows) or
reject with a note the parent sees.

The school is loaded through `access.get_school_for_office` (404 for another school's staff and
for parents), the report within it through `access.parent_report_at_school` (404 otherwise).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from absences import access
from absences.forms.parents import ReportAcceptForm, ReportRejectForm
from absences.models import ParentReport
from absences.selectors.parents import pending_reports, reports_decided
from absences.services.reports import SUGGESTED_CODES, parent_report_accept, parent_report_reject
from core.http import AuthenticatedHttpRequest
from registers.forms import submit
from registers.models import School

T = TypeVar("T")


@dataclass
class QueueLine:
    report: ParentReport
    accept: ReportAcceptForm
    reject: ReportRejectForm


@login_required
def pending_absence_reports(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    return _render_queue(request, school=school)


@login_required
@require_POST
def pending_report_accept(
    request: AuthenticatedHttpRequest, school_id: int, report_id: int
) -> HttpResponse:
    return _decide(
        request,
        school_id=school_id,
        report_id=report_id,
        form_class=ReportAcceptForm,
        prefix="accept",
        write=lambda report, data: parent_report_accept(
            report=report,
            code=data["code"],
            first_day=data["first_day"],
            first_session=data["first_session"],
            last_day=data["last_day"],
            last_session=data["last_session"],
            note=data["note"],
            by=request.user,
        ),
        said=lambda report, accepted: (
            f"Report for {report.pupil.name} accepted: coded {accepted.code_id}, "
            "the register follows."
        ),
    )


@login_required
@require_POST
def pending_report_reject(
    request: AuthenticatedHttpRequest, school_id: int, report_id: int
) -> HttpResponse:
    return _decide(
        request,
        school_id=school_id,
        report_id=report_id,
        form_class=ReportRejectForm,
        prefix="reject",
        write=lambda report, data: parent_report_reject(
            report=report, note=data["note"], by=request.user
        ),
        said=lambda report, _rejected: (
            f"Report for {report.pupil.name} not accepted; the parent sees why."
        ),
    )


def _decide(
    request: AuthenticatedHttpRequest,
    *,
    school_id: int,
    report_id: int,
    form_class: type[ReportAcceptForm] | type[ReportRejectForm],
    prefix: str,
    write: Callable[[ParentReport, dict[str, Any]], T],
    said: Callable[[ParentReport, T], str],
) -> HttpResponse:
    """One decision on a report in the queue: back to the queue saying what was done, or the
    queue again with the report's form and its errors."""
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    report = access.parent_report_at_school(school=school, report_id=report_id)
    form = form_class(request.POST, prefix=f"{prefix}-{report.pk}")
    done = submit(form, lambda data: write(report, data))
    if done is None:
        return _render_queue(request, school=school, failed=report, bound=form)
    messages.success(request, said(report, done))
    return redirect("pending_absence_reports", school_id=school.pk)


def _render_queue(
    request: HttpRequest,
    *,
    school: School,
    failed: ParentReport | None = None,
    bound: ReportAcceptForm | ReportRejectForm | None = None,
) -> HttpResponse:
    lines = []
    for report in pending_reports(school=school, today=timezone.localdate()):
        accept = ReportAcceptForm(
            prefix=f"accept-{report.pk}",
            initial={
                "code": SUGGESTED_CODES.get(report.kind, ""),
                "first_day": report.first_day,
                "first_session": report.first_session,
                "last_day": report.last_day,
                "last_session": report.last_session,
            },
        )
        reject = ReportRejectForm(prefix=f"reject-{report.pk}")
        if failed is not None and failed.pk == report.pk:
            if isinstance(bound, ReportAcceptForm):
                accept = bound
            elif isinstance(bound, ReportRejectForm):
                reject = bound
        lines.append(QueueLine(report=report, accept=accept, reject=reject))
    return render(
        request,
        "absences/office/pending_reports.html",
        {
            "school": school,
            "lines": lines,
            "decided": reports_decided(school=school),
            "today": timezone.localdate(),
        },
        status=400 if bound is not None else 200,
    )
