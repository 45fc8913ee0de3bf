"""A school's attendance figures in the API, by the one statistics module.

The school is loaded twice through the access modules: `registers.access` (a school the user
has no place at is not found, as everywhere in the API), then `reports.access` (the governors'
dashboard audience: governors, the head, the attendance lead and the federation admin; anyone
else is a 403). Figures describing fewer than 5 pupils are withheld, as on the dashboard; a
period with no possible session says so (`no_sessions`) rather than looking withheld.
"""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attendance_site.api_errors import WRITE_ERRORS
from registers import access as registers_access
from reports import access
from reports.selectors.figures import SUPPRESSION_THRESHOLD, Figures, figures_for, suppressed


class PeriodSerializer(serializers.Serializer):
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD` (`from` is a Python keyword, hence get_fields)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": serializers.DateField(), "to": serializers.DateField()}

    def validate(self, attrs: dict) -> dict:
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError("'to' is before 'from'.")
        return attrs


@extend_schema_serializer(component_name="SchoolFigures")
class FiguresSerializer(serializers.Serializer):
    school = serializers.IntegerField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    suppressed = serializers.BooleanField(
        help_text=f"1 to {SUPPRESSION_THRESHOLD - 1} pupils: every figure below is withheld."
    )
    no_sessions = serializers.BooleanField(
        help_text="No possible session recorded in the period: the counts are 0 and the rates "
        "null (not withheld: there is nothing to count)."
    )
    pupils = serializers.IntegerField(
        allow_null=True, help_text="Pupils (enrolments) with at least one possible session."
    )
    possible = serializers.IntegerField(allow_null=True)
    attended = serializers.IntegerField(allow_null=True)
    authorised = serializers.IntegerField(allow_null=True)
    unauthorised = serializers.IntegerField(allow_null=True)
    attendance_pct = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    absence_pct = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    authorised_pct = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    unauthorised_pct = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    persistent = serializers.IntegerField(
        allow_null=True, help_text="Pupils missing 10 % or more of their possible sessions."
    )
    persistent_pct = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    severe = serializers.IntegerField(allow_null=True, help_text="Missing 50 % or more.")
    severe_pct = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    by_code = serializers.DictField(
        child=serializers.IntegerField(), allow_null=True, help_text="Sessions by code."
    )


FIGURE_FIELDS = (
    "pupils",
    "possible",
    "attended",
    "authorised",
    "unauthorised",
    "attendance_pct",
    "absence_pct",
    "authorised_pct",
    "unauthorised_pct",
    "persistent",
    "persistent_pct",
    "severe",
    "severe_pct",
    "by_code",
)


def _body(*, school_id: int, start: date, end: date, figures: Figures) -> dict:
    hidden = bool(figures.pupils) and suppressed(figures)
    return {
        "school": school_id,
        "date_from": start,
        "date_to": end,
        "suppressed": hidden,
        "no_sessions": not figures.pupils,
        **{name: None if hidden else getattr(figures, name) for name in FIGURE_FIELDS},
    }


class SchoolFiguresApi(APIView):
    @extend_schema(
        operation_id="school_figures",
        summary="A school's attendance figures for a period (the dashboard's audience)",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=True),
        ],
        responses={200: FiguresSerializer, **WRITE_ERRORS},
    )
    def get(self, request: Request, school_id: int) -> Response:
        registers_access.get_school_for_user(user=request.user, school_id=school_id)
        school = access.get_school_for_dashboard(user=request.user, school_id=school_id)
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        start, end = period.validated_data["from"], period.validated_data["to"]
        figures = figures_for(school_ids=[school.pk], start=start, end=end)
        return Response(
            FiguresSerializer(
                _body(school_id=school.pk, start=start, end=end, figures=figures)
            ).data
        )
