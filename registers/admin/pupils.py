"""Pupils, the admission register, classes and parents.

Foreign keys to pupils, schools, classes and contacts use autocomplete widgets: a school has
hundreds of pupils and a federation thousands, too many for a drop-down on every inline row.
"""

from django.contrib import admin

from registers.models import (
    Contact,
    Enrolment,
    GroupMembership,
    Pupil,
    PupilContact,
    RegistrationGroup,
)


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ["school"]
    fields = [
        "school",
        "registration_type",
        "start_date",
        "leaving_date",
        "leaving_reason",
        "destination",
    ]
    verbose_name_plural = "admission register"


class PupilGroupInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["group"]
    fields = ["group", "start_date", "end_date"]
    verbose_name_plural = "classes"


class PupilContactInline(admin.TabularInline):
    model = PupilContact
    extra = 0
    autocomplete_fields = ["contact"]
    fields = ["priority", "contact", "relationship", "parental_responsibility"]
    verbose_name_plural = "parents and carers"


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = [
        "upn",
        "legal_surname",
        "legal_forename",
        "preferred_forename",
        "year_group",
        "date_of_birth",
        "sen_support",
        "ehc_plan",
        "fsm",
        "social_worker",
        "medical_condition",
    ]
    list_display_links = ["upn", "legal_surname"]
    list_filter = [
        "year_group",
        "sen_support",
        "ehc_plan",
        "fsm",
        "social_worker",
        "medical_condition",
        "enrolments__school",
    ]
    search_fields = [
        "upn",
        "legal_surname",
        "legal_forename",
        "preferred_surname",
        "preferred_forename",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "upn",
                    ("legal_forename", "legal_surname"),
                    ("preferred_forename", "preferred_surname"),
                    "date_of_birth",
                    "year_group",
                ]
            },
        ),
        (
            "Cohorts",
            {
                "fields": ["sen_support", "ehc_plan", "fsm", "social_worker", "medical_condition"],
                "description": "A pupil has SEN support or an EHC plan, not both.",
            },
        ),
    ]
    inlines = [EnrolmentInline, PupilGroupInline, PupilContactInline]


class GroupPupilInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["pupil"]
    fields = ["pupil", "start_date", "end_date"]
    verbose_name_plural = "pupils"


@admin.register(RegistrationGroup)
class RegistrationGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "school"]
    list_select_related = ["school"]
    list_filter = ["school"]
    search_fields = ["name", "school__name"]
    autocomplete_fields = ["school"]
    filter_horizontal = ["teachers"]
    inlines = [GroupPupilInline]


class ContactPupilInline(admin.TabularInline):
    model = PupilContact
    extra = 0
    autocomplete_fields = ["pupil"]
    fields = ["pupil", "relationship", "parental_responsibility", "priority"]
    verbose_name_plural = "pupils"


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "email"]
    search_fields = ["name", "phone", "email"]
    inlines = [ContactPupilInline]
