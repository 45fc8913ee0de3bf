"""The one id filter of the API's lists: a whole number from 1 to the largest id a database holds.

Every filterset's id parameters (`?school=`, `?pupil=`, ...) use it, so an id that is not a
whole number, or is out of range, is a 400 naming the parameter (`{"pupil": ["..."]}`) before
any query runs. (A plain NumberFilter takes `-1.79e308` as a decimal, which SQLite cannot bind:
a 500.) Ids are still plain numbers, not model choices: an id the user may not see filters to
nothing rather than being looked up, which would tell that it exists.
"""

from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from core.parsing import MAX_ID

ID_MESSAGE = f"Give an id: a whole number from 1 to {MAX_ID}."


class IdField(forms.IntegerField):
    default_error_messages = {
        "invalid": ID_MESSAGE,
        "min_value": ID_MESSAGE,
        "max_value": ID_MESSAGE,
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """An object's id, as `IdField` takes it; the schema says the same (integer, 1..MAX_ID)."""

    field_class = IdField

    def __init__(self, *args: Any, help_text: str = "", **kwargs: Any) -> None:
        super().__init__(*args, help_text=help_text, **kwargs)
        # drf-spectacular reads this filter's schema from here (its description included).
        extend_schema_field(
            {
                "type": "integer",
                "format": "int64",
                "minimum": 1,
                "maximum": MAX_ID,
                "description": help_text,
            }
        )(self)

    def get_max_validator(self) -> None:
        return None  # IdField has its own bounds
