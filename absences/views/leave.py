"""Leave of absence and part-time timetable pages.

The office (and attendance lead and head) records requests, codes refused leave taken anyway,
keeps part-time timetables and their reviews; only the head decides leave (both policies). Each
view loads the school through `registers.access` (403 for another school's staff, saying
nothing of it), then the request or review within that school (404 for any other id), and calls
one service.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from absences.models import LeaveCategory, LeaveDecision, LeaveRequest, TimetableReview
from absences.services.leave import (
    leave_decision_letter_send,
    leave_request_at_school,
    leave_request_decide,
    leave_request_record,
    leave_requests_decided,
    leave_requests_pending,
    leave_taken_anyway_record,
)
from absences.services.timetables import (
    part_time_timetable_agree,
    timetable_review_at_school,
    timetable_review_record,
    timetables_to_follow_up,
)
from registers import access
from registers.errors import DomainError
from registers.lib.calendar import AM, PM, SESSIONS, WEEKDAY_NAMES
from registers.models import Pupil, Role, School
from registers.selectors import pupils_on_roll

SESSION_CHOICES = [(s, s) for s in SESSIONS]
WEEKLY_SESSION_CHOICES = [(f"{d} {s}", f"{d} {s}") for d in WEEKDAY_NAMES for s in SESSIONS]
# Decided leave stays on the office's page this long after its last day: time to code refused
# leave that was taken anyway, and to send a letter that failed.
DECIDED_KEPT_DAYS = 28


def _date_input() -> forms.DateInput:
    # ISO, as the browser's date picker expects (the en-GB default would be 08/09/2025).
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Forms parse and type-check; the services judge. TODO: move to absences/forms.py with the rest
# of the app's forms once it exists.


def _pupil_field(school: School) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=pupils_on_roll(school=school, day=timezone.localdate()).order_by(
            "legal_surname", "legal_forename"
        ),
        label="Pupil",
    )


class LeaveRequestForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none())
    category = forms.ChoiceField(label="Kind of leave asked for", choices=LeaveCategory.choices)
    first_day = forms.DateField(label="First day", widget=_date_input())
    first_session = forms.ChoiceField(label="From the", choices=SESSION_CHOICES, initial=AM)
    last_day = forms.DateField(label="Last day", widget=_date_input())
    last_session = forms.ChoiceField(label="Until the end of the", choices=SESSION_CHOICES)
    reason = forms.CharField(label="Reason the parent gives", widget=forms.Textarea)
    evidence = forms.CharField(
        label="Evidence sent in support (optional)", required=False, widget=forms.Textarea
    )
    received_on = forms.DateField(label="Written request received on", widget=_date_input())

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"] = _pupil_field(school)
        self.fields["last_session"].initial = PM


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason (written in the letter to the parents)", widget=forms.Textarea
    )
    approved_first_day = forms.DateField(
        label="Approved from (if approving)", required=False, widget=_date_input()
    )
    approved_first_session = forms.ChoiceField(label="From the", choices=SESSION_CHOICES)
    approved_last_day = forms.DateField(
        label="Approved until (if approving)", required=False, widget=_date_input()
    )
    approved_last_session = forms.ChoiceField(label="Until the end of the", choices=SESSION_CHOICES)


class TimetableForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none())
    start = forms.DateField(label="Starts on", widget=_date_input())
    # Not required here so the service explains why an end date is needed.
    end = forms.DateField(
        label="Ends on (full-time again from the next day)", required=False, widget=_date_input()
    )
    sessions_off = forms.MultipleChoiceField(
        label="Sessions each week not in school (C2)",
        choices=WEEKLY_SESSION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(label="Why it is in the pupil's best interests", widget=forms.Textarea)
    review_1 = forms.DateField(
        label="First review with the family", required=False, widget=_date_input()
    )
    review_2 = forms.DateField(
        label="Second review (optional)", required=False, widget=_date_input()
    )
    review_3 = forms.DateField(
        label="Third review (optional)", required=False, widget=_date_input()
    )

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"] = _pupil_field(school)

    def review_dates(self) -> list:
        return [
            self.cleaned_data[name]
            for name in ("review_1", "review_2", "review_3")
            if self.cleaned_data.get(name)
        ]


class ReviewForm(forms.Form):
    notes = forms.CharField(
        label="What was agreed with the pupil and parents", widget=forms.Textarea
    )


# Loading: the school through the access layer, then the object within that school.


def _leave_at(school: School, leave_id: int) -> LeaveRequest:
    leave = leave_request_at_school(school=school, leave_id=leave_id)
    if leave is None:
        raise Http404("No such leave request at this school.")
    return leave


def _review_at(school: School, review_id: int) -> TimetableReview:
    review = timetable_review_at_school(school=school, review_id=review_id)
    if review is None:
        raise Http404("No such review at this school.")
    return review


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
            "is_head": access.role_at(user=request.user, school_id=school.pk) == Role.HEAD,
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
        if form.is_valid():
            data = form.cleaned_data
            try:
                leave = leave_request_record(
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
                    by=request.user,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                notice = " It was given at short notice." if leave.short_notice else ""
                messages.success(
                    request, f"Request recorded for {leave.pupil.name}: the head decides.{notice}"
                )
                return redirect("leave_requests", school_id=school.pk)
    return render(
        request, "absences/leave/record.html", {"school": school, "form": form}, status=status
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
    leave = _leave_at(school, leave_id)
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
        if form.is_valid():
            data = form.cleaned_data
            try:
                leave = leave_request_decide(
                    leave=leave,
                    approve=data["decision"] == "approve",
                    reason=data["reason"],
                    approved_first_day=data["approved_first_day"],
                    approved_first_session=data["approved_first_session"],
                    approved_last_day=data["approved_last_day"],
                    approved_last_session=data["approved_last_session"],
                    by=request.user,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                leave.refresh_from_db()  # the letter is drawn after the decision commits
                sent = "and e-mailed to the parents" if leave.letter_emailed_at else "to send"
                messages.success(
                    request,
                    f"{leave.pupil.name}: leave {leave.get_decision_display().lower()}. "
                    f"The letter is ready {sent}.",
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
        },
        status=status,
    )


@login_required
def leave_letter(request: HttpRequest, school_id: int, leave_id: int) -> FileResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    leave = _leave_at(school, leave_id)
    if not leave.letter:
        raise Http404("No letter has been drawn for this request yet.")
    return FileResponse(
        leave.letter.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"leave-decision-{leave.pk}.pdf",
    )


@login_required
@require_POST
def leave_letter_send(request: HttpRequest, school_id: int, leave_id: int) -> HttpResponse:
    """Draw and e-mail a letter that failed after the decision (it is never sent twice)."""
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    leave = _leave_at(school, leave_id)
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
    leave = _leave_at(school, leave_id)
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
        if form.is_valid():
            data = form.cleaned_data
            try:
                timetable = part_time_timetable_agree(
                    school=school,
                    pupil=data["pupil"],
                    start=data["start"],
                    end=data["end"],
                    sessions_off=data["sessions_off"],
                    reason=data["reason"],
                    review_dates=form.review_dates(),
                    by=request.user,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
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
    review = _review_at(school, review_id)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                timetable_review_record(
                    review=review, notes=form.cleaned_data["notes"], by=request.user
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"Review recorded for {review.timetable.pupil.name}.")
                return redirect("part_time_timetables", school_id=school.pk)
    return render(
        request,
        "absences/leave/timetable_review.html",
        {"school": school, "review": review, "form": form},
        status=status,
    )
