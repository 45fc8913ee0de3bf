"""Pieces shared by the registers' admin pages."""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import BaseFormSet
from django.http import HttpRequest


def kept_rows(formset: BaseFormSet) -> list[dict[str, Any]]:
    """The cleaned rows that will exist after saving: filled in and not ticked for deletion.

    Only meaningful once every form is valid; unchanged blank extra forms have empty data.
    """
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class ViewOnlyAdmin(admin.ModelAdmin):
    """Pages to look at, never to change: derived tables, the national catalogue, legal records."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ViewOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
