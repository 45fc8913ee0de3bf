"""The staff's figures pages: the teacher's classes, the head's / attendance lead's school, and
a pupil's profile. Each loads its objects through `reports.access`, calls one selector, and
draws its tables or, with `?format=csv&table=<name>`, downloads one of them."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.db_routing import replica_reads
from core.http import AuthenticatedHttpRequest
from core.parsing import object_id_or_400
from registers.models import School, Term
from registers.services.access_log import access_log_record
from reports import access
from reports.census_return import census_xml
from reports.charts import Chart, Series, trend_chart
from reports.exports import Table, census_csv, census_table, table_csv
from reports.selectors.dashboards import NATIONAL_POPULATION
from reports.selectors.overviews import SchoolOverview, school_overview, teacher_overview
from reports.selectors.periods import current_term
from reports.selectors.profile import pupil_profile
from reports.views.tables import profile_tables, school_tables, teacher_tables


def _page_or_csv(
    request: AuthenticatedHttpRequest,
    *,
    school: School,
    template: str,
    context: dict,
    tables: list[Table],
    what: str,
) -> HttpResponse:
    if request.GET.get("format") == "csv":
        table = next((t for t in tables if t.name == request.GET.get("table")), None)
        if table is None:
            raise Http404("No such table on this page.")
        access_log_record(
            user=request.user,
            school=school,
            what=f"{what}: {table.name} CSV",
            rows=len(table.rows),
            filters={"table": table.name},
        )
        return table_csv(table=table, school=school, day=timezone.localdate())
    return render(request, template, {**context, "school": school, "tables": tables})


@replica_reads
@login_required
@require_GET
def classes(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school, groups = access.get_school_for_class_figures(user=request.user, school_id=school_id)
    overview = teacher_overview(school=school, groups=groups, today=timezone.localdate())
    return _page_or_csv(
        request,
        school=school,
        template="reports/classes.html",
        context={"overview": overview},
        tables=teacher_tables(school=school, overview=overview),
        what="class figures",
    )


def _trend(overview: SchoolOverview) -> Chart:
    """This term's weeks beside the national figure, so over the pupils it counts."""
    return trend_chart(
        title=f"Attendance by school week this term, {NATIONAL_POPULATION} "
        "(as the national figure; the weekly table below counts every pupil)",
        this_term=Series(
            overview.term.label if overview.term else "This term",
            [figures.attendance_pct for _monday, figures in overview.national_population_weeks],
        ),
        previous_term=None,
        benchmark_pct=overview.benchmark_attendance_pct,
        benchmark_label=f"National, {overview.benchmark_year}",
    )


@replica_reads
@login_required
@require_GET
def school(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_figures(user=request.user, school_id=school_id)
    overview = school_overview(school=school, today=timezone.localdate())
    wants_csv = request.GET.get("format") == "csv"
    return _page_or_csv(
        request,
        school=school,
        template="reports/school.html",
        context={"overview": overview, "chart": None if wants_csv else _trend(overview)},
        tables=school_tables(school=school, overview=overview),
        what="school figures",
    )


@replica_reads
@login_required
@require_GET
def pupil(request: AuthenticatedHttpRequest, school_id: int, pupil_id: int) -> HttpResponse:
    school, pupil = access.get_pupil_for_profile(
        user=request.user, school_id=school_id, pupil_id=pupil_id
    )
    profile = pupil_profile(school=school, pupil=pupil, today=timezone.localdate())
    return _page_or_csv(
        request,
        school=school,
        template="reports/pupil.html",
        context={"pupil": pupil, "profile": profile},
        tables=profile_tables(school=school, profile=profile),
        what=f"pupil profile {pupil.pk}",
    )


def _census_term(request: HttpRequest, school: School) -> Term:
    """`?term=<id>`, or the current (or last) term."""
    term_id = request.GET.get("term")
    if term_id is None:
        term = current_term(school=school, day=timezone.localdate())
        if term is None:
            raise Http404("This school has no terms yet.")
        return term
    return access.get_term_at_school(school=school, term_id=object_id_or_400(term_id, name="term"))


@replica_reads
@login_required
@require_GET
def census(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    """The termly census-style file: `?term=<id>`, or the current (or last) term."""
    school = access.get_school_for_figures(user=request.user, school_id=school_id)
    term = _census_term(request, school)
    table = census_table(school=school, term=term)
    access_log_record(
        user=request.user,
        school=school,
        what=f"census CSV, term {term.pk}",
        rows=len(table.rows),
        filters={"term": term.pk},
    )
    return census_csv(school=school, term=term, table=table)


@replica_reads
@login_required
@require_GET
def census_return(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    """The census's attendance return (XML) for the census collecting the term's absence."""
    school = access.get_school_for_figures(user=request.user, school_id=school_id)
    term = _census_term(request, school)
    xml = census_xml(school=school, term=term)
    access_log_record(
        user=request.user,
        school=school,
        what=f"census XML, term {term.pk}",
        rows=xml.count(b"<Pupil>"),
        filters={"term": term.pk},
    )
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    slug = term.name.lower().replace(" ", "-")
    response["Content-Disposition"] = f'attachment; filename="census-{school.urn}-{slug}.xml"'
    return response
