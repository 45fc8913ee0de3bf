"""The registers' JSON API: the same access helpers, selectors and services as the pages.

Each view loads its objects through `access` (404 for an unknown id or another school, 403
for another class of the user's school) before it reads the body, parses the body with its
input serializer (types only: the services judge the rules), calls one service or selector and
renders an output serializer.
Domain errors become responses in `core.api_errors`, so no view catches them.
"""

from datetime import date

from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ConflictSerializer,
)
from core.http import AuthenticatedRequest
from registers import access, selectors
from registers.disclosure import DisclosedList, disclose
from registers.filters import GroupFilter, MarkFilter, PupilFilter, SchoolFilter
from registers.lib.calendar import SESSIONS
from registers.models import Amendment, Mark, Pupil, RegistrationGroup, School
from registers.serializers import (
    GroupSerializer,
    MarkSerializer,
    PupilSerializer,
    SchoolSerializer,
)
from registers.services.marks import mark_amend, staff_name
from registers.services.register import RegisterEntry, register_submit

# "HH:MM" only: the late rule counts whole minutes, so seconds would be dropped without a word.
ARRIVAL_FORMATS = ["%H:%M"]
REASON_MAX_LENGTH = 500  # as the amendment form


@extend_schema_serializer(component_name="RegisterMark")
class MarkOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(source="code_id")
    minutes_late = serializers.IntegerField(allow_null=True)
    # The JSON field is called `source` (a contract), which the stubs take for Field.source;
    # DRF moves declared fields aside (_declared_fields), so nothing is shadowed at run time.
    source = serializers.CharField()  # type: ignore[assignment]
    version = serializers.IntegerField()
    amended = serializers.SerializerMethodField()

    def get_amended(self, mark: Mark) -> bool:
        # register_sheet annotates the count for a whole class in one query; a single mark
        # (the amend answer) asks once.
        count = getattr(mark, "amendment_count", None)
        if count is None:
            return mark.amendments.exists()
        return count > 0


REGISTER_PATH = [
    OpenApiParameter("group_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="A class."),
    OpenApiParameter("day", OpenApiTypes.DATE, OpenApiParameter.PATH, description="YYYY-MM-DD"),
    OpenApiParameter("session", str, OpenApiParameter.PATH, enum=list(SESSIONS)),
]


class RegisterApi(APIView):
    """GET a class's register for one session; POST the whole register to save it."""

    @extend_schema_serializer(component_name="Register")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="RegisterGroup")
        class GroupSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()

        @extend_schema_serializer(component_name="RegisterSchool")
        class SchoolSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            urn = serializers.CharField()
            name = serializers.CharField()

        @extend_schema_serializer(component_name="RegisterLine")
        class LineSerializer(serializers.Serializer):
            @extend_schema_serializer(component_name="RegisterPupil")
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

    @extend_schema_serializer(component_name="RegisterSubmit")
    class InputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="RegisterSubmitLine")
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

    @extend_schema_serializer(component_name="RegisterSubmitted")
    class SubmitOutputSerializer(serializers.Serializer):
        created = serializers.IntegerField()
        amended = serializers.IntegerField()
        unchanged = serializers.IntegerField()

    @extend_schema(
        operation_id="register_read",
        summary="A class's register for one session",
        parameters=REGISTER_PATH,
        responses={200: OutputSerializer, **READ_ERRORS},
    )
    def get(
        self, request: AuthenticatedRequest, group_id: int, day: date, session: str
    ) -> Response:
        group = access.get_group_for_register(user=request.user, group_id=group_id)
        sheet = selectors.register_sheet(group=group, day=day, session=session)
        disclose(
            request,
            school=group.school,
            what=f"API register, class {group.pk}, {day.isoformat()} {session}",
            rows=len(sheet.lines),
        )
        return Response(self.OutputSerializer(sheet).data)

    @extend_schema(
        operation_id="register_submit",
        summary="Save the whole register (new marks, and amendments with a reason)",
        parameters=REGISTER_PATH,
        request=InputSerializer,
        responses={200: SubmitOutputSerializer, 409: ConflictSerializer, **WRITE_ERRORS},
    )
    def post(
        self, request: AuthenticatedRequest, group_id: int, day: date, session: str
    ) -> Response:
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

    @extend_schema_serializer(component_name="MarkAmend")
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=2, allow_blank=True)
        arrived_at = serializers.TimeField(
            input_formats=ARRIVAL_FORMATS, required=False, allow_null=True, default=None
        )
        # Blank is for the service to refuse, in the same words as on the page.
        reason = serializers.CharField(max_length=REASON_MAX_LENGTH, allow_blank=True)
        seen_version = serializers.IntegerField()

    @extend_schema(
        operation_id="mark_amend",
        summary="Amend one saved mark, giving the reason",
        request=InputSerializer,
        responses={200: MarkOutputSerializer, 409: ConflictSerializer, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, mark_id: int) -> Response:
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


# Read endpoints. Each list's queryset comes from `access` (every scoping decision lives there),
# so another school's objects are never listed and their detail is a 404. Lists are paged and
# filtered by the settings' defaults; ordering ends with the id, so pages do not overlap.


@extend_schema(
    summary="The schools the user works at (a federation admin: the federation)",
    responses={200: SchoolSerializer, **LIST_ERRORS},
)
class SchoolListApi(generics.ListAPIView):
    request: AuthenticatedRequest
    reads_from_replica = True  # its GET (core/db_routing.py)
    serializer_class = SchoolSerializer
    filterset_class = SchoolFilter

    def get_queryset(self) -> QuerySet[School]:
        return (
            access.schools_visible_to(user=self.request.user)
            .select_related("federation")
            .order_by("name", "pk")
        )


@extend_schema(summary="One school", responses={200: SchoolSerializer, **READ_ERRORS})
class SchoolDetailApi(APIView):
    reads_from_replica = True  # its GET (core/db_routing.py)

    def get(self, request: AuthenticatedRequest, school_id: int) -> Response:
        school = access.get_school_for_user(user=request.user, school_id=school_id)
        return Response(SchoolSerializer(school).data)


@extend_schema(
    summary="Classes of the schools whose pupils the user reads",
    responses={200: GroupSerializer, **LIST_ERRORS},
)
class GroupListApi(generics.ListAPIView):
    request: AuthenticatedRequest
    reads_from_replica = True  # its GET (core/db_routing.py)
    serializer_class = GroupSerializer
    filterset_class = GroupFilter

    def get_queryset(self) -> QuerySet[RegistrationGroup]:
        return access.groups_visible_to(user=self.request.user).order_by("school_id", "name", "pk")


@extend_schema(
    summary="Pupils the user may read (a teacher: their classes' pupils)",
    responses={200: PupilSerializer, **LIST_ERRORS},
)
class PupilListApi(DisclosedList, generics.ListAPIView):
    reads_from_replica = True  # its GET (core/db_routing.py)
    disclosed = "pupils"
    serializer_class = PupilSerializer
    filterset_class = PupilFilter

    def get_queryset(self) -> QuerySet[Pupil]:
        return access.pupils_visible_to(user=self.request.user).order_by(
            "legal_surname", "legal_forename", "pk"
        )


@extend_schema(summary="One pupil", responses={200: PupilSerializer, **READ_ERRORS})
class PupilDetailApi(APIView):
    reads_from_replica = True  # its GET (core/db_routing.py)

    def get(self, request: AuthenticatedRequest, pupil_id: int) -> Response:
        pupil = access.get_pupil_for_user(user=request.user, pupil_id=pupil_id)
        disclose(request, school=None, what=f"API pupil {pupil.pk}", rows=1)
        return Response(PupilSerializer(pupil).data)


@extend_schema(
    summary="Attendance marks the user may read (a teacher: their classes' pupils)",
    responses={200: MarkSerializer, **LIST_ERRORS},
)
class MarkListApi(DisclosedList, generics.ListAPIView):
    reads_from_replica = True  # its GET (core/db_routing.py)
    disclosed = "marks"
    serializer_class = MarkSerializer
    filterset_class = MarkFilter

    def get_queryset(self) -> QuerySet[Mark]:
        return (
            access.marks_visible_to(user=self.request.user)
            .select_related("code")
            .annotate(amended=Exists(Amendment.objects.filter(mark=OuterRef("pk"))))
            .order_by("date", "session", "school_id", "pupil_id", "pk")
        )
