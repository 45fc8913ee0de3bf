"""Reads for the parents' pages (each about one child the access helper has checked) and for
the office's queue of the absences parents reported."""

from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile

from absences.access import ParentChild
from absences.models import (
    CallDirection,
    LeaveRequest,
    ParentCall,
    ParentReport,
    ReportStatus,
)
from absences.selectors.letters import LetterLine, letter_file, letters_drawn
from registers.codes import CountsAs
from registers.lib.calendar import school_year_start
from registers.models import Mark, Pupil, School
from registers.selectors.statistics import Figures, figures_for


def child_attendance(*, child: ParentChild, today: date) -> Figures:
    """This school year's figures for the child at their school, by the statistics module's
    method (one query): attendance % over possible sessions."""
    return figures_for(
        school_ids=[child.school.pk],
        start=school_year_start(today),
        end=today,
        pupil_ids=[child.pupil.pk],
    )


def sessions_missed(*, child: ParentChild, today: date) -> QuerySet[Mark]:
    """This school year's absences (authorised and unauthorised), newest first, each with its
    code's meaning (one query)."""
    return (
        Mark.objects.filter(
            school=child.school,
            pupil=child.pupil,
            date__gte=school_year_start(today),
            date__lte=today,
            code__counts_as__in=[CountsAs.AUTHORISED, CountsAs.UNAUTHORISED],
        )
        .select_related("code")
        .order_by("-date", "-session")
    )


def letters_for_child(*, child: ParentChild) -> list[LetterLine]:
    """Letters the school drew for the child's parents (leave decisions, absence letters and
    meeting invitations, unauthorised-absence letters, notices to improve), newest first."""
    return letters_drawn(school=child.school, pupil=child.pupil)


def letter_file_for_child(*, child: ParentChild, kind: str, letter_id: int) -> FieldFile | None:
    """The stored letter of that kind and id, if it is one of the child's; else None."""
    return letter_file(school=child.school, pupil=child.pupil, kind=kind, letter_id=letter_id)


def reports_by_parent(*, child: ParentChild) -> QuerySet[ParentReport]:
    """The absences this parent reported for the child, newest first, with the decision."""
    return ParentReport.objects.filter(
        school=child.school, pupil=child.pupil, contact=child.contact
    ).select_related("code")


def contact_log_for_parent(*, child: ParentChild, today: date) -> QuerySet[ParentCall]:
    """This school year's contact with this parent about the child, newest first: the
    school's automatic messages (sent to every parent with parental responsibility it has an
    address for) and calls either way with this parent. Calls with another parent are not
    theirs to see (parents may live apart); reports made online are listed as reports."""
    return ParentCall.objects.filter(
        Q(recorded_by__isnull=True)
        | Q(
            contact=child.contact,
            direction__in=[CallDirection.WE_CALLED, CallDirection.THEY_RANG],
        ),
        school=child.school,
        pupil=child.pupil,
        called_at__date__gte=school_year_start(today),
    ).order_by("-called_at", "-pk")


def leave_requests_for_child(*, child: ParentChild) -> QuerySet[LeaveRequest]:
    """Every leave request for the child (online or on paper), newest first."""
    return LeaveRequest.objects.filter(school=child.school, pupil=child.pupil).order_by(
        "-first_day", "-pk"
    )


# The office's queue ---------------------------------------------------------------------------


def pending_reports(*, school: School, today: date) -> list[ParentReport]:
    """Reports waiting for the office, oldest first, each pupil with today's marks so the office
    sees at once a report made after registration (two queries)."""
    return list(
        ParentReport.objects.filter(school=school, status=ReportStatus.PENDING)
        .select_related("contact")
        .prefetch_related(
            Prefetch(
                "pupil",
                queryset=Pupil.objects.prefetch_related(
                    Prefetch(
                        "marks",
                        queryset=Mark.objects.filter(school=school, date=today).order_by("session"),
                        to_attr="marks_today",
                    )
                ),
            )
        )
        .order_by("submitted_at", "pk")
    )


def reports_decided(*, school: School) -> QuerySet[ParentReport]:
    """The 20 reports decided most recently."""
    return (
        ParentReport.objects.filter(school=school)
        .exclude(status=ReportStatus.PENDING)
        .select_related("pupil", "contact", "decided_by", "code")
        .order_by("-decided_at")[:20]
    )


def pending_reports_count(*, school: School) -> int:
    return ParentReport.objects.filter(school=school, status=ReportStatus.PENDING).count()
