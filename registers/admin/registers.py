"""Registers taken and the office's late book: to look at only.

Both are legal records of the register. Who took a register and when is written by the register
service as it saves the marks; a late arrival is written with the mark it explains. Neither is
changed here: a wrong mark is put right through the amendment service, which keeps the original.
"""

from django.contrib import admin

from registers.models import LateArrival, Register, RegisterReminder

from .base import ViewOnlyAdmin


@admin.register(Register)
class RegisterAdmin(ViewOnlyAdmin):
    list_display = [
        "date",
        "session",
        "group",
        "school",
        "taken_by",
        "taken_at",
        "last_saved_by",
        "last_saved_at",
    ]
    list_select_related = ["group", "school", "taken_by", "last_saved_by"]
    list_filter = ["school", "date", "session"]
    # A class by name, or the classes a pupil has been in by their exact UPN.
    search_fields = ["group__name", "=group__memberships__pupil__upn"]
    search_help_text = "Search by class name or a pupil's UPN."
    ordering = ["-date", "-session", "group__name"]
    show_full_result_count = False


@admin.register(LateArrival)
class LateArrivalAdmin(ViewOnlyAdmin):
    list_display = [
        "date",
        "session",
        "arrived_at",
        "pupil",
        "upn",
        "school",
        "reason",
        "mark",
        "recorded_by",
        "recorded_at",
    ]
    list_select_related = ["pupil", "school", "mark", "recorded_by"]
    list_filter = ["school", "date", "session"]
    # The pupil's exact UPN, or the name of a class the pupil has been in.
    search_fields = ["=pupil__upn", "pupil__group_memberships__group__name"]
    search_help_text = "Search by the pupil's UPN or a class name."
    ordering = ["-date", "-arrived_at"]
    show_full_result_count = False

    @admin.display(description="UPN", ordering="pupil__upn")
    def upn(self, arrival: LateArrival) -> str:
        return arrival.pupil.upn


@admin.register(RegisterReminder)
class RegisterReminderAdmin(ViewOnlyAdmin):
    list_display = ["date", "session", "group", "school", "sent_at"]
    list_select_related = ["group", "school"]
    list_filter = ["school", "date", "session"]
    ordering = ["-date", "-session", "group__name"]
