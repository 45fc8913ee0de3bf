"""The federation overview: every school side by side for a chosen period, with its CSV.

School-level aggregates only (a school of fewer than 5 pupils is suppressed like a cohort; one
with no session recorded in the period says so). The
federation is loaded through `reports.access.get_federation_for_overview` (its admin, and the
governors, heads and attendance leads of its schools); the figures of all its schools come
from one statement.
"""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from core.db_routing import replica_reads
from core.http import AuthenticatedHttpRequest
from core.parsing import DAY_RANGE, iso_day
from registers.lib.csv_files import csv_response
from registers.models import Federation, School
from registers.services.access_log import access_log_record
from reports import access, charts
from reports.selectors.dashboards import (
    EVERY_PUPIL_ON_ROLL,
    LONGEST_PERIOD,
    NATIONAL_POPULATION,
    NO_SESSIONS_NOTE,
    SUPPRESSED_NOTE,
    FederationOverview,
    federation_default_period,
    federation_overview,
)
from reports.views.governors import RATE_HEADER, rate_cells


@replica_reads
@login_required
@require_GET
def overview(request: AuthenticatedHttpRequest, federation_id: int) -> HttpResponse:
    federation = access.get_federation_for_overview(user=request.user, federation_id=federation_id)
    period, problem = _period(request, federation)
    context: dict = {
        "federation": federation,
        "problem": problem,
        "suppressed_note": SUPPRESSED_NOTE,
        "no_sessions_note": NO_SESSIONS_NOTE,
        "start": request.GET.get("from", ""),
        "end": request.GET.get("to", ""),
    }
    if problem:
        return render(request, "reports/federation_overview.html", context, status=400)
    figures = _overview(federation, *period)
    context.update(
        overview=figures,
        start=figures.start,
        end=figures.end,
        chart=school_chart(figures),
        linked=access.dashboard_school_ids(user=request.user, federation=federation),
        csv_url=reverse("federation_overview_csv", args=[federation.pk])
        + "?"
        + urlencode({"from": figures.start.isoformat(), "to": figures.end.isoformat()}),
    )
    return render(request, "reports/federation_overview.html", context)


@replica_reads
@login_required
@require_GET
def overview_csv(request: AuthenticatedHttpRequest, federation_id: int) -> HttpResponse:
    federation = access.get_federation_for_overview(user=request.user, federation_id=federation_id)
    period, problem = _period(request, federation)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    figures = _overview(federation, *period)
    # The national comparison first, then every pupil on roll, each line saying which.
    rows = [
        *(
            [school.urn, row.label, *rate_cells(row), NATIONAL_POPULATION]
            for school, row in figures.schools
        ),
        *(
            ["", row.label, *rate_cells(row), NATIONAL_POPULATION]
            for row in (figures.total, figures.benchmark)
        ),
        *(
            [school.urn, row.label, *rate_cells(row), EVERY_PUPIL_ON_ROLL]
            for school, row in figures.all_pupils_schools
        ),
        [
            "",
            figures.all_pupils_total.label,
            *rate_cells(figures.all_pupils_total),
            EVERY_PUPIL_ON_ROLL,
        ],
    ]
    access_log_record(
        user=request.user,
        school=None,
        what=f"federation overview CSV, federation {federation.pk}",
        rows=len(rows),
        filters={"from": figures.start.isoformat(), "to": figures.end.isoformat()},
    )
    return csv_response(
        filename=f"federation-overview-{figures.start.isoformat()}-{figures.end.isoformat()}.csv",
        header=["URN", "school", "pupils", *RATE_HEADER, "pupils counted"],
        rows=rows,
    )


def _overview(federation: Federation, start: date, end: date) -> FederationOverview:
    schools = list(School.objects.filter(federation=federation).order_by("name"))
    return federation_overview(federation=federation, schools=schools, start=start, end=end)


def _period(request: HttpRequest, federation: Federation) -> tuple[tuple[date, date], str]:
    """`?from=` and `?to=` (YYYY-MM-DD), by default this term; or the reason they cannot be
    used."""
    given = {key: request.GET.get(key, "").strip() for key in ("from", "to")}
    if not any(given.values()):
        today = timezone.localdate()
        return federation_default_period(federation=federation, today=today), ""
    days = {}
    for key, text in given.items():
        day = iso_day(text)
        if day is None:
            words = "first" if key == "from" else "last"
            return (date.min, date.min), (
                f"Give the {words} day as a date (YYYY-MM-DD, {DAY_RANGE})."
            )
        days[key] = day
    if days["to"] < days["from"]:
        return (date.min, date.min), "The last day is before the first day."
    if days["to"] - days["from"] > LONGEST_PERIOD:
        return (date.min, date.min), "Choose a period of at most a year (366 days)."
    return (days["from"], days["to"]), ""


def school_chart(figures: FederationOverview) -> charts.Chart:
    benchmark = figures.benchmark
    return charts.bar_chart(
        title=f"Attendance by school of {NATIONAL_POPULATION}, "
        f"{figures.start:%d %b %Y} to {figures.end:%d %b %Y}",
        bars=[
            charts.Bar(row.label, row.attendance, row.withheld) for _school, row in figures.schools
        ],
        reference_pct=benchmark.attendance,
        reference_label=f"{benchmark.label} attendance ({benchmark.attendance}%)",
    )
