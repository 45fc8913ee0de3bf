"""Output shapes of the API's read endpoints for schools, classes, pupils and marks.

Read-only: writes go through the services with the input serializers next to their views.
Every nested object is loaded by the view's queryset (select_related / annotate), so a page of
any length costs the same few queries.
"""

from rest_framework import serializers

from registers.models import Mark, Pupil, RegistrationGroup, School


class SchoolSerializer(serializers.ModelSerializer):
    federation = serializers.CharField(source="federation.name", read_only=True)
    # Text, not an "email" format: blank when the school has given none, which is not an address.
    email = serializers.CharField(read_only=True, help_text="Blank if none is held.")

    class Meta:
        model = School
        fields = ["id", "urn", "la_code", "name", "federation", "address", "phone", "email"]
        read_only_fields = fields


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegistrationGroup
        fields = ["id", "name", "school"]
        read_only_fields = fields


class PupilSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Preferred names where given.")

    class Meta:
        model = Pupil
        fields = [
            "id",
            "upn",
            "name",
            "legal_forename",
            "legal_surname",
            "preferred_forename",
            "preferred_surname",
            "date_of_birth",
            "year_group",
            "sen_support",
            "ehc_plan",
            "fsm",
            "social_worker",
            "medical_condition",
        ]
        read_only_fields = fields


class MarkSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="code_id", read_only=True)
    meaning = serializers.CharField(source="code.meaning", read_only=True)
    amended = serializers.BooleanField(
        read_only=True, help_text="Changed since it was first entered (see its amendments)."
    )

    class Meta:
        model = Mark
        fields = [
            "id",
            "pupil",
            "school",
            "date",
            "session",
            "code",
            "meaning",
            "minutes_late",
            "source",
            "version",
            "recorded_at",
            "amended",
        ]
        read_only_fields = fields
