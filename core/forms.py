"""A form's field by name, as the kind of field it is: forms that fill in a field's choices or
queryset when they are made (the school's pupils, its codes) say which kind they expect, and a
field declared otherwise fails at once rather than on the page."""

from typing import TypeVar

from django import forms

F = TypeVar("F", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[F]) -> F:
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"The field {name!r} is a {type(field).__name__}, not a {kind.__name__}.")
    return field
