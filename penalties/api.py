"""Threshold cases in the API: read-only, for the attendance lead and head of the school.

Scoped by `penalties.access`; decisions and notices are made on the pages.
"""

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import LIST_ERRORS, READ_ERRORS
from core.http import AuthenticatedRequest
from penalties import access
from penalties.filters import ThresholdCaseFilter
from penalties.models import CaseDecision, SupportOffered, ThresholdCase
from penalties.serializers import ThresholdCaseDetailSerializer, ThresholdCaseSerializer
from registers.disclosure import DisclosedList, disclose


@extend_schema_view(
    get=extend_schema(
        summary="Pupils who met the penalty-notice threshold (lead and head)",
        responses={200: ThresholdCaseSerializer, **LIST_ERRORS},
    )
)
class ThresholdCaseListApi(DisclosedList, generics.ListAPIView):
    reads_from_replica = True  # its GET (core/db_routing.py)
    disclosed = "threshold cases"
    serializer_class = ThresholdCaseSerializer
    filterset_class = ThresholdCaseFilter

    def get_queryset(self) -> QuerySet[ThresholdCase]:
        return (
            access.threshold_cases_visible_to(user=self.request.user)
            .select_related("pupil")
            .order_by("-opened_on", "school_id", "pupil__legal_surname", "pk")
        )


@extend_schema(
    summary="One case, with its evidence, support and decisions",
    responses={200: ThresholdCaseDetailSerializer, **READ_ERRORS},
)
class ThresholdCaseDetailApi(APIView):
    reads_from_replica = True  # its GET (core/db_routing.py)

    def get(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = access.get_threshold_case_for_user(user=request.user, case_id=case_id)
        disclose(request, school=case.school, what=f"API threshold case {case.pk}", rows=1)
        prefetch_related_objects(
            [case],
            Prefetch("support", SupportOffered.objects.select_related("recorded_by")),
            Prefetch("decisions", CaseDecision.objects.select_related("decided_by")),
        )
        return Response(ThresholdCaseDetailSerializer(case).data)
