"""A text field's length limit read from its model, so that a limit a service checks before
saving (with a message staff can read) is the one the database keeps."""

from django.db.models import Model


def max_length(model: type[Model], field: str) -> int:
    """`model.field`'s max_length; a field without one is a mistake in the caller."""
    length = getattr(model._meta.get_field(field), "max_length", None)
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{field} has no max_length.")
    return length
