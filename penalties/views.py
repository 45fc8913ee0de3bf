"""Penalty-notice pages: each view loads its school through `access`, then calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from penalties.selectors import threshold_cases_open_for_school
from penalties.services import threshold_cases_open
from registers import access
from registers.models import Role, School

# The policies: the attendance lead monitors pupils' attendance and, with the head, requests
# penalty notices from the local authority.
THRESHOLD_CASE_ROLES = frozenset({Role.ATTENDANCE_LEAD, Role.HEAD})


def _school_for_threshold_cases(request: HttpRequest, school_id: int) -> School:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    if access.role_at(user=request.user, school_id=school.pk) not in THRESHOLD_CASE_ROLES:
        raise PermissionDenied(access.NOT_YOURS)
    return school


@login_required
@require_http_methods(["GET", "POST"])
def threshold_cases(request: HttpRequest, school_id: int) -> HttpResponse:
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
