from .audit import AccessLog, RetentionRun, SubmittedForm
from .marks import Amendment, AttendanceCode, Mark, MarkSource
from .pupil_terms import PupilTerm
from .pupil_weeks import PupilWeek
from .pupils import (
    Contact,
    Enrolment,
    GroupMembership,
    LeavingReason,
    Pupil,
    PupilContact,
    RegistrationGroup,
    RegistrationType,
    deletion_problem,
)
from .registers import LateArrival, Register, RegisterReminder
from .schools import (
    Closure,
    Federation,
    ImprovementPeriodCounting,
    PenaltyLimitCounting,
    School,
    SchoolDay,
    SessionTimes,
    Term,
)
from .staff import Membership, Role

__all__ = [
    "AccessLog",
    "Amendment",
    "AttendanceCode",
    "Closure",
    "Contact",
    "Enrolment",
    "Federation",
    "ImprovementPeriodCounting",
    "PenaltyLimitCounting",
    "GroupMembership",
    "LateArrival",
    "LeavingReason",
    "deletion_problem",
    "Mark",
    "MarkSource",
    "Membership",
    "Pupil",
    "PupilContact",
    "PupilTerm",
    "PupilWeek",
    "Register",
    "RegisterReminder",
    "RetentionRun",
    "RegistrationGroup",
    "RegistrationType",
    "Role",
    "School",
    "SchoolDay",
    "SessionTimes",
    "SubmittedForm",
    "Term",
]
