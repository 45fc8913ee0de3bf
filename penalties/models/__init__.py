"""Penalty-notice work: threshold cases and their decisions, notices to improve, penalty notices."""

from penalties.models.cases import (
    CaseDecision,
    CaseRoute,
    SupportOffered,
    ThresholdCase,
    ThresholdCheck,
)
from penalties.models.ladder import LadderLetter, LadderLetterKind, LadderStep, LadderStepKind
from penalties.models.notices import (
    LADecision,
    NoticeToImprove,
    PenaltyNotice,
    PenaltyNoticeEvidence,
    PenaltyNoticeKind,
    ServedBy,
)

__all__ = [
    "CaseDecision",
    "CaseRoute",
    "LADecision",
    "LadderLetter",
    "LadderLetterKind",
    "LadderStep",
    "LadderStepKind",
    "NoticeToImprove",
    "PenaltyNotice",
    "PenaltyNoticeEvidence",
    "PenaltyNoticeKind",
    "ServedBy",
    "SupportOffered",
    "ThresholdCase",
    "ThresholdCheck",
]
