"""Filters of the threshold cases in the API (ids as `IdFilter`s, as in `registers.filters`)."""

import django_filters
from django.db.models import QuerySet

from core.api_filters import IdFilter
from penalties.models import CaseRoute, ThresholdCase


class ThresholdCaseFilter(django_filters.FilterSet):
    school = IdFilter(field_name="school_id", help_text="A school's id.")
    pupil = IdFilter(field_name="pupil_id", help_text="A pupil's id.")
    is_open = django_filters.BooleanFilter(method="filter_open", help_text="Open or closed.")
    route = django_filters.ChoiceFilter(choices=CaseRoute.choices)
    opened_from = django_filters.DateFilter(field_name="opened_on", lookup_expr="gte")
    opened_to = django_filters.DateFilter(field_name="opened_on", lookup_expr="lte")

    class Meta:
        model = ThresholdCase
        fields = ["school", "pupil", "is_open", "route", "opened_from", "opened_to"]

    def filter_open(
        self, queryset: QuerySet[ThresholdCase], name: str, value: bool
    ) -> QuerySet[ThresholdCase]:
        return queryset.filter(closed_at__isnull=value)
