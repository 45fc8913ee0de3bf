"""The governors' termly dashboard, its PDF report and its tables as CSV.

Aggregates only: no pupil's name or UPN reaches these pages (the selectors return none), and a
cell about fewer than 5 pupils reads "fewer than 5 pupils", one about none "no sessions
recorded". Each view loads the school through
`reports.access.get_school_for_dashboard` (governors, the head, the attendance lead, and the
federation admin), then the term from the school's own terms.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.db_routing import replica_reads
from core.http import AuthenticatedHttpRequest
from core.parsing import object_id_or_400
from registers.lib.csv_files import csv_response
from registers.models import School
from registers.services.access_log import access_log_record
from reports import access, charts
from reports.pdf import report_pdf
from reports.selectors.dashboards import (
    ALL_PUPILS,
    EVERY_PUPIL_ON_ROLL,
    NATIONAL_POPULATION,
    NO_SESSIONS_NOTE,
    SUPPRESSED_NOTE,
    GovernorsDashboard,
    Row,
    governors_dashboard,
    school_terms,
    term_for_dashboard,
)

RATE_HEADER = [
    "attendance %",
    "authorised absence %",
    "unauthorised absence %",
    "persistent absence % of pupils",
    "severe absence % of pupils",
]


@replica_reads
@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_dashboard(user=request.user, school_id=school_id)
    figures = _dashboard_or_none(request, school)
    return render(request, "reports/governors_dashboard.html", _context(school, figures))


@replica_reads
@login_required
@require_GET
def report(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    """The same dashboard as a PDF for the governing body's meeting."""
    school = access.get_school_for_dashboard(user=request.user, school_id=school_id)
    figures = _dashboard_or_none(request, school)
    if figures is None:
        raise Http404("This school has no terms yet.")
    context = {**_context(school, figures), "printed": timezone.localdate()}
    pdf = report_pdf(template="reports/governors_report.html", context=context)
    access_log_record(
        user=request.user,
        school=school,
        what=f"governors' report PDF, term {figures.term.pk}",
        rows=sum(len(CSV_TABLES[table](figures)[1]) for table in CSV_TABLES),
        filters={"term": figures.term.pk},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="governors-report-{school.urn}-{_slug(figures.term.name)}.pdf"'
    )
    return response


@replica_reads
@login_required
@require_GET
def table_csv(request: AuthenticatedHttpRequest, school_id: int, table: str) -> HttpResponse:
    """One table of the dashboard as CSV, suppressed cells included as the page shows them."""
    if table not in CSV_TABLES:
        raise Http404("No such table.")
    school = access.get_school_for_dashboard(user=request.user, school_id=school_id)
    figures = _dashboard_or_none(request, school)
    if figures is None:
        raise Http404("This school has no terms yet.")
    header, rows = CSV_TABLES[table](figures)
    access_log_record(
        user=request.user,
        school=school,
        what=f"governors' {table} CSV, term {figures.term.pk}",
        rows=len(rows),
        filters={"table": table, "term": figures.term.pk},
    )
    return csv_response(
        filename=f"governors-{table}-{school.urn}-{_slug(figures.term.name)}.csv",
        header=header,
        rows=rows,
    )


def _dashboard_or_none(request: HttpRequest, school: School) -> GovernorsDashboard | None:
    """The dashboard of `?term=<id>` (a term of this school; any other is a 404), by default
    the current term or the one just ended; None when the school has no terms."""
    today = timezone.localdate()
    terms = school_terms(school=school)
    wanted = request.GET.get("term")
    if wanted:
        term_id = object_id_or_400(wanted, name="term")
        term = next((each for each in terms if each.pk == term_id), None)
        if term is None:
            raise Http404("No such term at this school.")
    else:
        term = term_for_dashboard(terms=terms, today=today)
    if term is None:
        return None
    return governors_dashboard(school=school, terms=terms, term=term, today=today)


def _context(school: School, figures: GovernorsDashboard | None) -> dict:
    context: dict = {
        "school": school,
        "dashboard": figures,
        "suppressed_note": SUPPRESSED_NOTE,
        "no_sessions_note": NO_SESSIONS_NOTE,
    }
    if figures is None:
        return context
    query = f"?term={figures.term.pk}"
    context.update(
        trend_chart=trend_chart(figures),
        cohort_chart=cohort_chart(figures),
        pdf_url=reverse("governors_report", args=[school.pk]) + query,
        csv_urls={
            table.replace("-", "_"): reverse("governors_csv", args=[school.pk, table]) + query
            for table in CSV_TABLES
        },
    )
    return context


def trend_chart(figures: GovernorsDashboard) -> charts.Chart:
    benchmark = figures.benchmark
    previous = figures.previous_term
    return charts.trend_chart(
        title=f"Attendance by school week of {NATIONAL_POPULATION}: {figures.term.name}"
        + (f" and {previous.name}" if previous else ""),
        this_term=charts.Series(figures.term.name, [week.attendance for week in figures.weeks]),
        previous_term=charts.Series(
            previous.name, [week.attendance for week in figures.previous_weeks]
        )
        if previous
        else None,
        benchmark_pct=benchmark.attendance,
        benchmark_label=f"{benchmark.label} attendance",
    )


def cohort_chart(figures: GovernorsDashboard) -> charts.Chart:
    whole = figures.cohorts[0]
    return charts.bar_chart(
        title=f"Attendance by cohort: {figures.term.name}",
        bars=[charts.Bar(row.label, row.attendance, row.withheld) for row in figures.cohorts[1:]],
        reference_pct=whole.attendance,
        reference_label=f"{ALL_PUPILS} ({whole.attendance}%)"
        if whole.attendance is not None
        else ALL_PUPILS,
    )


def rate_cells(row: Row) -> list:
    """A row's pupils and rates as CSV cells; a withheld row says why each is empty."""
    if row.withheld:
        return [row.withheld] * (len(RATE_HEADER) + 1)
    return [
        row.pupils,
        row.attendance,
        row.authorised,
        row.unauthorised,
        row.persistent,
        row.severe,
    ]


def _rates_csv(figures: GovernorsDashboard) -> tuple[list, list]:
    header = ["period", "note", "pupils", *RATE_HEADER, "pupils counted"]
    every = figures.all_pupils
    return header, [
        *([row.label, row.note, *rate_cells(row), NATIONAL_POPULATION] for row in figures.rates),
        [every.label, every.note, *rate_cells(every), EVERY_PUPIL_ON_ROLL],
    ]


def _groups_csv(rows: list[Row], first: str) -> tuple[list, list]:
    header = [first, "pupils", *RATE_HEADER, "attendance gap to all pupils (points)"]
    return header, [[row.label, *rate_cells(row), row.withheld or row.gap] for row in rows]


def _weeks_csv(figures: GovernorsDashboard) -> tuple[list, list]:
    header = [
        "term",
        "school week of term",
        "week starting",
        f"attendance % of {NATIONAL_POPULATION}",
    ]
    weeks = [*figures.previous_weeks, *figures.weeks]
    return header, [
        [
            week.term,
            week.number,
            week.week_start,
            week.withheld or week.attendance,
        ]
        for week in weeks
    ]


CSV_TABLES = {
    "rates": _rates_csv,
    "cohorts": lambda figures: _groups_csv(figures.cohorts, "cohort"),
    "year-groups": lambda figures: _groups_csv(figures.year_groups, "year group"),
    "weeks": _weeks_csv,
}


def _slug(text: str) -> str:
    return "-".join(text.lower().split()) or "term"
