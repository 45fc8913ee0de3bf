"""The office's follow-up of absence and the head's leave decisions: to look at only.

These are records of what staff did and decided. Changes go through the office, follow-up and
leave pages and their services, which apply the policies' rules and recode the register with
amendments that keep the original marks, so the admin can neither add, change nor delete them.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from registers.admin.base import ViewOnlyAdmin, ViewOnlyInline
from registers.codes import NOT_YET_ESTABLISHED

from .models import (
    FirstDayMessage,
    LeaveRequest,
    MedicalEvidenceRequest,
    OverdueNFlag,
    ParentCall,
    ParentReport,
    PartTimeTimetable,
    ReportedAbsence,
    SafeguardingFlag,
    TimetableReview,
)

UPN_HELP = "Search by the pupil's UPN."


class PupilUPN:
    """The pupil's UPN as a list column, for admins of models with a `pupil`."""

    @admin.display(description="UPN", ordering="pupil__upn")
    def upn(self, obj: Any) -> str:
        return obj.pupil.upn


@admin.register(ParentCall)
class ParentCallAdmin(PupilUPN, ViewOnlyAdmin):
    list_display = [
        "called_at",
        "pupil",
        "upn",
        "school",
        "direction",
        "contact_name",
        "outcome",
        "reason_given",
        "expected_return",
        "recorded_by",
    ]
    list_select_related = ["pupil", "school", "recorded_by"]
    list_filter = ["school", "direction", "outcome", "called_at"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    date_hierarchy = "called_at"
    ordering = ["-called_at"]
    show_full_result_count = False


@admin.register(ReportedAbsence)
class ReportedAbsenceAdmin(PupilUPN, ViewOnlyAdmin):
    list_display = [
        "first_day",
        "first_session",
        "last_day",
        "last_session",
        "pupil",
        "upn",
        "school",
        "code",
        "reason",
        "logged_by",
        "logged_at",
    ]
    list_select_related = ["pupil", "school", "code", "logged_by"]
    list_filter = ["school", "code", "first_day"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-first_day"]
    show_full_result_count = False


@admin.register(SafeguardingFlag)
class SafeguardingFlagAdmin(PupilUPN, ViewOnlyAdmin):
    list_display = [
        "raised_on",
        "pupil",
        "upn",
        "school",
        "raised_by",
        "resolved",
        "resolved_at",
        "resolved_by",
    ]
    list_select_related = ["pupil", "school", "raised_by", "resolved_by"]
    list_filter = ["school", ("resolved_at", admin.EmptyFieldListFilter), "raised_on"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-raised_at"]

    @admin.display(description="resolved", boolean=True, ordering="resolved_at")
    def resolved(self, flag: SafeguardingFlag) -> bool:
        return flag.resolved_at is not None


@admin.register(MedicalEvidenceRequest)
class MedicalEvidenceRequestAdmin(PupilUPN, ViewOnlyAdmin):
    list_display = [
        "requested_on",
        "pupil",
        "upn",
        "school",
        "first_day",
        "last_day",
        "outcome",
        "outcome_on",
        "parents_told_on",
        "recoded_at",
    ]
    list_select_related = ["pupil", "school"]
    list_filter = ["school", "outcome", "requested_on"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-requested_on"]


@admin.register(LeaveRequest)
class LeaveRequestAdmin(PupilUPN, ViewOnlyAdmin):
    list_display = [
        "received_on",
        "pupil",
        "upn",
        "school",
        "category",
        "first_day",
        "last_day",
        "decision",
        "decided_by",
        "decided_at",
    ]
    list_select_related = ["pupil", "school", "decided_by"]
    list_filter = ["school", "decision", "category", "first_day"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-first_day"]


class TimetableReviewInline(ViewOnlyInline):
    model = TimetableReview
    fields = ["due_on", "held_on", "held_by", "notes"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimetableReview]:
        return super().get_queryset(request).select_related("held_by")


@admin.register(PartTimeTimetable)
class PartTimeTimetableAdmin(PupilUPN, ViewOnlyAdmin):
    list_display = [
        "start",
        "end",
        "pupil",
        "upn",
        "school",
        "sessions_off",
        "agreed_by",
        "agreed_at",
    ]
    list_select_related = ["pupil", "school", "agreed_by"]
    list_filter = ["school", "end"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-end"]
    inlines = [TimetableReviewInline]


@admin.register(OverdueNFlag)
class OverdueNFlagAdmin(ViewOnlyAdmin):
    list_display = ["flagged_on", "pupil", "upn", "school", "mark", "still_n"]
    list_select_related = ["school", "mark__pupil"]
    list_filter = ["school", "flagged_on"]
    search_fields = ["=mark__pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-flagged_on"]
    show_full_result_count = False

    @admin.display(description="pupil", ordering="mark__pupil__legal_surname")
    def pupil(self, flag: OverdueNFlag) -> str:
        return str(flag.mark.pupil)

    @admin.display(description="UPN", ordering="mark__pupil__upn")
    def upn(self, flag: OverdueNFlag) -> str:
        return flag.mark.pupil.upn

    @admin.display(description="still N", boolean=True)
    def still_n(self, flag: OverdueNFlag) -> bool:
        # The row stays once the N is resolved, as the record that it was late.
        return flag.mark.code_id == NOT_YET_ESTABLISHED


@admin.register(ParentReport)
class ParentReportAdmin(PupilUPN, ViewOnlyAdmin):
    list_display = [
        "submitted_at",
        "pupil",
        "upn",
        "school",
        "kind",
        "first_day",
        "last_day",
        "status",
        "decided_by",
        "decided_at",
    ]
    list_select_related = ["pupil", "school", "decided_by"]
    list_filter = ["school", "status", "kind"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-submitted_at"]
    show_full_result_count = False


@admin.register(FirstDayMessage)
class FirstDayMessageAdmin(PupilUPN, ViewOnlyAdmin):
    list_display = ["date", "pupil", "upn", "school", "claimed_at", "sent_at", "recipients"]
    list_select_related = ["pupil", "school"]
    list_filter = ["school", "date"]
    search_fields = ["=pupil__upn"]
    search_help_text = UPN_HELP
    ordering = ["-date"]
    show_full_result_count = False
