"""The registers' reads: the calendar of sessions, who is on roll, registers due and taken
(`registers`), when registers open and close and which are missing (`monitor`), and the
attendance statistics every app's figures come from (`statistics`)."""

from registers.selectors.registers import (
    RegisterDue,
    RegisterLine,
    RegisterSheet,
    RegisterState,
    SchoolToday,
    SchoolWeek,
    enrolments_on,
    group_pupils_on,
    is_school_session,
    latest_enrolment,
    left_for_another_school,
    pupils_on_roll,
    register_sheet,
    registers_due,
    school_sessions_between,
    school_weeks,
    schools_for_user,
    schools_today_for_user,
    session_times_for,
)

__all__ = [
    "is_school_session",
    "SchoolWeek",
    "school_weeks",
    "session_times_for",
    "enrolments_on",
    "pupils_on_roll",
    "latest_enrolment",
    "left_for_another_school",
    "schools_for_user",
    "SchoolToday",
    "schools_today_for_user",
    "group_pupils_on",
    "RegisterLine",
    "RegisterSheet",
    "register_sheet",
    "RegisterState",
    "RegisterDue",
    "registers_due",
    "school_sessions_between",
]
