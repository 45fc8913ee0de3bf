"""Writes for penalty notices, by area: cases, notices to improve, penalty notices."""

from penalties.services.cases import case_route_decide, case_support_record, threshold_cases_open
from penalties.services.ladder import (
    intervention_ladder_run,
    ladder_letter_store,
    ladder_letters_request,
)
from penalties.services.notices_to_improve import (
    notice_to_improve_issue,
    notice_to_improve_letter_store,
)
from penalties.services.penalty_notices import (
    penalty_notice_la_decision_record,
    penalty_notice_payment_record,
    penalty_notice_record,
)

__all__ = [
    "case_route_decide",
    "case_support_record",
    "intervention_ladder_run",
    "ladder_letter_store",
    "ladder_letters_request",
    "notice_to_improve_issue",
    "notice_to_improve_letter_store",
    "penalty_notice_la_decision_record",
    "penalty_notice_payment_record",
    "penalty_notice_record",
    "threshold_cases_open",
]
