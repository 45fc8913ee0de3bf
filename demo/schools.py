"""The demo schools as the database holds them: the planner's view of each loaded school."""

from datetime import date

from registers.lib.calendar import AM, PM
from registers.models import School, SchoolDay, SessionTimes, Term

from .marks import Phase
from .plan import PhaseInfo, SchoolInfo


def school_infos(*, urns: list[str], days: tuple[date, date] | None = None) -> list[SchoolInfo]:
    """The schools as loaded, in `urns` order: their phases, terms and every school session of
    the calendar (only those from `days[0]` to `days[1]` inclusive, when given)."""
    schools = School.objects.in_bulk(urns, field_name="urn")
    phases: dict[str, list[PhaseInfo]] = {urn: [] for urn in urns}
    for times in SessionTimes.objects.filter(school__urn__in=urns).select_related("school"):
        phases[times.school.urn].append(
            PhaseInfo(
                tuple(times.year_groups),
                Phase(
                    times.am_start,
                    times.am_register_closes,
                    times.pm_register_opens,
                    times.pm_register_closes,
                ),
            )
        )
    school_days = SchoolDay.objects.filter(school__urn__in=urns)
    if days is not None:
        school_days = school_days.filter(date__range=days)
    sessions: dict[str, list] = {urn: [] for urn in urns}
    for urn, day, am, pm in school_days.order_by("date").values_list(
        "school__urn", "date", "am", "pm"
    ):
        sessions[urn].extend([(day, AM)] * am + [(day, PM)] * pm)
    terms: dict[str, list] = {urn: [] for urn in urns}
    for urn, start, end in (
        Term.objects.filter(school__urn__in=urns)
        .order_by("start")
        .values_list("school__urn", "start", "end")
    ):
        terms[urn].append((start, end))
    return [
        SchoolInfo(
            urn=urn,
            name=schools[urn].name,
            la_code=schools[urn].la_code,
            phases=tuple(phases[urn]),
            sessions=tuple(sessions[urn]),
            terms=tuple(terms[urn]),
        )
        for urn in urns
    ]
