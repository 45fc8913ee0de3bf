"""Threshold cases, notices to improve and penalty notices: to look at only.

These are records of what the attendance lead and head decided and what was issued. Cases are
opened by the threshold engine with the evidence as it stood; decisions, support, notices and
the LA's outcome are recorded through the case pages and penalties.services, which apply the
national framework (one notice to improve per case, two penalty notices per parent in three
years, the amounts as issued), so the admin can neither add, change nor delete them.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from registers.admin.base import ViewOnlyAdmin, ViewOnlyInline
from registers.models import Pupil

from .models import (
    CaseDecision,
    LadderLetter,
    LadderStep,
    NoticeToImprove,
    PenaltyNotice,
    PenaltyNoticeEvidence,
    SupportOffered,
    ThresholdCase,
    ThresholdCheck,
)

UPN_HELP = "Search by the pupil's UPN."


class SupportOfferedInline(ViewOnlyInline):
    model = SupportOffered
    fields = ["offered_on", "what", "engaged", "recorded_by", "recorded_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SupportOffered]:
        return super().get_queryset(request).select_related("recorded_by")


class CaseDecisionInline(ViewOnlyInline):
    model = CaseDecision
    fields = ["decided_at", "route", "reason", "decided_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseDecision]:
        return super().get_queryset(request).select_related("decided_by")


@admin.register(ThresholdCase)
class ThresholdCaseAdmin(ViewOnlyAdmin):
    list_display = [
        "opened_on",
        "pupil",
        "upn",
        "school",
        "window_start",
        "window_end",
        "sessions",
        "route",
        "is_open",
        "closed_at",
    ]
    list_select_related = ["pupil", "school"]
    list_filter = ["school", "route", ("closed_at", admin.EmptyFieldListFilter), "opened_on"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-opened_on", "pupil__legal_surname"]
    inlines = [SupportOfferedInline, CaseDecisionInline]

    @admin.display(description="UPN", ordering="pupil__upn")
    def upn(self, case: ThresholdCase) -> str:
        return case.pupil.upn

    @admin.display(description="open", boolean=True, ordering="closed_at")
    def is_open(self, case: ThresholdCase) -> bool:
        return case.closed_at is None


@admin.register(NoticeToImprove)
class NoticeToImproveAdmin(ViewOnlyAdmin):
    list_display = [
        "issued_at",
        "pupil",
        "upn",
        "school",
        "improvement_start",
        "improvement_end",
        "target_percent",
        "issued_by",
    ]
    list_select_related = ["case__pupil", "case__school", "issued_by"]
    list_filter = ["case__school", "improvement_start"]
    search_fields = ["=case__pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-issued_at"]

    @admin.display(description="pupil", ordering="case__pupil__legal_surname")
    def pupil(self, notice: NoticeToImprove) -> Pupil:
        return notice.case.pupil

    @admin.display(description="UPN", ordering="case__pupil__upn")
    def upn(self, notice: NoticeToImprove) -> str:
        return notice.case.pupil.upn

    @admin.display(description="school", ordering="case__school__name")
    def school(self, notice: NoticeToImprove) -> str:
        return notice.case.school.name


class PenaltyNoticeEvidenceInline(ViewOnlyInline):
    """The sessions the notice rests on: they count towards no other notice for the pupil."""

    model = PenaltyNoticeEvidence
    fields = ["mark"]
    verbose_name = "session used as evidence"
    verbose_name_plural = "sessions used as evidence"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PenaltyNoticeEvidence]:
        return super().get_queryset(request).select_related("mark")


@admin.register(PenaltyNotice)
class PenaltyNoticeAdmin(ViewOnlyAdmin):
    inlines = [PenaltyNoticeEvidenceInline]
    list_display = [
        "issued_on",
        "pupil",
        "upn",
        "parent",
        "school",
        "kind",
        "sequence",
        "reduced_amount",
        "full_amount",
        "paid_on",
        "amount_paid",
        "la_decision",
    ]
    list_select_related = ["pupil", "parent", "school"]
    list_filter = ["school", "kind", "sequence", "la_decision", "issued_on"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-issued_on", "-pk"]

    @admin.display(description="UPN", ordering="pupil__upn")
    def upn(self, notice: PenaltyNotice) -> str:
        return notice.pupil.upn


@admin.register(LadderStep)
class LadderStepAdmin(ViewOnlyAdmin):
    list_display = ["crossed_on", "pupil", "school", "step", "attendance_pct", "threshold_pct"]
    list_select_related = ["pupil", "school"]
    list_filter = ["school", "step", "academic_year"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-crossed_on", "-pk"]


@admin.register(LadderLetter)
class LadderLetterAdmin(ViewOnlyAdmin):
    list_display = [
        "requested_at",
        "pupil",
        "school",
        "kind",
        "half_term_start",
        "attendance_pct",
        "drawn_at",
        "emailed_at",
    ]
    list_select_related = ["pupil", "school"]
    list_filter = ["school", "kind", "half_term_start"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-requested_at", "-pk"]


@admin.register(ThresholdCheck)
class ThresholdCheckAdmin(ViewOnlyAdmin):
    """The nightly check done per school and day: a run stopped part-way resumes after these."""

    list_display = ["as_of", "school", "cases_opened", "finished_at"]
    list_select_related = ["school"]
    list_filter = ["school"]
    ordering = ["-as_of", "school"]
