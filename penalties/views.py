"""Penalty-notice pages: each view loads its school through `access`, then calls one service."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absences.selectors.pupils import parents_with_responsibility
from core.errors import DomainError
from core.http import AuthenticatedHttpRequest
from penalties import access, forms
from penalties.models import LadderLetterKind, NoticeToImprove, PenaltyNoticeKind, ThresholdCase
from penalties.selectors import (
    CASE_STEPS,
    case_next_step,
    case_steps_open,
    notice_to_improve_progress,
    penalty_notice_evidence_for_case,
    penalty_notices_for_pupil,
    suspension_notices_at_school,
    threshold_cases_open_for_school,
)
from penalties.selectors.evidence import case_evidence_as_it_stands
from penalties.selectors.ladder import (
    half_term_of,
    ladder_letter_progress,
    ladder_letters_due,
    ladder_letters_for_school,
    ladder_steps_for_school,
)
from penalties.services import (
    case_route_decide,
    case_support_record,
    notice_to_improve_issue,
    penalty_notice_la_decision_record,
    penalty_notice_payment_record,
    penalty_notice_record,
    threshold_cases_open,
)
from penalties.services.ladder import intervention_ladder_run, ladder_letters_request
from penalties.services.penalty_notices import national_sequence
from registers.forms import submit
from registers.lib.calendar import academic_year_label, academic_year_start
from registers.models import School
from registers.services.access_log import access_log_record


def _school_for_threshold_cases(request: AuthenticatedHttpRequest, school_id: int) -> School:
    # The attendance lead and the head (`registers.permissions.VIEW_CASES`).
    return access.get_school_for_cases(user=request.user, school_id=school_id)


def _case_for_user(
    request: AuthenticatedHttpRequest, school_id: int, case_id: int
) -> ThresholdCase:
    school = _school_for_threshold_cases(request, school_id)
    return access.threshold_case_at_school(school=school, case_id=case_id)


@login_required
@require_http_methods(["GET", "POST"])
def threshold_cases(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = _school_for_threshold_cases(request, school_id)
    today = timezone.localdate()
    if request.method == "POST":
        opened = threshold_cases_open(school=school, as_of=today)
        messages.success(
            request,
            f"Checked as of {today:%d %B %Y}: {opened} new case(s) opened."
            if opened
            else f"Checked as of {today:%d %B %Y}: no new pupil meets the threshold.",
        )
        return redirect(request.path)
    return render(
        request,
        "penalties/threshold_cases.html",
        {"school": school, "today": today, "cases": threshold_cases_open_for_school(school=school)},
    )


def _render_case(request: HttpRequest, case: ThresholdCase, **bound: object) -> HttpResponse:
    today = timezone.localdate()
    notice = NoticeToImprove.objects.filter(case=case).select_related("case__pupil").first()
    period = notice_to_improve_progress(notice=notice, today=today) if notice else None
    parents = parents_with_responsibility(pupil=case.pupil)
    support = list(case.support.select_related("recorded_by"))
    # One step's form at a time: the one a refused form was for, else the one asked for
    # (?step=), else the case's next step; the others are links.
    open_steps = case_steps_open(case=case, has_notice=notice is not None)
    refused = {"support_form": "support", "decision_form": "decision"}
    refused |= {"notice_form": "notice_to_improve", "penalty_form": "penalty_notice"}
    step = next((refused[name] for name in bound if name in refused), None)
    if step is None:
        asked = request.GET.get("step", "")
        step = asked if asked in open_steps else ""
    if not step:
        step = case_next_step(case=case, has_support=bool(support), has_notice=notice is not None)
    context = {
        "step": step,
        "step_label": CASE_STEPS.get(step, ""),
        "other_steps": [(s, CASE_STEPS[s]) for s in open_steps if s != step],
        "school": case.school,
        "case": case,
        "today": today,
        "support": support,
        "decisions": case.decisions.select_related("decided_by"),
        "notice": notice,
        "period": period,
        "penalty_notices": penalty_notices_for_pupil(school=case.school, pupil=case.pupil),
        "notice_evidence": penalty_notice_evidence_for_case(case=case),
        "evidence": case_evidence_as_it_stands(case=case, today=today),
        "alternative_action_for": [
            link.contact.name
            for link in parents
            if national_sequence(
                pupil=case.pupil,
                parent_id=link.contact_id,
                issued_on=today,
                counting=case.school.federation.penalty_limit_counting,
            )
            is None
        ],
        "support_form": forms.SupportForm(),
        "decision_form": forms.DecisionForm(),
        "notice_form": forms.NoticeToImproveForm(),
        "penalty_form": forms.PenaltyNoticeForm(pupil=case.pupil),
        "payment_form": forms.PaymentForm(),
        "la_form": forms.LADecisionForm(),
        **bound,
    }
    return render(request, "penalties/threshold_case.html", context, status=400 if bound else 200)


@login_required
@require_GET
def threshold_case_detail(
    request: AuthenticatedHttpRequest, school_id: int, case_id: int
) -> HttpResponse:
    return _render_case(request, _case_for_user(request, school_id, case_id))


def _post_case_form(
    request: HttpRequest,
    case: ThresholdCase,
    form: Form,
    form_name: str,
    action: Callable[[dict], str],
) -> HttpResponse:
    """Validate the form, call the service, and go back to the case page (or show why not)."""
    if form.is_valid():
        try:
            done = action(form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("threshold_case", school_id=case.school_id, case_id=case.pk)
    return _render_case(request, case, **{form_name: form})


@login_required
@require_POST
def case_support(request: AuthenticatedHttpRequest, school_id: int, case_id: int) -> HttpResponse:
    case = _case_for_user(request, school_id, case_id)

    def record(data: dict) -> str:
        case_support_record(case=case, by=request.user, **data)
        return "Support recorded."

    return _post_case_form(request, case, forms.SupportForm(request.POST), "support_form", record)


@login_required
@require_POST
def case_decide(request: AuthenticatedHttpRequest, school_id: int, case_id: int) -> HttpResponse:
    case = _case_for_user(request, school_id, case_id)

    def decide(data: dict) -> str:
        decision = case_route_decide(case=case, by=request.user, **data)
        return f"Decision recorded: {decision.get_route_display()}."

    return _post_case_form(request, case, forms.DecisionForm(request.POST), "decision_form", decide)


@login_required
@require_POST
def notice_to_improve(
    request: AuthenticatedHttpRequest, school_id: int, case_id: int
) -> HttpResponse:
    case = _case_for_user(request, school_id, case_id)

    def issue(data: dict) -> str:
        notice_to_improve_issue(case=case, by=request.user, **data)
        return "Notice to improve issued: its letter is being drawn."

    return _post_case_form(
        request, case, forms.NoticeToImproveForm(request.POST), "notice_form", issue
    )


@login_required
@require_GET
def notice_to_improve_letter(
    request: AuthenticatedHttpRequest, school_id: int, case_id: int
) -> FileResponse:
    case = _case_for_user(request, school_id, case_id)
    notice = NoticeToImprove.objects.filter(case=case).first()
    if notice is None or not notice.letter:
        raise Http404("No letter yet.")
    letter = notice.letter.open("rb")
    access_log_record(
        user=request.user,
        school=case.school,
        what=f"notice to improve letter, case {case.pk}",
        rows=1,
    )
    return FileResponse(
        letter,
        as_attachment=True,
        filename=f"notice-to-improve-{notice.pk}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def penalty_notice(request: AuthenticatedHttpRequest, school_id: int, case_id: int) -> HttpResponse:
    case = _case_for_user(request, school_id, case_id)

    def record(data: dict) -> str:
        penalty_notice_record(
            case=case,
            parent=data["parent"].contact,
            kind=PenaltyNoticeKind.NATIONAL,
            issued_on=data["issued_on"],
            served_by=data["served_by"],
            stale_evidence_reason=data["stale_evidence_reason"],
            by=request.user,
        )
        return "Penalty notice recorded."

    form = forms.PenaltyNoticeForm(request.POST, pupil=case.pupil)
    return _post_case_form(request, case, form, "penalty_form", record)


def _post_notice_form(
    request: HttpRequest, notice, form: Form, form_name: str, action: Callable[[dict], str]
) -> HttpResponse:
    """A form about one notice: back to its case page, or for a notice without a case (the
    suspended-pupil kind) to the school's list of those."""
    if notice.case is not None:
        return _post_case_form(request, notice.case, form, form_name, action)
    done = submit(form, action)
    if done is not None:
        messages.success(request, done)
        return redirect("suspension_notices", school_id=notice.school_id)
    problems = [str(message) for field_errors in form.errors.values() for message in field_errors]
    return _render_suspension_notices(request, notice.school, problems=problems, status=400)


@login_required
@require_POST
def penalty_notice_payment(
    request: AuthenticatedHttpRequest, school_id: int, notice_id: int
) -> HttpResponse:
    school = _school_for_threshold_cases(request, school_id)
    notice = access.penalty_notice_at_school(school=school, notice_id=notice_id)

    def record(data: dict) -> str:
        penalty_notice_payment_record(notice=notice, by=request.user, **data)
        return "Payment recorded."

    return _post_notice_form(
        request, notice, forms.PaymentForm(request.POST), "payment_form", record
    )


@login_required
@require_POST
def penalty_notice_la_decision(
    request: AuthenticatedHttpRequest, school_id: int, notice_id: int
) -> HttpResponse:
    school = _school_for_threshold_cases(request, school_id)
    notice = access.penalty_notice_at_school(school=school, notice_id=notice_id)

    def record(data: dict) -> str:
        penalty_notice_la_decision_record(notice=notice, by=request.user, **data)
        return "The local authority's decision is recorded."

    return _post_notice_form(request, notice, forms.LADecisionForm(request.POST), "la_form", record)


def _render_suspension_notices(
    request: HttpRequest,
    school: School,
    *,
    form: Form | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "penalties/suspension_notices.html",
        {
            "school": school,
            "notices": suspension_notices_at_school(school=school),
            "form": form or forms.SuspensionNoticeForm(school=school),
            "problems": problems or [],
            "la_form": forms.LADecisionForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def suspension_notices(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    """Penalty notices for a suspended or excluded pupil found in a public place: outside the
    national framework, so recorded without a threshold case and not counted towards its limit."""
    school = _school_for_threshold_cases(request, school_id)
    if request.method == "GET":
        return _render_suspension_notices(request, school)
    form = forms.SuspensionNoticeForm(request.POST, school=school)
    recorded = submit(
        form,
        lambda data: penalty_notice_record(
            pupil=data["parent"].pupil,
            school=school,
            parent=data["parent"].contact,
            kind=PenaltyNoticeKind.SUSPENSION_PUBLIC_PLACE,
            issued_on=data["issued_on"],
            served_by=data["served_by"],
            by=request.user,
        ),
    )
    if recorded is not None:
        messages.success(request, "Penalty notice recorded.")
        return redirect("suspension_notices", school_id=school.pk)
    return _render_suspension_notices(request, school, form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def intervention_ladder(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    """Pupils who fell below each step this school year, newest first, and this half term's
    letters with their progress; the page refreshes itself while any letter is being drawn."""
    school = _school_for_threshold_cases(request, school_id)
    today = timezone.localdate()
    if request.method == "POST":
        recorded = intervention_ladder_run(school=school, as_of=today)
        messages.success(
            request,
            f"Checked as of {today:%d %B %Y}: {recorded} new step(s) recorded."
            if recorded
            else f"Checked as of {today:%d %B %Y}: no pupil has fallen below a new step.",
        )
        return redirect(request.path)
    year = academic_year_start(today)
    try:
        half_term = half_term_of(school=school, day=today)
    except DomainError:
        half_term = None
    progress = (
        ladder_letter_progress(school=school, half_term_start=half_term.first_day)
        if half_term
        else []
    )
    response = render(
        request,
        "penalties/ladder.html",
        {
            "school": school,
            "today": today,
            "school_year": academic_year_label(year),
            "steps": ladder_steps_for_school(school=school, academic_year=year),
            "half_term": half_term,
            "progress": progress,
            "pending": any(row.pending for row in progress),
            "letters": (
                ladder_letters_for_school(school=school, half_term_start=half_term.first_day)
                if half_term
                else []
            ),
            "form": forms.LadderLettersPreviewForm(),
        },
    )
    if any(row.pending for row in progress):
        response["Refresh"] = "5"  # reload until every queued letter has been drawn
    return response


@login_required
@require_GET
def ladder_letters_preview(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    """Before a batch: every pupil who would get a letter of the kind, with their figure and
    the letter, and a button to confirm. Nothing is drawn or e-mailed from this page."""
    school = _school_for_threshold_cases(request, school_id)
    form = forms.LadderLettersPreviewForm(request.GET)
    if not form.is_valid():
        messages.error(request, "Choose which letters to preview.")
        return redirect("intervention_ladder", school_id=school.pk)
    kind = LadderLetterKind(form.cleaned_data["kind"])
    preview, problem = None, ""
    try:
        preview = ladder_letters_due(school=school, kind=kind, as_of=timezone.localdate())
    except DomainError as error:  # outside the terms: letters are drawn in term time
        problem = error.message
    return render(
        request,
        "penalties/ladder_letters_preview.html",
        {
            "school": school,
            "label": kind.label,
            "preview": preview,
            "problem": problem,
            "email_parents": form.cleaned_data["email_parents"],
        },
    )


@login_required
@require_POST
def ladder_letters(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    """The confirmation of a preview: the letters of the pupils it listed, one task each."""
    school = _school_for_threshold_cases(request, school_id)
    form = forms.LadderLettersForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Preview the letters, then confirm them.")
        return redirect("intervention_ladder", school_id=school.pk)
    kind = LadderLetterKind(form.cleaned_data["kind"])
    listed = form.cleaned_data["pupil"]
    try:
        queued = ladder_letters_request(
            school=school,
            kind=kind,
            as_of=timezone.localdate(),
            by=request.user,
            pupil_ids=listed,
            email_parents=form.cleaned_data["email_parents"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        label = kind.label.lower()
        gone = len(listed) - queued
        messages.success(
            request,
            f"{queued} {label}(s) queued."
            + (f" {gone} pupil(s) of the preview were no longer due one." if gone > 0 else "")
            if queued
            else f"No pupil of the preview is due a new {label} this half term.",
        )
    return redirect("intervention_ladder", school_id=school.pk)


@login_required
@require_GET
def ladder_letter_download(
    request: AuthenticatedHttpRequest, school_id: int, letter_id: int
) -> FileResponse:
    school = _school_for_threshold_cases(request, school_id)
    letter = access.ladder_letter_at_school(school=school, letter_id=letter_id)
    if not letter.letter:
        raise Http404("No letter yet.")
    pdf = letter.letter.open("rb")
    access_log_record(
        user=request.user,
        school=school,
        what=f"{letter.kind} letter, ladder letter {letter.pk}",
        rows=1,
    )
    return FileResponse(
        pdf,
        as_attachment=True,
        filename=f"{letter.kind}-letter-{letter.pk}.pdf",
        content_type="application/pdf",
    )
