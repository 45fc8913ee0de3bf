from django.db import transaction

from registers.lib import calendar
from registers.models import School, SchoolDay


@transaction.atomic
def school_calendar_rebuild(*, school: School) -> int:
    """Recompute the school's days and school-week numbers from its terms and closures.

    Called whenever terms or closures change (config loading, the admin), so the table never
    disagrees with the calendar it is derived from. Returns the number of school days.
    """
    days = calendar.school_days(
        [term.dates for term in school.terms.all()],
        school.closures.values_list("date", "session"),
    )
    SchoolDay.objects.filter(school=school).delete()
    SchoolDay.objects.bulk_create(
        SchoolDay(
            school=school,
            date=day.date,
            am=day.am,
            pm=day.pm,
            week_start=day.week_start,
            week_number=day.week_number,
        )
        for day in days
    )
    return len(days)
