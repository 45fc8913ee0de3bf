"""Register pages: each view loads its objects through `access`, then calls one service."""

from dataclasses import replace
from datetime import date
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.http import AuthenticatedHttpRequest
from registers import access, permissions, selectors
from registers.codes import (
    COMMON_CODES,
    CountsAs,
    code_catalogue,
    present_code,
    register_codes,
    tally,
)
from registers.errors import StaleSave
from registers.forms import (
    AmendForm,
    ClosureForm,
    LateArrivalForm,
    LeavingForm,
    already_recorded,
    register_entries,
    submit,
)
from registers.lib.calendar import AM, PM, SESSIONS
from registers.models import Amendment, LateArrival, Mark
from registers.selectors.outbox import outbox_trouble_counts
from registers.services.admission import pupil_leaving_record
from registers.services.closures import school_closure_preview, school_closure_record
from registers.services.marks import late_arrival_record, mark_amend, session_problem
from registers.services.register import RegisterRefused, register_submit


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    schools = selectors.schools_today_for_user(user=request.user, day=today)
    if not schools and access.is_parent(user=request.user):
        return redirect("parents_home")
    due = selectors.registers_due(groups=access.groups_for_registers(user=request.user), day=today)
    followed = [e.school.pk for e in schools if permissions.SEE_MESSAGES in e.permissions]
    if followed:
        trouble = outbox_trouble_counts(school_ids=followed)
        schools = [
            replace(
                entry,
                messages_failed=trouble.get(entry.school.pk, (0, 0))[0],
                messages_unsent=trouble.get(entry.school.pk, (0, 0))[1],
            )
            for entry in schools
        ]
    return render(
        request,
        "registers/home.html",
        {
            "today": today,
            "schools": schools,
            "due": due,
            "office_roles": access.WHOLE_SCHOOL_REGISTER_ROLES,
        },
    )


def _code_picker(session: str, records_closures: bool) -> dict:
    """Common codes first, then every code the register offers by group, each with its
    meaning (`register_codes`: only those that make sense for the session and the role)."""
    offered = {
        entry.code: entry
        for entry in register_codes(session=session, records_closures=records_closures)
    }
    common = [c for c in (present_code(session), *COMMON_CODES) if c in offered]
    groups: dict[str, list] = {}
    for code, entry in offered.items():
        if code not in common:
            groups.setdefault(entry.get_group_display(), []).append(entry)
    return {"common": [offered[c] for c in common], "groups": groups.items()}


# The tap register's "more" menu: the codes grouped as the school uses them.
MENU_GROUPS = (
    (CountsAs.ATTENDANCE, "Present or attending"),
    (CountsAs.AUTHORISED, "Authorised absence"),
    (CountsAs.UNAUTHORISED, "Unauthorised absence"),
    (CountsAs.NOT_POSSIBLE, "Not counted (not a possible session)"),
)


@cache
def _code_options_html(session: str, records_closures: bool) -> tuple[str, str]:
    """The picker's options and the tap register's menu, drawn once per process for each
    session and role: the catalogue they show changes only by migration (`code_catalogue` is
    read once per process too)."""
    offered = register_codes(session=session, records_closures=records_closures)
    menu = [
        (label, [(entry, tally(entry.code)) for entry in offered if entry.counts_as == group])
        for group, label in MENU_GROUPS
    ]
    return (
        render_to_string(
            "registers/_code_options.html",
            {"picker": _code_picker(session, records_closures)},
        ),
        render_to_string("registers/_code_menu.html", {"menu": menu}),
    )


@cache
def _code_tallies() -> dict:
    """Every code's meaning and how the page counts it, for the tap register's script (a
    saved mark may carry a code the menu does not offer)."""
    return {code: [tally(code), entry.meaning] for code, entry in code_catalogue().items()}


def _lines(sheet: selectors.RegisterSheet, posted=None, *, fill_present: bool = False) -> list:
    """What each row of the form shows: what was just typed, else what is saved."""
    present = present_code(sheet.session)
    lines = []
    for line in sheet.lines:
        key, mark = line.pupil.pk, line.mark
        if posted is None:
            code, arrived, seen = (
                (mark.code_id, "", mark.version) if mark else (line.expected_code, "", "")
            )
        else:
            code = posted.get(f"code-{key}", "")
            arrived, seen = posted.get(f"arrived-{key}", ""), posted.get(f"seen-{key}", "")
        if fill_present and not code:
            code = present
        lines.append(
            {
                "pupil": line.pupil,
                "mark": mark,
                "expected": line.expected_code,
                "expected_why": line.expected_why,
                "code": code,
                "arrived": arrived,
                "seen": seen,
            }
        )
    return lines


@login_required
@require_http_methods(["GET", "POST"])
def register(
    request: AuthenticatedHttpRequest, group_id: int, day: date, session: str
) -> HttpResponse:
    if session not in SESSIONS:
        raise Http404("No such session.")
    group = access.get_group_for_register(user=request.user, group_id=group_id)
    problems: list[str] = []
    conflicts: list = []
    posted = None
    status = 200
    if request.method == "POST":
        posted = request.POST
        entries, problems = register_entries(request.POST)
        if request.POST.get("action") == "fill_present":
            sheet = selectors.register_sheet(group=group, day=day, session=session)
            return _render_register(request, sheet, _lines(sheet, posted, fill_present=True))
        if not problems:
            try:
                result = register_submit(
                    group=group,
                    day=day,
                    session=session,
                    entries=entries,
                    by=request.user,
                    reason=request.POST.get("reason", ""),
                )
            except StaleSave as stale:
                conflicts, posted, status = stale.conflicts, None, 409
                problems = [
                    "Someone else changed marks on this register after you opened it. "
                    "Nothing you sent was saved; below are the marks as they are now."
                ]
            except RegisterRefused as refused:
                problems, status = refused.problems, 400
            except DomainError as error:
                problems, status = [error.message], 400
            else:
                messages.success(
                    request,
                    f"Register saved: {result.created} new mark(s), {result.amended} amended.",
                )
                return redirect(request.path)
        else:
            status = 400
    sheet = selectors.register_sheet(group=group, day=day, session=session)
    return _render_register(
        request, sheet, _lines(sheet, posted), problems=problems, conflicts=conflicts, status=status
    )


def _render_register(
    request, sheet, lines, *, problems=(), conflicts=(), status=200
) -> HttpResponse:
    school = sheet.group.school
    records_closures = access.may_at_group_school(
        user=request.user, group=sheet.group, permission=permissions.RECORD_CLOSURES
    )
    options_html, menu_html = _code_options_html(sheet.session, records_closures)
    previous_day, next_day = sheet.days_either_side or selectors.school_days_either_side(
        school=school, day=sheet.day
    )
    return render(
        request,
        "registers/register.html",
        {
            "sheet": sheet,
            "lines": lines,
            "problems": problems,
            "conflicts": conflicts,
            "reason": request.POST.get("reason", ""),
            "code_options_html": options_html,
            "code_menu_html": menu_html,
            "code_tallies": _code_tallies(),
            "session_problem": session_problem(
                school=school,
                day=sheet.day,
                session=sheet.session,
                school_session=sheet.school_session,
            ),
            "other_session": PM if sheet.session == AM else AM,
            "previous_day": previous_day,
            "next_day": next_day,
            "today": timezone.localdate(),
            "draft_key": f"register-draft:{sheet.group.pk}:{sheet.day}:{sheet.session}:"
            f"{request.user.pk}",
            "keeps_histories": access.may_at_group_school(
                user=request.user, group=sheet.group, permission=permissions.VIEW_PUPIL_HISTORY
            ),
            "saved_marks": any(line["mark"] for line in lines),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def late_book(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    today = timezone.localdate()
    pupils = selectors.pupils_on_roll_with_class(school=school, day=today)
    now = timezone.localtime()
    form = LateArrivalForm(
        request.POST or None,
        pupils=pupils,
        initial={"session": AM if now.hour < 12 else PM, "arrived_at": f"{now:%H:%M}"},
    )
    status = 200
    if request.method == "POST":
        status = 400
        arrival = submit(
            form,
            lambda data: late_arrival_record(
                school=school,
                pupil=data["pupil"],
                day=today,
                session=data["session"],
                arrived_at=data["arrived_at"],
                reason=data["reason"],
                by=request.user,
            ),
        )
        if arrival is not None:
            messages.success(
                request,
                f"{arrival.pupil.name} arrived at {arrival.arrived_at:%H:%M}: "
                f"marked {arrival.mark.code_id}.",
            )
            return redirect(request.path)
    entries = LateArrival.objects.filter(school=school, date=today).select_related("pupil", "mark")
    same = already_recorded(form)
    return render(
        request,
        "registers/late_book.html",
        {
            "school": school,
            "form": form,
            "entries": entries,
            "today": today,
            "existing_url": f"{request.path}#late-{same.pk}" if same else "",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def amend(request: AuthenticatedHttpRequest, mark_id: int) -> HttpResponse:
    mark = access.get_mark_for_amending(user=request.user, mark_id=mark_id)
    form = AmendForm(request.POST or None, initial={"seen_version": mark.version})
    status, stale_message = 200, ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                mark_amend(
                    mark=mark,
                    code=form.cleaned_data["code"],
                    arrived_at=form.cleaned_data["arrived_at"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    seen_version=form.cleaned_data["seen_version"],
                )
            except StaleSave as stale:
                # Start again from the mark as it is now, keeping the reason typed.
                status, stale_message = 409, stale.message
                mark.refresh_from_db()
                form = AmendForm(
                    initial={"seen_version": mark.version, "reason": form.cleaned_data["reason"]}
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Mark amended; the original entry is kept.")
                return redirect(
                    reverse("pupil_history", args=[mark.school_id, mark.pupil_id])
                    + f"#mark-{mark.pk}"
                )
    amendments = Amendment.objects.filter(mark=mark).order_by("amended_at")
    return render(
        request,
        "registers/amend.html",
        {"mark": mark, "form": form, "amendments": amendments, "stale_message": stale_message},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pupil_leaving(request: AuthenticatedHttpRequest, school_id: int, pupil_id: int) -> HttpResponse:
    """Delete a pupil from the admission register on a ground of regulation 9."""
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    pupil = access.get_pupil_at_school(school=school, pupil_id=pupil_id)
    form = LeavingForm(request.POST or None, initial={"leaving_date": timezone.localdate()})
    if request.method == "POST":
        enrolment = submit(
            form,
            lambda data: pupil_leaving_record(
                school=school,
                pupil=pupil,
                leaving_date=data["leaving_date"],
                ground=data["ground"],
                destination=data["destination"],
            ),
        )
        if enrolment is not None:
            messages.success(
                request,
                f"{pupil.name} leaves the admission register after "
                f"{enrolment.leaving_date:%-d %B %Y}: the deletion return is owed."
                + (
                    " No destination is known: a possible child missing education."
                    if enrolment.possible_child_missing_education
                    else ""
                ),
            )
            return redirect("pupil_history", school_id=school.pk, pupil_id=pupil.pk)
    return render(
        request,
        "registers/pupil_leaving.html",
        {"school": school, "pupil": pupil, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET"])
def pupil_history(request: AuthenticatedHttpRequest, school_id: int, pupil_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    pupil = access.get_pupil_at_school(school=school, pupil_id=pupil_id)
    marks = (
        Mark.objects.filter(pupil=pupil, school=school)
        .select_related("code", "recorded_by")
        .prefetch_related("amendments")
        .order_by("-date", "session")
    )
    latest = selectors.latest_enrolment(school=school, pupil=pupil)
    return render(
        request,
        "registers/pupil_history.html",
        {
            "school": school,
            "pupil": pupil,
            "marks": marks,
            "left_for_another_school": selectors.left_for_another_school(latest),
            "on_roll": latest is not None and latest.leaving_date is None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def closure(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    """Two steps: the form, then what it would change (registers and marks) with a button to
    confirm. Only the confirmation, which sends back the values previewed, records it."""
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    form = ClosureForm(request.POST or None, school=school, initial={"date": timezone.localdate()})
    status, preview = 200, None
    if request.method == "POST":
        status = 400

        def values(data: dict) -> dict:
            return {
                "school": school,
                "day": data["date"],
                "sessions": data["sessions"],
                "code": data["code"],
                "reason": data["reason"],
                "phase": data["phase"],
            }

        if request.POST.get("confirm"):
            result = submit(
                form, lambda data: school_closure_record(**values(data), by=request.user)
            )
            if result is not None:
                messages.success(
                    request,
                    f"Closure recorded for {result.pupils} pupils: {result.marks_created} marks "
                    f"entered, {result.marks_amended} amended.",
                )
                return redirect("home")
        else:
            preview = submit(form, lambda data: school_closure_preview(**values(data)))
            if preview is not None:
                status = 200
    return render(
        request,
        "registers/closure.html",
        {
            "school": school,
            "form": form,
            "preview": preview,
            # What the confirmation sends back: exactly the values previewed.
            "previewed": [(name, request.POST.getlist(name)) for name in form.fields]
            if preview
            else [],
        },
        status=status,
    )
