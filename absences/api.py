"""The absences API: the contact log and leave requests, through the pages' services.

Lists are scoped by `absences.access` (office, attendance lead and head of the school). A
write parses its body (types only), loads the school and pupil through `access` (404 for
another school or a pupil not on its register, 403 for a role that may not), and calls the
service the page calls; a service's refusal is a 400 with its message
(`core.api_errors`).
"""

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from absences import access
from absences.filters import LeaveRequestFilter, ParentCallFilter
from absences.models import (
    CallDirection,
    CallOutcome,
    LeaveCategory,
    LeaveRequest,
    ParentCall,
)
from absences.selectors.pupils import pupil_contacts
from absences.serializers import LeaveRequestSerializer, ParentCallSerializer
from absences.services.calls import parent_call_record
from absences.services.leave import leave_request_record
from core.api_errors import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from core.http import AuthenticatedRequest
from registers.disclosure import DisclosedList, disclose
from registers.lib.calendar import AM, PM, SESSIONS
from registers.models import Pupil, School

TEXT_MAX_LENGTH = 500  # as the models' reason fields


class _PupilWriteInput(serializers.Serializer):
    """A write about one pupil of one school: the fields every absences write starts with."""

    school = serializers.IntegerField()
    pupil = serializers.IntegerField()


def _pupil_write(
    request: AuthenticatedRequest, input_serializer: type[_PupilWriteInput]
) -> tuple[dict, School, Pupil]:
    """The body's values, and the school and pupil it names as the user may write them."""
    serializer = input_serializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    school = access.get_school_for_office(user=request.user, school_id=data["school"])
    return data, school, access.get_pupil_at_school(school=school, pupil_id=data["pupil"])


@extend_schema_view(
    get=extend_schema(
        summary="Calls logged about pupils' absence (office, lead, head)",
        responses={200: ParentCallSerializer, **LIST_ERRORS},
    )
)
class ParentCallListApi(DisclosedList, generics.ListAPIView):
    reads_from_replica = True  # its GET (core/db_routing.py)
    disclosed = "calls"
    serializer_class = ParentCallSerializer
    filterset_class = ParentCallFilter

    @extend_schema_serializer(component_name="CallLog")
    class InputSerializer(_PupilWriteInput):
        contact = serializers.IntegerField(
            required=False, allow_null=True, default=None, help_text="One of the pupil's contacts."
        )
        contact_name = serializers.CharField(
            max_length=200, required=False, allow_blank=True, default=""
        )
        direction = serializers.ChoiceField(choices=CallDirection.choices)
        outcome = serializers.ChoiceField(choices=CallOutcome.choices)
        reason_given = serializers.CharField(
            max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
        )
        code = serializers.CharField(
            max_length=2,
            required=False,
            allow_blank=True,
            default="",
            help_text="The code for the reason given; blank when the call established none.",
        )
        first_day = serializers.DateField(required=False, allow_null=True, default=None)
        first_session = serializers.ChoiceField(choices=list(SESSIONS), default=AM)
        last_day = serializers.DateField(required=False, allow_null=True, default=None)
        last_session = serializers.ChoiceField(choices=list(SESSIONS), default=PM)
        expected_return = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema_serializer(component_name="CallLogged")
    class OutputSerializer(serializers.Serializer):
        call = ParentCallSerializer()
        sessions_coded = serializers.IntegerField(
            help_text="Sessions up to today coded (new marks and amendments)."
        )
        reported_until = serializers.DateField(
            allow_null=True,
            help_text="Days still to come whose registers will show the code, up to this day.",
        )
        safeguarding_flag = serializers.BooleanField(
            help_text="Every contact has now been tried today without reaching anyone."
        )

    def get_queryset(self) -> QuerySet[ParentCall]:
        return (
            access.parent_calls_visible_to(user=self.request.user)
            .select_related("pupil", "recorded_by")
            .order_by("-called_at", "-pk")
        )

    @extend_schema(
        operation_id="calls_log",
        summary="Log a call; a reason given codes the sessions it covers",
        request=InputSerializer,
        responses={201: OutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data, school, pupil = _pupil_write(request, self.InputSerializer)
        contact = None
        if data["contact"] is not None:
            contacts = {link.contact_id: link.contact for link in pupil_contacts(pupil=pupil)}
            contact = contacts.get(data["contact"])
            if contact is None:
                raise serializers.ValidationError(
                    {"contact": ["Choose one of the pupil's contacts, or give a name instead."]}
                )
        recorded = parent_call_record(
            school=school,
            pupil=pupil,
            contact=contact,
            contact_name=data["contact_name"],
            direction=data["direction"],
            outcome=data["outcome"],
            reason_given=data["reason_given"],
            code=data["code"] or None,
            first_day=data["first_day"],
            first_session=data["first_session"],
            last_day=data["last_day"],
            last_session=data["last_session"],
            expected_return=data["expected_return"],
            by=request.user,
        )
        written = recorded.recoded.created + recorded.recoded.amended if recorded.recoded else 0
        body = {
            "call": recorded.call,
            "sessions_coded": written,
            "reported_until": recorded.reported.last_day if recorded.reported else None,
            "safeguarding_flag": bool(recorded.flag and recorded.flag.resolved_at is None),
        }
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="Leave of absence requests (office, lead, head)",
        responses={200: LeaveRequestSerializer, **LIST_ERRORS},
    )
)
class LeaveRequestListApi(DisclosedList, generics.ListAPIView):
    reads_from_replica = True  # its GET (core/db_routing.py)
    disclosed = "leave requests"
    serializer_class = LeaveRequestSerializer
    filterset_class = LeaveRequestFilter

    @extend_schema_serializer(component_name="LeaveRequestRecord")
    class InputSerializer(_PupilWriteInput):
        first_day = serializers.DateField()
        first_session = serializers.ChoiceField(choices=list(SESSIONS), default=AM)
        last_day = serializers.DateField()
        last_session = serializers.ChoiceField(choices=list(SESSIONS), default=PM)
        category = serializers.ChoiceField(choices=LeaveCategory.choices)
        reason = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
        evidence = serializers.CharField(
            max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
        )
        received_on = serializers.DateField(required=False, help_text="Today if not given.")
        requested_by_name = serializers.CharField(
            max_length=200, required=False, allow_blank=True, default="", help_text="Who asked."
        )
        requester_lives_with_pupil = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Whether the pupil normally lives with the parent who asked: needed to "
            "approve leave in exceptional circumstances (regulation 11).",
        )

    def get_queryset(self) -> QuerySet[LeaveRequest]:
        return (
            access.leave_requests_visible_to(user=self.request.user)
            .select_related("pupil", "recorded_by", "decided_by")
            .order_by("first_day", "first_session", "pk")
        )

    @extend_schema(
        operation_id="leave_requests_record",
        summary="Record a parent's written request for the head to decide",
        request=InputSerializer,
        responses={201: LeaveRequestSerializer, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data, school, pupil = _pupil_write(request, self.InputSerializer)
        leave = leave_request_record(
            school=school,
            pupil=pupil,
            first_day=data["first_day"],
            first_session=data["first_session"],
            last_day=data["last_day"],
            last_session=data["last_session"],
            category=data["category"],
            reason=data["reason"],
            evidence=data["evidence"],
            received_on=data.get("received_on") or timezone.localdate(),
            requested_by_name=data["requested_by_name"],
            requester_lives_with_pupil=data["requester_lives_with_pupil"],
            by=request.user,
        )
        return Response(LeaveRequestSerializer(leave).data, status=status.HTTP_201_CREATED)


@extend_schema(summary="One leave request", responses={200: LeaveRequestSerializer, **READ_ERRORS})
class LeaveRequestDetailApi(APIView):
    reads_from_replica = True  # its GET (core/db_routing.py)

    def get(self, request: AuthenticatedRequest, leave_id: int) -> Response:
        leave = access.get_leave_request_for_user(user=request.user, leave_id=leave_id)
        disclose(request, school=leave.school, what=f"API leave request {leave.pk}", rows=1)
        return Response(LeaveRequestSerializer(leave).data)
