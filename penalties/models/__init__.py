"""Penalty-notice work: threshold cases and their decisions, notices to improve, penalty notices."""

from penalties.models.cases import CaseDecision, CaseRoute, SupportOffered, ThresholdCase
from penalties.models.notices import (
    LADecision,
    NoticeToImprove,
    PenaltyNotice,
    PenaltyNoticeKind,
)

__all__ = [
    "CaseDecision",
    "CaseRoute",
    "LADecision",
    "NoticeToImprove",
    "PenaltyNotice",
    "PenaltyNoticeKind",
    "SupportOffered",
    "ThresholdCase",
]
