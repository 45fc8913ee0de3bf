from .audit import AccessLog, RetentionRun, SubmittedForm
from .marks import Amendment, AttendanceCode, Mark, MarkSource
from .outbox import Channel, MessageKind, OutboxMessage, OutboxStatus
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
    FirstDayChannel,
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
    "Channel",
    "MessageKind",
    "OutboxMessage",
    "OutboxStatus",
    "Closure",
    "Contact",
    "Enrolment",
    "Federation",
    "FirstDayChannel",
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
