"""Filters of the absences API's lists (ids as `IdFilter`s, as in `registers.filters`)."""

import django_filters

from absences.models import (
    CallDirection,
    CallOutcome,
    LeaveCategory,
    LeaveDecision,
    LeaveRequest,
    ParentCall,
)
from core.api_filters import IdFilter


class ParentCallFilter(django_filters.FilterSet):
    school = IdFilter(field_name="school_id", help_text="A school's id.")
    pupil = IdFilter(field_name="pupil_id", help_text="A pupil's id.")
    date_from = django_filters.DateFilter(field_name="called_at__date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="called_at__date", lookup_expr="lte")
    direction = django_filters.ChoiceFilter(choices=CallDirection.choices)
    outcome = django_filters.ChoiceFilter(choices=CallOutcome.choices)

    class Meta:
        model = ParentCall
        fields = ["school", "pupil", "date_from", "date_to", "direction", "outcome"]


class LeaveRequestFilter(django_filters.FilterSet):
    school = IdFilter(field_name="school_id", help_text="A school's id.")
    pupil = IdFilter(field_name="pupil_id", help_text="A pupil's id.")
    decision = django_filters.ChoiceFilter(choices=LeaveDecision.choices)
    category = django_filters.ChoiceFilter(choices=LeaveCategory.choices)
    # Requests whose span touches the period.
    date_from = django_filters.DateFilter(field_name="last_day", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="first_day", lookup_expr="lte")

    class Meta:
        model = LeaveRequest
        fields = ["school", "pupil", "decision", "category", "date_from", "date_to"]
