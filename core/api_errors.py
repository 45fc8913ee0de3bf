"""The API's one exception handler: a service's refusal becomes an answer a client can show.

A `DomainError` is answered with its `http_status` (400, or 409 for a register saved out of date)
and `{"detail": message}` plus what the error itself adds (`details()`: every problem found, the
marks as they are now, the record a duplicate repeats). Everything else (Http404,
PermissionDenied, validation and parse errors) is DRF's own handling.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if not isinstance(exc, DomainError):
        return drf_exception_handler(exc, context)
    # The services write in their own transactions; this keeps a request-wide one (should
    # ATOMIC_REQUESTS be turned on) from committing anything either, as DRF does for its errors.
    set_rollback()
    return Response({"detail": exc.message, **exc.details()}, status=exc.http_status)


# The shapes above, for the OpenAPI schema (drf-spectacular): views list them in their
# `extend_schema(responses=...)` so a client knows what each refusal carries. A 400 is one of two
# shapes, told apart by `detail`: a refusal always has it, field errors never do (no input is
# named "detail").


class ErrorSerializer(serializers.Serializer):
    """403, 404 and a service's 400: one message to show."""

    detail = serializers.CharField()


class RefusedSerializer(serializers.Serializer):
    """400: the request was refused and nothing was saved. `problems` lists each problem found
    when a register is refused; `existing` is the path of the record a duplicate request
    repeats. A body that is not JSON gets this shape too."""

    detail = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField(), required=False)
    existing = serializers.CharField(
        required=False,
        help_text="A request for something already recorded (leave for days already asked "
        "for): the path of that record.",
    )


class FieldErrorsSerializer(serializers.Serializer):
    """400 for a malformed body or query: DRF's own field-by-field answer. Its keys are the
    input's field names, so it has no fields here: `FieldErrorsSchema` describes it."""


class FieldErrorsSchema(OpenApiSerializerExtension):
    target_class = FieldErrorsSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": (
                "The body or query was malformed and nothing was saved. Each field sent wrongly "
                'has its messages, `{"field": ["message"]}`, and `non_field_errors` is for the '
                "request as a whole. Nested input is answered in the same shape, by the position "
                'of each item sent wrongly (from 0), e.g. `{"marks": {"4": {"code": ["..."]}}}`. '
                "There is never a `detail` key."
            ),
            "properties": {"non_field_errors": messages},
            # Never a bare string: that is what tells this shape from `{"detail": ...}`.
            "additionalProperties": {"anyOf": [messages, {"type": "object"}]},
            "minProperties": 1,
        }


BAD_REQUEST = PolymorphicProxySerializer(
    component_name="BadRequest",
    serializers=[RefusedSerializer, FieldErrorsSerializer],
    resource_type_field_name=None,
)


class ConflictSerializer(serializers.Serializer):
    """409: marks someone else saved after the client read them, as they are now."""

    class MarkNowSerializer(serializers.Serializer):
        pupil_id = serializers.IntegerField()
        pupil_name = serializers.CharField()
        code = serializers.CharField()
        meaning = serializers.CharField()
        saved_by = serializers.CharField()
        saved_at = serializers.CharField()

    detail = serializers.CharField()
    conflicts = MarkNowSerializer(many=True)


READ_ERRORS = {403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {400: BAD_REQUEST, **READ_ERRORS}
# A list's filters are checked like a body (`{"pupil": ["..."]}`); a page past the end is a 404.
LIST_ERRORS = {400: FieldErrorsSerializer, **READ_ERRORS}
