"""Pieces shared by the registers' admin pages."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import CheckConstraint, Model
from django.forms import BaseFormSet
from django.http import HttpRequest


class PlainWordsModelForm(forms.ModelForm):
    """A model form that shows staff the model's own explanation of a broken rule, once.

    Our check constraints repeat rules that the model's clean() already explains in plain words,
    and Django reports both: "The leaving day is before the starting day." next to
    "Constraint “enrolment_leaves_after_starting” is violated.". The generic line is dropped
    when a plain one is there; when it is the only message it stays, so nothing is saved silently.
    """

    def full_clean(self) -> None:
        super().full_clean()
        errors = self._errors.get(NON_FIELD_ERRORS) if self._errors else None
        if not errors:
            return
        generic = {
            constraint.get_violation_error_message()
            for constraint in self._meta.model._meta.constraints
            if isinstance(constraint, CheckConstraint)
        }
        plain = [error for error in errors.as_data() if not set(error.messages) & generic]
        if plain and len(plain) < len(errors):
            self._errors[NON_FIELD_ERRORS] = self.error_class(
                plain, error_class="nonfield", renderer=self.renderer
            )


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
