from .marks import Amendment, AttendanceCode, Mark, MarkSource
from .pupils import (
    Contact,
    Enrolment,
    GroupMembership,
    LeavingReason,
    Pupil,
    PupilContact,
    RegistrationGroup,
    RegistrationType,
)
from .registers import LateArrival, Register
from .schools import Closure, Federation, School, SchoolDay, SessionTimes, Term
from .staff import Membership, Role

__all__ = [
    "Amendment",
    "AttendanceCode",
    "Closure",
    "Contact",
    "Enrolment",
    "Federation",
    "GroupMembership",
    "LateArrival",
    "LeavingReason",
    "Mark",
    "MarkSource",
    "Membership",
    "Pupil",
    "PupilContact",
    "Register",
    "RegistrationGroup",
    "RegistrationType",
    "Role",
    "School",
    "SchoolDay",
    "SessionTimes",
    "Term",
]
