"""Federations, schools and their calendars.

Session times, terms and closures are edited only as inlines of their school, so the school's
save is the one place where the derived SchoolDay table is rebuilt. The cross-row rules are the
config loader's (registers.services.school_config), worded for the admin form.
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import BaseFormSet, ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from registers.lib.calendar import closure_problems, term_overlap_problems
from registers.lib.year_groups import YEAR_GROUP_CHOICES, YEAR_GROUPS, phase_overlap_problems
from registers.models import Closure, Federation, School, SchoolDay, SessionTimes, Term
from registers.services.calendar import school_calendar_rebuild

from .base import ViewOnlyAdmin, kept_rows


@admin.register(Federation)
class FederationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "retention_years",
        "conversation_threshold_pct",
        "letter_threshold_pct",
        "meeting_threshold_pct",
        "benchmark_year",
    ]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "retention_years"]}),
        (
            "Intervention ladder: attendance below these percentages",
            {
                "fields": [
                    "conversation_threshold_pct",
                    "letter_threshold_pct",
                    "meeting_threshold_pct",
                    "ladder_minimum_sessions",
                ]
            },
        ),
        (
            "National benchmarks",
            {
                "fields": [
                    "benchmark_year",
                    "benchmark_overall_absence_pct",
                    "benchmark_authorised_absence_pct",
                    "benchmark_unauthorised_absence_pct",
                    "benchmark_severe_absence_pct",
                ]
            },
        ),
    ]


class SessionTimesForm(forms.ModelForm):
    # Tick boxes rather than the JSON list the model stores: nobody should have to type JSON.
    year_groups = forms.MultipleChoiceField(
        choices=YEAR_GROUP_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one year group."},
    )

    def clean_year_groups(self) -> list[str]:
        return sorted(self.cleaned_data["year_groups"], key=YEAR_GROUPS.index)


class SessionTimesFormSet(BaseInlineFormSet):
    default_error_messages = {
        "too_few_forms": "Give the school's session times: at least one row.",
    }

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        problems = phase_overlap_problems(
            (row["phase"], row["year_groups"]) for row in kept_rows(self)
        )
        if problems:
            raise ValidationError(problems)


class SessionTimesInline(admin.StackedInline):
    model = SessionTimes
    form = SessionTimesForm
    formset = SessionTimesFormSet
    extra = 0
    min_num = 1
    fields = [
        "phase",
        "year_groups",
        "gates_open",
        ("am_start", "am_register_closes"),
        ("pm_register_opens", "pm_register_closes"),
        "end_of_day",
    ]

    def get_formset(
        self, request: HttpRequest, obj: School | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet]:
        # A school without session times has no registers; InlineModelAdmin has no attribute
        # for validate_min, so it is passed to the formset factory here.
        return super().get_formset(request, obj, validate_min=True, **kwargs)


class TermFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        problems = term_overlap_problems(
            (row["name"], row["start"], row["end"]) for row in kept_rows(self)
        )
        if problems:
            raise ValidationError(problems)


class TermInline(admin.TabularInline):
    model = Term
    formset = TermFormSet
    extra = 0
    fields = ["name", "start", "end", "half_term_start", "half_term_end"]


class ClosureFormSet(BaseInlineFormSet):
    # Set by SchoolAdmin._create_formsets: the other formsets of the same page, by model.
    siblings: dict[type[Model], BaseFormSet]

    def clean(self) -> None:
        if any(self.errors):
            return
        # Before super().clean(), whose uniqueness check would say the same less plainly
        # ("Please correct the duplicate data for date and session").
        problems = closure_problems(
            ((row["date"], row["session"]) for row in kept_rows(self)), self._terms()
        )
        if problems:
            raise ValidationError(problems)
        super().clean()

    def _terms(self) -> list[tuple[date, date]] | None:
        """The (start, end) of the terms the school will have after this save.

        The Term inline on the same page holds every saved term with the user's edits, so its
        rows are the answer; without it, the saved terms. None when the terms submitted alongside
        are themselves wrong: the user fixes those first, then closures are checked against them.
        """
        term_formset = getattr(self, "siblings", {}).get(Term)
        if term_formset is None:
            if self.instance.pk is None:
                return []
            return list(Term.objects.filter(school=self.instance).values_list("start", "end"))
        if not term_formset.is_valid():
            return None
        return [(row["start"], row["end"]) for row in kept_rows(term_formset)]


class ClosureInline(admin.TabularInline):
    model = Closure
    formset = ClosureFormSet
    extra = 0
    fields = ["date", "session", "reason"]
    verbose_name_plural = "closures (to close a whole day, add one row for AM and one for PM)"


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "urn", "la_code", "federation"]
    list_select_related = ["federation"]
    list_filter = ["federation"]
    search_fields = ["name", "urn"]
    inlines = [SessionTimesInline, TermInline, ClosureInline]

    def _create_formsets(
        self, request: HttpRequest, obj: School, change: bool
    ) -> tuple[list[BaseFormSet], list[admin.options.InlineModelAdmin]]:
        # Closures must fall inside the terms submitted on the same page, so each formset is
        # given the others. Django has no public hook for this (get_formset_kwargs runs before
        # the formsets exist); test_admin pins it with a closure inside a term added alongside.
        # django-stubs leave out this private method of ModelAdmin.
        formsets, inline_instances = super()._create_formsets(  # type: ignore[misc]
            request, obj, change
        )
        by_model = {formset.model: formset for formset in formsets}
        for formset in formsets:
            formset.siblings = by_model
        return formsets, inline_instances

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        # SchoolDay is derived from terms and closures; rebuilt in the same transaction as the
        # save so the calendar the registers and thresholds read never disagrees with them.
        school_calendar_rebuild(school=form.instance)


@admin.register(SchoolDay)
class SchoolDayAdmin(ViewOnlyAdmin):
    """Derived by school_calendar_rebuild; change the school's terms and closures instead."""

    list_display = ["date", "school", "am", "pm", "week_start", "week_number"]
    list_filter = ["school"]
    list_select_related = ["school"]
    date_hierarchy = "date"
