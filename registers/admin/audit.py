"""The disclosure log and the retention runs: records of what happened, to look at only."""

from django.contrib import admin

from registers.models import AccessLog, RetentionRun

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
