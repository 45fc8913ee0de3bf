"""Output shapes of the absences API: the contact log and leave requests."""

from rest_framework import serializers

from absences.models import LeaveRequest, ParentCall
from registers.models.schools import SESSION_CHOICES
from registers.services.marks import staff_name


class PupilRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    upn = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class ParentCallSerializer(serializers.ModelSerializer):
    pupil = PupilRefSerializer(read_only=True)
    recorded_by = serializers.SerializerMethodField(
        help_text="Who logged it; null for a message the system sent (`automatic`)."
    )
    automatic = serializers.BooleanField(
        read_only=True, help_text="Sent by the system (the first-day e-mail), by no person."
    )
    summary = serializers.CharField(
        read_only=True, help_text='What happened, e.g. "First-day e-mail sent to ...".'
    )

    class Meta:
        model = ParentCall
        fields = [
            "id",
            "school",
            "pupil",
            "contact",
            "contact_name",
            "direction",
            "outcome",
            "reason_given",
            "expected_return",
            "called_at",
            "recorded_by",
            "automatic",
            "summary",
        ]
        read_only_fields = fields

    def get_recorded_by(self, call: ParentCall) -> str | None:
        return call.recorded_by_name


class LeaveRequestSerializer(serializers.ModelSerializer):
    pupil = PupilRefSerializer(read_only=True)
    short_notice = serializers.BooleanField(
        read_only=True, help_text="Received less than three weeks before the first day."
    )
    retrospective = serializers.BooleanField(
        read_only=True, help_text="Received after the leave began: not made in advance."
    )
    recorded_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    # Blank until approved: said so in the schema, or a generated client cannot read a request
    # still to be decided (`read_only_fields` would drop `allow_blank`).
    approved_first_session = serializers.ChoiceField(
        choices=SESSION_CHOICES, allow_blank=True, read_only=True
    )
    approved_last_session = serializers.ChoiceField(
        choices=SESSION_CHOICES, allow_blank=True, read_only=True
    )

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "school",
            "pupil",
            "first_day",
            "first_session",
            "last_day",
            "last_session",
            "category",
            "reason",
            "evidence",
            "received_on",
            "short_notice",
            "retrospective",
            "requested_by_name",
            "requester_lives_with_pupil",
            "recorded_by",
            "recorded_at",
            "decision",
            "decision_reason",
            "decided_by",
            "decided_at",
            "approved_first_day",
            "approved_first_session",
            "approved_last_day",
            "approved_last_session",
        ]
        read_only_fields = fields

    def get_recorded_by(self, leave: LeaveRequest) -> str:
        return staff_name(leave.recorded_by)

    def get_decided_by(self, leave: LeaveRequest) -> str | None:
        return staff_name(leave.decided_by) if leave.decided_by else None
