"""The disclosure log and the retention runs: records of what happened, to look at only."""

from django.contrib import admin

from registers.models import AccessLog, OutboxMessage, RetentionRun

from .base import ViewOnlyAdmin


@admin.register(AccessLog)
class AccessLogAdmin(ViewOnlyAdmin):
    list_display = ["at", "user", "school", "what", "filters", "rows"]
    list_select_related = ["user", "school"]
    list_filter = ["school", "at"]
    search_fields = ["what", "user__username"]
    search_help_text = "Search by what was downloaded or read, or by username."
    date_hierarchy = "at"
    ordering = ["-at"]
    show_full_result_count = False


@admin.register(RetentionRun)
class RetentionRunAdmin(ViewOnlyAdmin):
    list_display = ["ran_at", "federation", "dry_run", "cutoff", "counts"]
    list_select_related = ["federation"]
    list_filter = ["federation", "dry_run"]
    ordering = ["-ran_at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ViewOnlyAdmin):
    """Every message the system sends, including those of no one school (parents' sign-in
    links, the heads' weekly list); the office tries its own again from its Messages page."""

    list_display = ["created_at", "kind", "channel", "school", "status", "attempts", "sent_at"]
    list_select_related = ["school"]
    list_filter = ["status", "kind", "channel", "school"]
    ordering = ["-created_at"]
    show_full_result_count = False
