"""Filters of the API's lists. Ids are `IdFilter`s (`core.api_filters`): plain
numbers checked to be 1..2**63-1, not model choices: an id the user may not see filters to
nothing rather than being looked up (which would tell it exists)."""

import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from core.api_filters import IdFilter
from registers.lib.calendar import SESSIONS
from registers.lib.year_groups import YEAR_GROUP_CHOICES
from registers.models import (
    Enrolment,
    GroupMembership,
    Mark,
    Pupil,
    RegistrationGroup,
    School,
)


class SchoolFilter(django_filters.FilterSet):
    urn = django_filters.CharFilter(field_name="urn")
    federation = IdFilter(field_name="federation_id", help_text="Its id.")

    class Meta:
        model = School
        fields = ["urn", "federation"]


class GroupFilter(django_filters.FilterSet):
    school = IdFilter(field_name="school_id", help_text="A school's id.")

    class Meta:
        model = RegistrationGroup
        fields = ["school"]


class PupilFilter(django_filters.FilterSet):
    school = IdFilter(
        method="filter_school", help_text="Pupils ever on this school's roll (its id)."
    )
    group = IdFilter(method="filter_group", help_text="Pupils ever in this class (its id).")
    year_group = django_filters.ChoiceFilter(choices=YEAR_GROUP_CHOICES)
    upn = django_filters.CharFilter(field_name="upn", lookup_expr="iexact")

    class Meta:
        model = Pupil
        fields = ["school", "group", "year_group", "upn"]

    def filter_school(self, queryset: QuerySet[Pupil], name: str, value: int) -> QuerySet[Pupil]:
        return queryset.filter(
            Exists(Enrolment.objects.filter(pupil=OuterRef("pk"), school_id=value))
        )

    def filter_group(self, queryset: QuerySet[Pupil], name: str, value: int) -> QuerySet[Pupil]:
        return queryset.filter(
            Exists(GroupMembership.objects.filter(pupil=OuterRef("pk"), group_id=value))
        )


class MarkFilter(django_filters.FilterSet):
    school = IdFilter(field_name="school_id", help_text="A school's id.")
    pupil = IdFilter(field_name="pupil_id", help_text="A pupil's id.")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    session = django_filters.ChoiceFilter(choices=[(s, s) for s in SESSIONS])
    code = django_filters.CharFilter(field_name="code_id", help_text="An attendance code.")

    class Meta:
        model = Mark
        fields = ["school", "pupil", "date_from", "date_to", "session", "code"]
