"""Reads for penalty notices, by area: `cases` (cases, notices, the evidence they rest on, a
notice to improve's progress), `threshold` (who meets the threshold), `evidence` (a case's
evidence as it stands) and `ladder` (the intervention ladder). Loaders that answer 404 are in
`penalties.access`."""

from penalties.selectors.cases import (
    ImprovementProgress,
    NoticeEvidence,
    PeriodAttendance,
    letter_attendance_periods,
    national_notices_to_parent,
    notice_to_improve_progress,
    penalty_notice_evidence_for_case,
    penalty_notices_for_pupil,
    pupil_attendance,
    suspension_notices_at_school,
    threshold_cases_open_for_school,
)
from penalties.selectors.threshold import (
    THRESHOLD_SCHOOL_WEEKS,
    THRESHOLD_SESSIONS,
    EvidenceMark,
    ThresholdResult,
    pupils_meeting_threshold,
)

__all__ = [
    "EvidenceMark",
    "ImprovementProgress",
    "NoticeEvidence",
    "PeriodAttendance",
    "THRESHOLD_SCHOOL_WEEKS",
    "THRESHOLD_SESSIONS",
    "ThresholdResult",
    "letter_attendance_periods",
    "national_notices_to_parent",
    "notice_to_improve_progress",
    "penalty_notice_evidence_for_case",
    "penalty_notices_for_pupil",
    "pupil_attendance",
    "pupils_meeting_threshold",
    "suspension_notices_at_school",
    "threshold_cases_open_for_school",
]
