"""Output shapes of the threshold cases in the API."""

from rest_framework import serializers

from absences.serializers import PupilRefSerializer
from penalties.models import CaseDecision, CaseRoute, SupportOffered, ThresholdCase
from registers.services.marks import staff_name


class EvidenceMarkSerializer(serializers.Serializer):
    mark_id = serializers.IntegerField()
    date = serializers.DateField()
    session = serializers.CharField()
    code = serializers.CharField()


class ThresholdCaseSerializer(serializers.ModelSerializer):
    pupil = PupilRefSerializer(read_only=True)
    is_open = serializers.SerializerMethodField()
    # Blank until decided: said so in the schema, or a generated client cannot read an open case.
    route = serializers.ChoiceField(choices=CaseRoute.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ThresholdCase
        fields = [
            "id",
            "school",
            "pupil",
            "window_start",
            "window_end",
            "sessions",
            "opened_on",
            "opened_at",
            "closed_at",
            "is_open",
            "route",
        ]
        read_only_fields = fields

    def get_is_open(self, case: ThresholdCase) -> bool:
        return case.closed_at is None


class SupportSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = SupportOffered
        fields = ["id", "what", "offered_on", "engaged", "recorded_by", "recorded_at"]
        read_only_fields = fields

    def get_recorded_by(self, support: SupportOffered) -> str:
        return staff_name(support.recorded_by)


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = CaseDecision
        fields = ["id", "route", "reason", "decided_by", "decided_at"]
        read_only_fields = fields

    def get_decided_by(self, decision: CaseDecision) -> str:
        return staff_name(decision.decided_by)


class ThresholdCaseDetailSerializer(ThresholdCaseSerializer):
    """A case with the evidence it was opened on, the support offered and the decisions."""

    evidence = EvidenceMarkSerializer(many=True, read_only=True)
    support = SupportSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta(ThresholdCaseSerializer.Meta):
        fields = [*ThresholdCaseSerializer.Meta.fields, "evidence", "support", "decisions"]
        read_only_fields = fields
