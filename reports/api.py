"""A school's attendance figures in the API, by the one statistics module.

The school is loaded through `reports.access` (the governors' dashboard audience: governors,
the head, the attendance lead and the federation admin; another school is not found, anyone
else at this one is a 403). Figures describing fewer than 5 pupils are withheld, as on the
dashboard; a period with no possible session says so (`no_sessions`) rather than looking
withheld. Those who read the school's pupils one by one (the head, the attendance lead, the
federation admin) may ask for any dates; a governor sees what the dashboard shows and no more
(issue #21): whole terms only, and no count of a code fewer than 5 pupils had.
"""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import WRITE_ERRORS
from core.api_filters import ID_MESSAGE
from core.http import AuthenticatedRequest
from core.parsing import DAY_RANGE, EARLIEST_DAY, LATEST_DAY, MAX_ID
from registers.disclosure import disclose
from registers.selectors.statistics import SUPPRESSION_THRESHOLD, Figures, figures_for, suppressed
from reports import access
from reports.selectors.periods import is_whole_terms

WHOLE_TERMS = (
    "Governors' figures are for whole terms: give ?term=<id>, or from the first day of a term "
    "to the last day of a term."
)
DAY_MESSAGE = f"Give a date written YYYY-MM-DD, {DAY_RANGE}."


class PeriodSerializer(serializers.Serializer):
    """`?term=<id>`, or `?from=YYYY-MM-DD&to=YYYY-MM-DD` (`from` is a Python keyword, hence
    get_fields)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        def day() -> serializers.DateField:
            return serializers.DateField(
                required=False,
                validators=[_within_days],
            )

        return {
            "term": serializers.IntegerField(
                required=False,
                min_value=1,
                max_value=MAX_ID,
                error_messages={
                    "invalid": ID_MESSAGE,
                    "min_value": ID_MESSAGE,
                    "max_value": ID_MESSAGE,
                },
            ),
            "from": day(),
            "to": day(),
        }

    def validate(self, attrs: dict) -> dict:
        if "term" in attrs:
            return attrs
        missing = {
            name: ["This field is required."] for name in ("from", "to") if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError("'to' is before 'from'.")
        return attrs


def _within_days(day: date) -> None:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise serializers.ValidationError(DAY_MESSAGE)


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
        child=serializers.IntegerField(allow_null=True),
        allow_null=True,
        help_text="Sessions by code; for a governor, null for a code fewer than "
        f"{SUPPRESSION_THRESHOLD} pupils had.",
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


def _body(*, school_id: int, start: date, end: date, figures: Figures, governor: bool) -> dict:
    hidden = bool(figures.pupils) and suppressed(figures)
    body = {
        "school": school_id,
        "date_from": start,
        "date_to": end,
        "suppressed": hidden,
        "no_sessions": not figures.pupils,
        **{name: None if hidden else getattr(figures, name) for name in FIGURE_FIELDS},
    }
    if governor and not hidden:
        # The dashboard's rule for a cell: a count of a code fewer than 5 pupils had is withheld.
        body["by_code"] = {
            code: count if figures.pupils_by_code[code] >= SUPPRESSION_THRESHOLD else None
            for code, count in figures.by_code.items()
        }
    return body


class SchoolFiguresApi(APIView):
    reads_from_replica = True  # its GET (core/db_routing.py)

    @extend_schema(
        operation_id="school_figures",
        summary="A school's attendance figures for a term or a period (the dashboard's audience)",
        description=(
            "Give `term`, or `from` and `to`. A governor sees the dashboard's figures: whole "
            "terms only (a period must run from a term's first day to a term's last day), and "
            f"a count of a code fewer than {SUPPRESSION_THRESHOLD} pupils had is null."
        ),
        parameters=[
            OpenApiParameter("term", OpenApiTypes.INT, OpenApiParameter.QUERY),
            OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY),
            OpenApiParameter("to", OpenApiTypes.DATE, OpenApiParameter.QUERY),
        ],
        responses={200: FiguresSerializer, **WRITE_ERRORS},
    )
    def get(self, request: AuthenticatedRequest, school_id: int) -> Response:
        school = access.get_school_for_dashboard(user=request.user, school_id=school_id)
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        asked = period.validated_data
        if "term" in asked:
            term = access.get_term_at_school(school=school, term_id=asked["term"])
            start, end = term.start, term.end
        else:
            start, end = asked["from"], asked["to"]
        governor = not access.sees_pupil_level(user=request.user, school=school)
        if governor and not is_whole_terms(school=school, start=start, end=end):
            raise serializers.ValidationError({"non_field_errors": [WHOLE_TERMS]})
        figures = figures_for(school_ids=[school.pk], start=start, end=end, code_pupils=governor)
        disclose(
            request,
            school=school,
            what=f"API figures, school {school.pk}",
            rows=1,
            filters=request.query_params,
        )
        body = _body(school_id=school.pk, start=start, end=end, figures=figures, governor=governor)
        return Response(FiguresSerializer(body).data)
