"""Follow-up pages for the office, attendance lead and head of one school.

Each view loads the school through `access.get_school_for_office` (a teacher gets a 403 that
names nothing, staff of another school a 404), then calls one selector or service.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absences import access
from absences.forms.office import (
    EvidenceOutcomeForm,
    EvidenceRequestForm,
    ExpectedIllnessForm,
    NotAcceptedForm,
    ReturnSentForm,
)
from absences.models import ReturnKind, ReturnSent
from absences.selectors import followup
from absences.selectors import la_returns as la
from absences.selectors.pupils import pupils_on_roll_by_name
from absences.services.evidence import (
    illness_not_accepted,
    medical_evidence_outcome_record,
    medical_evidence_request,
)
from absences.services.la_returns import expected_illness_record, la_return_record_sent
from absences.services.unauthorised_letters import unauthorised_letters_request
from core.http import AuthenticatedHttpRequest
from registers.forms import submit
from registers.lib.csv_files import csv_response
from registers.models import Pupil, School
from registers.services.access_log import access_log_record


@login_required
@require_GET
def overview(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    return render(
        request,
        "absences/followup/overview.html",
        {
            "school": school,
            "today": today,
            "summary": followup.followup_summary(school=school, today=today),
            "returns_owed": la.returns_owed(school=school, as_of=today),
        },
    )


@login_required
@require_GET
def continuing_absence(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
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
def medical_evidence(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
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
def evidence_request(
    request: AuthenticatedHttpRequest, school_id: int, request_id: int
) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    evidence = access.medical_evidence_request_at_school(school=school, request_id=request_id)
    return _render_evidence_request(request, evidence)


@login_required
@require_POST
def evidence_outcome(
    request: AuthenticatedHttpRequest, school_id: int, request_id: int
) -> HttpResponse:
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
def evidence_not_accepted(
    request: AuthenticatedHttpRequest, school_id: int, request_id: int
) -> HttpResponse:
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
def overdue_n(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
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


# The returns to the local authority: a page each, the same rows as CSV, and the office's record
# of each return sent.


@dataclass(frozen=True)
class ReturnRow:
    pupil: Pupil
    period_start: date
    cells: list
    sent: ReturnSent | None
    note: str = ""  # a possible child missing education, an illness expected


@dataclass(frozen=True)
class ReturnTable:
    kind: ReturnKind
    slug: str
    title: str
    explanation: str
    header: list[str]
    rows: list[ReturnRow]


RETURN_SLUGS = {
    "continuous": ReturnKind.CONTINUOUS_ABSENCE,
    "illness": ReturnKind.ILLNESS,
    "new-pupils": ReturnKind.NEW_PUPIL,
    "deletions": ReturnKind.DELETION,
}


def _name(slug: str) -> str:
    return slug.replace("-", "_")


def _return_title(slug: str) -> str:
    return {
        "continuous": "Continuous absence",
        "illness": "Illness",
        "new-pupils": "New pupils",
        "deletions": "Deletions",
    }[slug]


def _return_table(*, slug: str, school: School, today: date) -> ReturnTable:
    kind = RETURN_SLUGS[slug]
    if kind == ReturnKind.CONTINUOUS_ABSENCE:
        runs = la.continuous_absence_return(school=school, as_of=today)
        return ReturnTable(
            kind,
            slug,
            "Absent for 10 continuous school days",
            "Pupils of compulsory school age whose latest run of school sessions coded G, N, O "
            "or U reaches 10 school days (20 sessions). Holidays neither count nor break a run.",
            ["upn", "pupil name", "first day", "last day", "school days"],
            [
                ReturnRow(
                    run.pupil,
                    run.first_day,
                    [run.pupil.upn, run.pupil.name, run.first_day, run.last_day, run.school_days],
                    run.sent,
                )
                for run in runs
            ],
        )
    if kind == ReturnKind.ILLNESS:
        rows = la.illness_return(school=school, as_of=today)
        return ReturnTable(
            kind,
            slug,
            "Absent through illness for 15 days",
            "Pupils of compulsory school age with 30 or more sessions of I this school year, "
            "consecutive or not, and those the school expects to miss 15 days through sickness. "
            "One return a period of sickness.",
            ["upn", "pupil name", "sessions of I", "first day", "last day", "expected"],
            [
                ReturnRow(
                    row.pupil,
                    row.first_day,
                    [
                        row.pupil.upn,
                        row.pupil.name,
                        row.sessions,
                        row.first_day,
                        row.last_day,
                        "yes" if row.expected else "no",
                    ],
                    row.sent,
                    f"Expected: {row.expected.reason}" if row.expected else "",
                )
                for row in rows
            ],
        )
    if kind == ReturnKind.NEW_PUPIL:
        owed = la.new_pupil_returns_owed(school=school, as_of=today)
        return ReturnTable(
            kind,
            slug,
            "New pupils",
            "Pupils entered in the admission register whose return is owed, due by the end of "
            "the fifth day after their name was entered (not a pupil placed in the most junior "
            "class from the first day of the school year).",
            ["upn", "pupil name", "starting day", "due by"],
            [
                ReturnRow(
                    row.enrolment.pupil,
                    row.enrolment.start_date,
                    [
                        row.enrolment.pupil.upn,
                        row.enrolment.pupil.name,
                        row.enrolment.start_date,
                        row.due_on,
                    ],
                    row.sent,
                )
                for row in owed
            ],
        )
    deletions = la.deletion_returns_owed(school=school, as_of=today)
    return ReturnTable(
        kind,
        slug,
        "Deletions from the admission register",
        "Pupils deleted from the admission register whose return is owed, with the ground "
        "(not a pupil of the most senior class leaving at the end of the school year). A "
        "pupil with no known destination is a possible child missing education.",
        ["upn", "pupil name", "leaving day", "ground", "destination"],
        [
            ReturnRow(
                row.enrolment.pupil,
                row.leaving_date,
                [
                    row.enrolment.pupil.upn,
                    row.enrolment.pupil.name,
                    row.leaving_date,
                    row.enrolment.get_leaving_reason_display(),
                    row.enrolment.destination,
                ],
                row.sent,
                "Possible child missing education: no known destination"
                if row.possible_child_missing_education
                else "",
            )
            for row in deletions
        ],
    )


@login_required
@require_GET
def la_return(request: AuthenticatedHttpRequest, school_id: int, report: str) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    return _render_la_return(request, school, report)


def _render_la_return(
    request: HttpRequest,
    school: School,
    report: str,
    *,
    expected_form: ExpectedIllnessForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    table = _return_table(slug=report, school=school, today=today)
    return render(
        request,
        "absences/followup/la_report.html",
        {
            "school": school,
            "today": today,
            "table": table,
            "csv_url": reverse(f"followup_la_{_name(report)}_csv", args=[school.pk]),
            "sent_url": reverse(f"followup_la_{_name(report)}_sent", args=[school.pk]),
            "returns": [
                (slug, _return_title(slug), reverse(f"followup_la_{_name(slug)}", args=[school.pk]))
                for slug in RETURN_SLUGS
            ],
            "expected_form": expected_form
            or (ExpectedIllnessForm(school=school) if table.kind == ReturnKind.ILLNESS else None),
        },
        status=status,
    )


@login_required
@require_GET
def la_return_csv(request: AuthenticatedHttpRequest, school_id: int, report: str) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    table = _return_table(slug=report, school=school, today=today)
    access_log_record(
        user=request.user,
        school=school,
        what=f"{report} return CSV as of {today.isoformat()}",
        rows=len(table.rows),
    )
    return csv_response(
        filename=f"{report}-{school.urn}-{today.isoformat()}.csv",
        header=table.header,
        rows=[row.cells for row in table.rows],
    )


@login_required
@require_POST
def la_return_sent(request: AuthenticatedHttpRequest, school_id: int, report: str) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    form = ReturnSentForm(request.POST, school=school)
    sent = submit(
        form,
        lambda data: la_return_record_sent(
            school=school,
            pupil=data["pupil"],
            kind=RETURN_SLUGS[report],
            period_start=data["period_start"],
            by=request.user,
        ),
    )
    if sent is None:
        messages.error(
            request,
            " ".join(str(error) for error in form.non_field_errors()) or "Choose a return.",
        )
    else:
        messages.success(request, f"Recorded as sent: {sent.pupil.name}.")
    return redirect(request.path.rsplit("sent/", 1)[0])


@login_required
@require_POST
def la_expected_illness(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    form = ExpectedIllnessForm(request.POST, school=school)
    recorded = submit(
        form,
        lambda data: expected_illness_record(school=school, by=request.user, **data),
    )
    if recorded is None:
        return _render_la_return(request, school, "illness", expected_form=form, status=400)
    messages.success(request, f"Illness expected for {recorded.pupil.name}: recorded.")
    return redirect("followup_la_illness", school_id=school.pk)


# Letters telling parents of absence recorded as unauthorised (where the federation sends them).


@login_required
@require_http_methods(["GET", "POST"])
def unauthorised_letters(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    if request.method == "POST":
        created = unauthorised_letters_request(school=school, today=timezone.localdate())
        messages.success(
            request,
            f"{len(created)} letter(s) requested: each is drawn, stored and e-mailed."
            if created
            else "No session newly recorded as unauthorised: no letter to write.",
        )
        return redirect(request.path)
    return render(
        request,
        "absences/followup/unauthorised_letters.html",
        {
            "school": school,
            "switched_on": school.federation.unauthorised_absence_letters,
            "letters": followup.unauthorised_letters_this_year(
                school=school, today=timezone.localdate()
            ),
        },
    )


@login_required
@require_GET
def unauthorised_letter_download(
    request: AuthenticatedHttpRequest, school_id: int, unauthorised_letter_id: int
) -> FileResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    letter = access.unauthorised_letter_at_school(school=school, letter_id=unauthorised_letter_id)
    access_log_record(
        user=request.user, school=school, what=f"unauthorised absence letter {letter.pk}", rows=1
    )
    return FileResponse(
        letter.letter.open("rb"),
        as_attachment=True,
        filename=f"unauthorised-absence-{letter.pk}.pdf",
        content_type="application/pdf",
    )
