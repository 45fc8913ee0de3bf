"""The missing-register monitor: a school's registers this session, live while registration is
open, and (for the head) the registers taken after their close, week by week."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.http import AuthenticatedHttpRequest
from core.parsing import DAY_RANGE, iso_day
from registers import access, permissions
from registers.lib.calendar import SESSIONS
from registers.models import School
from registers.selectors import monitor as selectors_monitor

POLL_SECONDS = 30


def _monitor(request: HttpRequest, school: School) -> selectors_monitor.MissingRegisters:
    now = timezone.localtime()
    session = request.GET.get("session", "")
    if session not in SESSIONS:
        session = selectors_monitor.current_session(school=school, now=now)
    return selectors_monitor.missing_registers(school=school, now=now, session=session)


@login_required
@require_GET
def missing_registers(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    context = {"school": school, "monitor": _monitor(request, school), "poll": POLL_SECONDS}
    if access.has_permission(
        user=request.user, school_id=school.pk, permission=permissions.VIEW_LATE_REGISTERS
    ):
        # The registers taken after their close are listed weekly for the head.
        week_problem = ""
        any_day = timezone.localdate()
        if request.GET.get("week"):
            asked = iso_day(request.GET["week"])
            if asked is None:
                week_problem = (
                    f"Give the week as a date (YYYY-MM-DD, {DAY_RANGE}); showing this week."
                )
            else:
                any_day = asked
        context["late"] = selectors_monitor.registers_taken_after_close(
            school=school, any_day=any_day
        )
        context["week_problem"] = week_problem
    return render(request, "registers/missing_registers.html", context)


@login_required
@require_GET
def missing_registers_live(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    """The part of the page htmx reloads every 30 seconds while registration is open."""
    school = access.get_school_for_office(user=request.user, school_id=school_id)
    return render(
        request,
        "registers/_missing_registers_live.html",
        {"school": school, "monitor": _monitor(request, school), "poll": POLL_SECONDS},
    )
