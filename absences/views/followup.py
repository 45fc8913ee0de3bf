"""Follow-up pages for the office, attendance lead and head of one school.

Each view loads the school through `access.get_school_for_office` (a teacher gets a 403 that
names nothing, staff of another school a 404), then calls one selector or service.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absences import access
from absences.forms import EvidenceOutcomeForm, EvidenceRequestForm, NotAcceptedForm
from absences.selectors import followup
from absences.selectors.pupils import pupils_on_roll_by_name
from absences.services.evidence import (
    illness_not_accepted,
    medical_evidence_outcome_record,
    medical_evidence_request,
)
from registers.forms import submit
from registers.lib.csv_files import csv_response
from registers.services.access_log import access_log_record


@login_required
@require_GET
def overview(request: HttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    return render(
        request,
        "absences/followup/overview.html",
        {
            "school": school,
            "today": today,
            "summary": followup.followup_summary(school=school, today=today),
            "la_illness_days": followup.LA_ILLNESS_DAYS,
            "la_continuous_days": followup.LA_CONTINUOUS_DAYS,
        },
    )


@login_required
@require_GET
def continuing_absence(request: HttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    return render(
        request,
        "absences/followup/continuing_absence.html",
        {
            "school": school,
            "today": today,
            "runs": followup.continuing_absence(school=school, today=today),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def medical_evidence(request: HttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    form = EvidenceRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        made = submit(
            form,
            lambda data: medical_evidence_request(
                school=school,
                pupil=access.get_pupil_at_school(school=school, pupil_id=data["pupil"]),
                first_day=data["first_day"],
                last_day=data["last_day"],
                by=request.user,
            ),
        )
        if made is not None:
            messages.success(request, f"Medical evidence requested for {made.pupil.name}.")
            return redirect("followup_evidence_request", school.pk, made.pk)
    return render(
        request,
        "absences/followup/medical_evidence.html",
        {
            "school": school,
            "today": today,
            "form": form,
            "candidates": followup.medical_evidence_candidates(school=school, today=today),
            "requests": followup.medical_evidence_requests(school=school, today=today),
            "pupils": pupils_on_roll_by_name(school=school, day=today),
            "after_days": followup.MEDICAL_EVIDENCE_AFTER_DAYS,
        },
        status=status,
    )


def _render_evidence_request(
    request: HttpRequest, evidence, *, outcome_form=None, not_accepted_form=None, status=200
) -> HttpResponse:
    return render(
        request,
        "absences/followup/evidence_request.html",
        {
            "school": evidence.school,
            "evidence": evidence,
            "marks": followup.evidence_request_marks(request=evidence),
            "outcome_form": outcome_form or EvidenceOutcomeForm(),
            "not_accepted_form": not_accepted_form or NotAcceptedForm(),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_GET
def evidence_request(request: HttpRequest, school_id: int, request_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    evidence = access.medical_evidence_request_at_school(school=school, request_id=request_id)
    return _render_evidence_request(request, evidence)


@login_required
@require_POST
def evidence_outcome(request: HttpRequest, school_id: int, request_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    evidence = access.medical_evidence_request_at_school(school=school, request_id=request_id)
    form = EvidenceOutcomeForm(request.POST)
    recorded = submit(
        form,
        lambda data: medical_evidence_outcome_record(
            request=evidence, outcome=data["outcome"], by=request.user
        ),
    )
    if recorded is not None:
        messages.success(request, "Outcome recorded.")
        return redirect("followup_evidence_request", school.pk, evidence.pk)
    return _render_evidence_request(request, evidence, outcome_form=form, status=400)


@login_required
@require_POST
def evidence_not_accepted(request: HttpRequest, school_id: int, request_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    evidence = access.medical_evidence_request_at_school(school=school, request_id=request_id)
    form = NotAcceptedForm(request.POST)
    recoded = submit(
        form,
        lambda data: illness_not_accepted(
            request=evidence, parents_told_on=data["parents_told_on"], by=request.user
        ),
    )
    if recoded is not None:
        messages.success(
            request, f"{evidence.pupil.name}'s illness is now recorded as unauthorised (O)."
        )
        return redirect("followup_evidence_request", school.pk, evidence.pk)
    return _render_evidence_request(request, evidence, not_accepted_form=form, status=400)


@login_required
@require_GET
def overdue_n(request: HttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    return render(
        request,
        "absences/followup/overdue_n.html",
        {
            "school": school,
            "today": today,
            "marks": followup.overdue_n_list(school=school, today=today),
            "within_days": followup.N_RESOLVED_WITHIN_SCHOOL_DAYS,
        },
    )


# The two reports to the local authority: a page and the same rows as CSV.
LA_REPORTS = {
    "illness": (
        followup.la_illness_report,
        f"Absent through illness for {followup.LA_ILLNESS_DAYS} school days or more",
        "Whole school days coded I this school year, consecutive or not.",
    ),
    "continuous": (
        followup.la_continuous_absence_report,
        f"Absent for {followup.LA_CONTINUOUS_DAYS} continuous school days or more",
        "Each run of absence (authorised or unauthorised) this school year.",
    ),
}
CSV_HEADER = ["upn", "pupil name", "first day", "last day", "school days"]


@login_required
@require_GET
def la_report(request: HttpRequest, school_id: int, report: str) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    selector, title, explanation = LA_REPORTS[report]
    today = timezone.localdate()
    return render(
        request,
        "absences/followup/la_report.html",
        {
            "school": school,
            "today": today,
            "report": report,
            "title": title,
            "explanation": explanation,
            "runs": selector(school=school, today=today),
        },
    )


@login_required
@require_GET
def la_report_csv(request: HttpRequest, school_id: int, report: str) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    selector = LA_REPORTS[report][0]
    today: date = timezone.localdate()
    rows = [
        [
            run.pupil.upn,
            f"{run.pupil.legal_forename} {run.pupil.legal_surname}",
            run.first_day,
            run.last_day,
            run.school_days,
        ]
        for run in selector(school=school, today=today)
    ]
    access_log_record(
        user=request.user,
        school=school,
        what=f"{report} report CSV as of {today.isoformat()}",
        rows=len(rows),
    )
    return csv_response(
        filename=f"{report}-{school.urn}-{today.isoformat()}.csv", header=CSV_HEADER, rows=rows
    )
