"""The one place that knows what an attendance code counts as.

The 2024 catalogue itself is data (migration 0002); this module reads it and names the few codes
that rules act on. Anything that counts attendance filters on `code__counts_as` or asks here;
no other module lists codes.
"""

from datetime import date
from functools import cache

from django.db import models

from registers.lib.calendar import AM, PM

# The School Attendance (Pupil Registration) (England) Regulations 2024 apply from this day;
# codes withdrawn by them (H, J, Y) may only appear on earlier sessions.
REGULATIONS_2024_START = date(2024, 8, 19)

PRESENT_AM = "/"
PRESENT_PM = "\\"
LATE_BEFORE_CLOSE = "L"
LATE_AFTER_CLOSE = "U"
NOT_YET_ESTABLISHED = "N"
ILLNESS = "I"
MEDICAL_APPOINTMENT = "M"
HOLIDAY_NOT_GRANTED = "G"
ABSENT_OTHER = "O"  # other or unknown circumstances: also an illness the school does not accept
NOT_REQUIRED = "X"
PLANNED_CLOSURE = "#"
DUAL_REGISTERED = "D"
UNEXPECTED_CLOSURE = "Y4"


class CountsAs(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance"
    AUTHORISED = "authorised", "Authorised absence"
    UNAUTHORISED = "unauthorised", "Unauthorised absence"
    NOT_POSSIBLE = "not_possible", "Not a possible session"


class CodeGroup(models.TextChoices):
    PRESENT = "present", "Present"
    APPROVED_ACTIVITY = "approved_activity", "Attending an approved educational activity"
    LEAVE_OF_ABSENCE = "leave_of_absence", "Leave of absence"
    OTHER_AUTHORISED = "other_authorised", "Other authorised absence"
    UNAUTHORISED = "unauthorised", "Unauthorised absence"
    UNABLE_TO_ATTEND = "unable_to_attend", "Unable to attend: unavoidable cause"
    NOT_COUNTED = "not_counted", "Not counted"
    ADMINISTRATIVE = "administrative", "Administrative"
    WITHDRAWN = "withdrawn", "Withdrawn in 2024"


@cache
def code_catalogue() -> dict:
    """Every code, by its symbol. Codes change only by migration, so one read per process."""
    from registers.models import AttendanceCode

    return {code.code: code for code in AttendanceCode.objects.all()}


def counts_as(code: str) -> str:
    return code_catalogue()[code].counts_as


def is_absence(code: str) -> bool:
    """Authorised or unauthorised absence: a reason the school census counts sessions by."""
    return counts_as(code) in (CountsAs.AUTHORISED, CountsAs.UNAUTHORISED)


def code_problem(code: str, *, on: date, session: str) -> str | None:
    """Why `code` cannot be entered for that session, or None if it can."""
    catalogue = code_catalogue()
    if code not in catalogue:
        return f"'{code}' is not an attendance code"
    entry = catalogue[code]
    if entry.valid_until is not None and on > entry.valid_until:
        return f"'{code}' was withdrawn on {REGULATIONS_2024_START:%d %B %Y}; use a 2024 code"
    if code == PRESENT_AM and session == PM:
        return "'/' is the morning present mark; use '\\' in the afternoon"
    if code == PRESENT_PM and session == AM:
        return "'\\' is the afternoon present mark; use '/' in the morning"
    return None


def present_code(session: str) -> str:
    return PRESENT_AM if session == AM else PRESENT_PM
