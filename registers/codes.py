"""The one place that knows what an attendance code counts as.

The 2024 catalogue itself is data (migration 0002); this module reads it and names the few codes
that rules act on. Anything that counts attendance filters on `code__counts_as` or asks here;
no other module lists codes.
"""

from datetime import date
from functools import cache

from django.db import models

from registers.lib.calendar import AM, PM
from registers.lib.school_age import compulsory_school_age_problem

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
EXCEPTIONAL_CIRCUMSTANCES = "C"  # leave of absence granted for exceptional circumstances
NOT_REQUIRED = "X"
PART_TIME_TIMETABLE = "C2"
PLANNED_CLOSURE = "#"
DUAL_REGISTERED = "D"
UNEXPECTED_CLOSURE = "Y4"

# The codes a register offers first, after the session's present mark: those a class teacher
# enters most mornings (the rest are one step further away).
COMMON_CODES = (
    NOT_YET_ESTABLISHED,
    LATE_BEFORE_CLOSE,
    ILLNESS,
    MEDICAL_APPOINTMENT,
    LATE_AFTER_CLOSE,
    EXCEPTIONAL_CIRCUMSTANCES,
    HOLIDAY_NOT_GRANTED,
    ABSENT_OTHER,
)


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


def codes_counting_as(what: str) -> list[str]:
    """Every code that counts as `what` (a `CountsAs`), for a query that filters marks on their
    code column alone (an index needs no join to the code table)."""
    return sorted(code for code, entry in code_catalogue().items() if entry.counts_as == what)


def is_absence(code: str) -> bool:
    """Authorised or unauthorised absence: a reason the school census counts sessions by."""
    return counts_as(code) in (CountsAs.AUTHORISED, CountsAs.UNAUTHORISED)


def code_problem(code: str, *, on: date, session: str, born: date | None) -> str | None:
    """Why `code` cannot be entered for that session, or None if it can.

    `born` is the pupil's date of birth, for the codes that depend on compulsory school age
    (`C2`, `X`); imports of history pass None, as they record what another register held.
    """
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
    if born is not None and code in (PART_TIME_TIMETABLE, NOT_REQUIRED):
        age_problem = compulsory_school_age_problem(born, on)
        # The 2024 regulations: C2 records a part-time timetable agreed for a pupil of
        # compulsory school age; X is for a pupil not of compulsory school age who is not
        # required to attend that session.
        if code == PART_TIME_TIMETABLE and age_problem:
            return (
                f"'{code}' (part-time timetable) is for a pupil of compulsory school age, and "
                f"on {on:%-d %B %Y} this pupil is {age_problem}"
            )
        if code == NOT_REQUIRED and age_problem is None:
            return (
                f"'{code}' is for a pupil not of compulsory school age, and on {on:%-d %B %Y} "
                "this pupil is of compulsory school age"
            )
    return None


def present_code(session: str) -> str:
    return PRESENT_AM if session == AM else PRESENT_PM


def register_codes(*, session: str, records_closures: bool) -> list:
    """The codes a class register for `session` offers, in the catalogue's order.

    Not a code the 2024 regulations withdrew, not the other session's present mark (the AM
    register never offers `\\`), and the planned-closure mark `#` only to staff who record
    closures: a teacher does not close the school from a class register (issue 22, item 7).
    """
    other_present = PRESENT_PM if session == AM else PRESENT_AM
    return [
        entry
        for code, entry in code_catalogue().items()
        if entry.valid_until is None
        and code != other_present
        and (records_closures or code != PLANNED_CLOSURE)
    ]


class Tally(models.TextChoices):
    """How the register page counts a mark while it is being taken: the teacher's words."""

    PRESENT = "present", "Present or attending"
    LATE = "late", "Late"
    ABSENT = "absent", "Absent"
    NOT_COUNTED = "not_counted", "Not counted"


def tally(code: str) -> str:
    """What a code counts as on the register's running counts: `L` and `U` are both a pupil
    who arrived late (the server decides which from the arrival time); every other code by
    what it counts as in the statistics."""
    if code in (LATE_BEFORE_CLOSE, LATE_AFTER_CLOSE):
        return Tally.LATE
    by_counts_as: dict[str, str] = {
        CountsAs.ATTENDANCE: Tally.PRESENT,
        CountsAs.AUTHORISED: Tally.ABSENT,
        CountsAs.UNAUTHORISED: Tally.ABSENT,
    }
    return by_counts_as.get(counts_as(code), Tally.NOT_COUNTED)


# What a code means in a parent's words (issue #22: "plain words for codes"; a parent should not
# read "N - Reason for absence not yet established (unauthorised absence)" after one morning
# off). Codes not listed here are shown with their catalogue meaning.
PARENT_WORDS = {
    NOT_YET_ESTABLISHED: "Absent, and the school does not know why yet: please let the school know",
    ILLNESS: "Ill",
    MEDICAL_APPOINTMENT: "A medical or dental appointment",
    HOLIDAY_NOT_GRANTED: "A holiday the school did not agree to",
    ABSENT_OTHER: "Absent, for a reason the school could not accept",
    LATE_AFTER_CLOSE: "Arrived after the register closed (counts as an absence)",
    EXCEPTIONAL_CIRCUMSTANCES: "Leave the school agreed to",
    "C1": "Leave the school agreed to, for a performance or work",
    PART_TIME_TIMETABLE: "A part-time timetable agreed with the school",
    "E": "Suspended or excluded",
    "R": "A day set apart for religious observance",
    "S": "Study leave",
    "J1": "An interview",
}


def in_parents_words(code: str, meaning: str) -> str:
    """The code's meaning as a parent reads it on their child's page."""
    return PARENT_WORDS.get(code, meaning)
