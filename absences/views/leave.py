"""Leave of absence and part-time timetable pages.

The office (and attendance lead and head) records requests, codes refused leave taken anyway,
keeps part-time timetables and their reviews; only the head decides leave (both policies). Each
view loads the school through `absences.access` (404 for another school's staff, 403 for a
role that may not), then the request or review within that school (404 for any other id), and calls
one service.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from absences import access
from absences.forms.office import LeaveDecisionForm, LeaveRequestForm, ReviewForm, TimetableForm
from absences.models import LeaveDecision
from absences.selectors.leave import leave_requests_decided, leave_requests_pending
from absences.selectors.timetables import timetables_to_follow_up
from absences.services.leave import (
    approval_problem,
    leave_decision_letter_send,
    leave_request_decide,
    leave_request_record,
    leave_taken_anyway_record,
)
from absences.services.timetables import part_time_timetable_agree, timetable_review_record
from core.errors import DomainError
from registers import permissions
from registers.forms import already_recorded, submit
from registers.services.access_log import access_log_record

# Decided leave stays on the office's page this long after its last day: time to code refused
# leave that was taken anyway, and to send a letter that failed.
DECIDED_KEPT_DAYS = 28


@login_required
def leave_requests(request: HttpRequest, school_id: int) -> HttpResponse:
    """The office's page: requests waiting for the head, and recent decisions to follow up."""
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    return render(
        request,
        "absences/leave/requests.html",
        {
            "school": school,
            "pending": leave_requests_pending(school=school),
            "decided": leave_requests_decided(
                school=school, since=today - timedelta(days=DECIDED_KEPT_DAYS)
            ),
            "today": today,
            "is_head": access.has_permission(
                user=request.user, school_id=school.pk, permission=permissions.DECIDE_LEAVE
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave_request_new(request: HttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    form = LeaveRequestForm(
        request.POST or None, school=school, initial={"received_on": timezone.localdate()}
    )
    status = 200
    if request.method == "POST":
        status = 400
        leave = submit(
            form,
            lambda data: leave_request_record(
                school=school,
                pupil=data["pupil"],
                first_day=data["first_day"],
                first_session=data["first_session"],
                last_day=data["last_day"],
                last_session=data["last_session"],
                category=data["category"],
                reason=data["reason"],
                evidence=data["evidence"],
                received_on=data["received_on"],
                requested_by_name=data["requested_by_name"],
                requester_lives_with_pupil=data["requester_lives_with_pupil"],
                by=request.user,
            ),
        )
        if leave is not None:
            notice = " It was given at short notice." if leave.short_notice else ""
            messages.success(
                request, f"Request recorded for {leave.pupil.name}: the head decides.{notice}"
            )
            return redirect("leave_requests", school_id=school.pk)
    same = already_recorded(form)
    return render(
        request,
        "absences/leave/record.html",
        {
            "school": school,
            "form": form,
            "existing_url": reverse("leave_requests", args=[school.pk]) + f"#leave-{same.pk}"
            if same
            else "",
        },
        status=status,
    )


@login_required
def leave_queue(request: HttpRequest, school_id: int) -> HttpResponse:
    """The head's queue of requests to decide."""
    school = access.get_school_for_head(user=request.user, school_id=school_id)
    return render(
        request,
        "absences/leave/queue.html",
        {"school": school, "pending": leave_requests_pending(school=school)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave_decide(request: HttpRequest, school_id: int, leave_id: int) -> HttpResponse:
    school = access.get_school_for_head(user=request.user, school_id=school_id)
    leave = access.leave_request_at_school(school=school, leave_id=leave_id)
    form = LeaveDecisionForm(
        request.POST or None,
        initial={
            "approved_first_day": leave.first_day,
            "approved_first_session": leave.first_session,
            "approved_last_day": leave.last_day,
            "approved_last_session": leave.last_session,
        },
    )
    status = 200
    if request.method == "POST":
        status = 400
        decided = submit(
            form,
            lambda data: leave_request_decide(
                leave=leave,
                approve=data["decision"] == "approve",
                reason=data["reason"],
                approved_first_day=data["approved_first_day"],
                approved_first_session=data["approved_first_session"],
                approved_last_day=data["approved_last_day"],
                approved_last_session=data["approved_last_session"],
                by=request.user,
            ),
        )
        if decided is not None:
            decided.refresh_from_db()  # the letter is drawn after the decision commits
            # Said as it is: drawing and e-mailing happen in the background (the outbox), and
            # a letter that cannot go is listed on the Messages page, never claimed as sent.
            letter = (
                "The letter has been e-mailed to the parents."
                if decided.letter_emailed_at
                else "The letter is being drawn and e-mailed to the parents with an address; "
                "the Messages page shows it if it cannot be sent."
            )
            messages.success(
                request,
                f"{decided.pupil.name}: leave {decided.get_decision_display().lower()}. {letter}",
            )
            return redirect("leave_queue", school_id=school.pk)
    return render(
        request,
        "absences/leave/decide.html",
        {
            "school": school,
            "leave": leave,
            "form": form,
            "decided": leave.decision != LeaveDecision.PENDING,
            "cannot_approve": approval_problem(leave),
        },
        status=status,
    )


@login_required
def leave_letter(request: HttpRequest, school_id: int, leave_id: int) -> FileResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    leave = access.leave_request_at_school(school=school, leave_id=leave_id)
    if not leave.letter:
        raise Http404("No letter has been drawn for this request yet.")
    letter = leave.letter.open("rb")
    access_log_record(
        user=request.user, school=school, what=f"leave decision letter, request {leave.pk}", rows=1
    )
    return FileResponse(
        letter,
        content_type="application/pdf",
        as_attachment=True,
        filename=f"leave-decision-{leave.pk}.pdf",
    )


@login_required
@require_POST
def leave_letter_send(request: HttpRequest, school_id: int, leave_id: int) -> HttpResponse:
    """Draw and e-mail a letter that failed after the decision (it is never sent twice)."""
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    leave = access.leave_request_at_school(school=school, leave_id=leave_id)
    try:
        leave = leave_decision_letter_send(leave_id=leave.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "Letter e-mailed to the parents."
            if leave.letter_emailed_at
            else "Letter ready; no parent has an e-mail address: print it and send it.",
        )
    return redirect("leave_requests", school_id=school.pk)


@login_required
@require_POST
def leave_taken_anyway(request: HttpRequest, school_id: int, leave_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    leave = access.leave_request_at_school(school=school, leave_id=leave_id)
    try:
        leave_taken_anyway_record(leave=leave, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("leave_requests", school_id=school.pk)
    messages.success(
        request, f"{leave.pupil.name}: the sessions asked for, up to today, are coded G."
    )
    return redirect("leave_requests", school_id=school.pk)


@login_required
def part_time_timetables(request: HttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    return render(
        request,
        "absences/leave/timetables.html",
        {
            "school": school,
            "today": today,
            "lists": timetables_to_follow_up(school=school, today=today),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def part_time_timetable_new(request: HttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    form = TimetableForm(request.POST or None, school=school)
    status = 200
    if request.method == "POST":
        status = 400
        timetable = submit(
            form,
            lambda data: part_time_timetable_agree(
                school=school,
                pupil=data["pupil"],
                start=data["start"],
                end=data["end"],
                sessions_off=data["sessions_off"],
                reason=data["reason"],
                review_dates=form.review_dates(),
                by=request.user,
            ),
        )
        if timetable is not None:
            messages.success(
                request,
                f"Part-time timetable recorded for {timetable.pupil.name} until "
                f"{timetable.end:%-d %B %Y}.",
            )
            return redirect("part_time_timetables", school_id=school.pk)
    return render(
        request,
        "absences/leave/timetable_agree.html",
        {"school": school, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def timetable_review(request: HttpRequest, school_id: int, review_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    review = access.timetable_review_at_school(school=school, review_id=review_id)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        held = submit(
            form,
            lambda data: timetable_review_record(
                review=review, notes=data["notes"], by=request.user
            ),
        )
        if held is not None:
            messages.success(request, f"Review recorded for {review.timetable.pupil.name}.")
            return redirect("part_time_timetables", school_id=school.pk)
    return render(
        request,
        "absences/leave/timetable_review.html",
        {"school": school, "review": review, "form": form},
        status=status,
    )
