"""The office's queue of absences parents reported online: accept or reject.

Accepting is logging the parent's report as the office logs a parent's call
(`parent_call_record`): the sessions up to today are coded (an N the register already holds is
amended, "Reported by parent: <name>"; a session not yet taken gets an office mark the register
shows as already known) and days still to come become a reported absence that their registers
fill in. Rejecting records a note the parent sees; the register is not touched.
"""

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from absences.models import (
    CallDirection,
    CallOutcome,
    ParentReport,
    ReportKind,
    ReportStatus,
)
from absences.services.calls import parent_call_record
from core.errors import DomainError
from registers.codes import ILLNESS, MEDICAL_APPOINTMENT
from registers.lib.calendar import day_label

REPORTED_BY_PARENT = "Reported by parent"
# The code the office is offered for each kind of report; "other" is the office's to choose.
SUGGESTED_CODES: dict[str, str] = {
    ReportKind.ILLNESS: ILLNESS,
    ReportKind.MEDICAL: MEDICAL_APPOINTMENT,
}


def reported_by_parent(contact_name: str) -> str:
    """The amendment's reason: reported by a parent, naming who (2024 regulations)."""
    return f"{REPORTED_BY_PARENT}: {contact_name}"


def report_reason(report: ParentReport) -> str:
    """The reason as the contact log records it: the kind, the appointment time, the words."""
    said = report.get_kind_display()
    if report.appointment_time:
        said += f" at {report.appointment_time:%H:%M}"
    if report.details:
        said += f": {report.details}"
    return said[:500]


def _already_decided(report: ParentReport) -> str:
    report.refresh_from_db()
    when = timezone.localtime(report.decided_at) if report.decided_at else None
    return (
        f"This report was already {report.get_status_display().lower()}"
        + (f" on {day_label(when.date())}" if when else "")
        + ": a decided report is not decided again."
    )


@transaction.atomic
def parent_report_accept(
    *,
    report: ParentReport,
    code: str,
    first_day: date | None = None,
    first_session: str | None = None,
    last_day: date | None = None,
    last_session: str | None = None,
    note: str = "",
    by: User,
) -> ParentReport:
    """Accept a pending report with the code for its reason, for the sessions it covers (or
    fewer, or others, if the office knows better: a pupil who came in for the morning).

    Claimed with a conditional update, so a second accept or a reject at the same moment
    changes nothing; if the call cannot be recorded (a code that may not be entered, a pupil
    no longer on roll) the claim is rolled back with it and the report stays pending.
    """
    code = (code or "").strip().upper()
    if not code:
        raise DomainError("Choose the code for the reason the parent gave.")
    claimed = ParentReport.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(
        status=ReportStatus.ACCEPTED,
        code_id=code,
        office_note=(note or "").strip()[:500],
        decided_by=by,
        decided_at=timezone.now(),
    )
    if not claimed:
        raise DomainError(_already_decided(report))
    recorded = parent_call_record(
        school=report.school,
        pupil=report.pupil,
        contact=report.contact,
        contact_name=report.contact.name,
        direction=CallDirection.ONLINE,
        outcome=CallOutcome.REACHED,
        reason_given=report_reason(report),
        code=code,
        first_day=first_day or report.first_day,
        first_session=first_session or report.first_session,
        last_day=last_day or report.last_day,
        last_session=last_session or report.last_session,
        expected_return=None,
        by=by,
        amendment_reason=reported_by_parent(report.contact.name),
    )
    ParentReport.objects.filter(pk=report.pk).update(call=recorded.call)
    report.refresh_from_db()
    return report


@transaction.atomic
def parent_report_reject(*, report: ParentReport, note: str, by: User) -> ParentReport:
    """Reject a pending report with a note the parent sees (why, and what to do instead)."""
    note = (note or "").strip()
    if not note:
        raise DomainError("Write a note for the parent: they see it with the decision.")
    claimed = ParentReport.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(
        status=ReportStatus.REJECTED,
        office_note=note[:500],
        decided_by=by,
        decided_at=timezone.now(),
    )
    if not claimed:
        raise DomainError(_already_decided(report))
    report.refresh_from_db()
    return report
