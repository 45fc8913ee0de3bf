"""The code catalogue and the register itself: to look at only.

The catalogue is national and loaded by migration. The register is a legal record: a mark is
changed only through the amendment service, which keeps the original entry, so the admin can
neither add, change nor delete marks or amendments.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from registers.models import Amendment, AttendanceCode, Mark, Pupil

from .base import ViewOnlyAdmin, ViewOnlyInline


@admin.register(AttendanceCode)
class AttendanceCodeAdmin(ViewOnlyAdmin):
    list_display = ["code", "meaning", "group", "counts_as", "valid_until"]
    list_filter = ["group", "counts_as"]
    search_fields = ["code", "meaning"]
    ordering = ["display_order"]


class AmendmentInline(ViewOnlyInline):
    model = Amendment
    fields = [
        "amended_at",
        "original_code",
        "new_code",
        "original_minutes_late",
        "new_minutes_late",
        "reason",
        "amended_by_name",
        "amended_by_position",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Amendment]:
        return super().get_queryset(request).select_related("original_code", "new_code")


@admin.register(Mark)
class MarkAdmin(ViewOnlyAdmin):
    list_display = [
        "date",
        "session",
        "pupil",
        "upn",
        "school",
        "code",
        "minutes_late",
        "source",
        "recorded_by",
        "recorded_at",
    ]
    list_select_related = ["pupil", "school", "code", "recorded_by"]
    list_filter = ["school", "date", "session", "code", "source"]
    # Exact UPN only: a substring search would scan every mark ever recorded.
    search_fields = ["=pupil__upn"]
    search_help_text = "Search by the pupil's UPN."
    ordering = ["-date", "-session", "pupil__legal_surname"]
    # Six years of marks for a federation run to millions of rows; skip the second full count.
    show_full_result_count = False
    inlines = [AmendmentInline]

    @admin.display(description="UPN", ordering="pupil__upn")
    def upn(self, mark: Mark) -> str:
        return mark.pupil.upn


@admin.register(Amendment)
class AmendmentAdmin(ViewOnlyAdmin):
    list_display = [
        "amended_at",
        "pupil",
        "upn",
        "school",
        "session",
        "original_code",
        "new_code",
        "reason",
        "amended_by_name",
        "amended_by_position",
    ]
    list_select_related = ["mark__pupil", "mark__school", "original_code", "new_code"]
    list_filter = [
        "mark__school",
        "mark__date",
        "mark__session",
        "original_code",
        "new_code",
        "mark__source",
    ]
    search_fields = ["=mark__pupil__upn"]
    search_help_text = "Search by the pupil's UPN."
    ordering = ["-amended_at"]
    show_full_result_count = False

    @admin.display(description="pupil", ordering="mark__pupil__legal_surname")
    def pupil(self, amendment: Amendment) -> Pupil:
        return amendment.mark.pupil

    @admin.display(description="UPN", ordering="mark__pupil__upn")
    def upn(self, amendment: Amendment) -> str:
        return amendment.mark.pupil.upn

    @admin.display(description="school", ordering="mark__school__name")
    def school(self, amendment: Amendment) -> str:
        return amendment.mark.school.name

    @admin.display(description="session", ordering="mark__date")
    def session(self, amendment: Amendment) -> str:
        return f"{amendment.mark.date:%d %b %Y} {amendment.mark.session}"
