"""The registers' JSON API: the same access helpers, selectors and services as the pages.

Each view loads its objects through `access` (404 for an unknown id, 403 for another class or
school) before it reads the body, parses the body with its input serializer (types only: the
services judge the rules), calls one service or selector and renders an output serializer.
Domain errors become responses in `attendance_site.api_errors`, so no view catches them.
"""

from datetime import date

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registers import access, selectors
from registers.models import Mark
from registers.services.marks import mark_amend, staff_name
from registers.services.register import RegisterEntry, register_submit

# "HH:MM" only: the late rule counts whole minutes, so seconds would be dropped without a word.
ARRIVAL_FORMATS = ["%H:%M"]
REASON_MAX_LENGTH = 500  # as the amendment form


class MarkOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(source="code_id")
    minutes_late = serializers.IntegerField(allow_null=True)
    source = serializers.CharField()
    version = serializers.IntegerField()
    amended = serializers.SerializerMethodField()

    def get_amended(self, mark: Mark) -> bool:
        # register_sheet annotates the count for a whole class in one query; a single mark
        # (the amend answer) asks once.
        count = getattr(mark, "amendment_count", None)
        if count is None:
            return mark.amendments.exists()
        return count > 0


class RegisterApi(APIView):
    """GET a class's register for one session; POST the whole register to save it."""

    class OutputSerializer(serializers.Serializer):
        class GroupSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()

        class SchoolSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            urn = serializers.CharField()
            name = serializers.CharField()

        class LineSerializer(serializers.Serializer):
            class PupilSerializer(serializers.Serializer):
                id = serializers.IntegerField()
                upn = serializers.CharField()
                name = serializers.CharField()

            pupil = PupilSerializer()
            mark = MarkOutputSerializer(allow_null=True)
            # Known before the register is taken but not saved yet (D: at the other school).
            expected_code = serializers.CharField()
            expected_why = serializers.CharField()

        group = GroupSerializer()
        school = SchoolSerializer(source="group.school")
        date = serializers.DateField(source="day")
        session = serializers.CharField()
        taken_by = serializers.SerializerMethodField()
        # Null until the register is first taken.
        taken_at = serializers.DateTimeField(source="register.taken_at", allow_null=True)
        lines = LineSerializer(many=True)

        def get_taken_by(self, sheet: selectors.RegisterSheet) -> str | None:
            return staff_name(sheet.register.taken_by) if sheet.register else None

    class InputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            pupil = serializers.IntegerField()
            # Blank with an arrival time lets the service code it L or U from the session times.
            code = serializers.CharField(max_length=2, allow_blank=True)
            arrived_at = serializers.TimeField(
                input_formats=ARRIVAL_FORMATS, required=False, allow_null=True, default=None
            )
            # The mark's version when the client read the register; null if it had no mark.
            seen_version = serializers.IntegerField(allow_null=True)

        marks = LineSerializer(many=True)
        reason = serializers.CharField(
            max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
        )

    class SubmitOutputSerializer(serializers.Serializer):
        created = serializers.IntegerField()
        amended = serializers.IntegerField()
        unchanged = serializers.IntegerField()

    def get(self, request: Request, group_id: int, day: date, session: str) -> Response:
        group = access.get_group_for_register(user=request.user, group_id=group_id)
        sheet = selectors.register_sheet(group=group, day=day, session=session)
        return Response(self.OutputSerializer(sheet).data)

    def post(self, request: Request, group_id: int, day: date, session: str) -> Response:
        group = access.get_group_for_register(user=request.user, group_id=group_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = register_submit(
            group=group,
            day=day,
            session=session,
            entries=[
                RegisterEntry(
                    pupil_id=line["pupil"],
                    code=line["code"],
                    arrived_at=line["arrived_at"],
                    seen_version=line["seen_version"],
                )
                for line in data["marks"]
            ],
            by=request.user,
            reason=data["reason"],
        )
        return Response(self.SubmitOutputSerializer(result).data)


class MarkAmendApi(APIView):
    """POST a change to one saved mark (office, attendance lead, head)."""

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=2, allow_blank=True)
        arrived_at = serializers.TimeField(
            input_formats=ARRIVAL_FORMATS, required=False, allow_null=True, default=None
        )
        # Blank is for the service to refuse, in the same words as on the page.
        reason = serializers.CharField(max_length=REASON_MAX_LENGTH, allow_blank=True)
        seen_version = serializers.IntegerField()

    def post(self, request: Request, mark_id: int) -> Response:
        mark = access.get_mark_for_amending(user=request.user, mark_id=mark_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        amended = mark_amend(
            mark=mark,
            code=data["code"],
            arrived_at=data["arrived_at"],
            reason=data["reason"],
            by=request.user,
            seen_version=data["seen_version"],
        )
        return Response(MarkOutputSerializer(amended).data)
