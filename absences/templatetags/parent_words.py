"""A mark's code as a parent reads it (`registers.codes.in_parents_words`)."""

from django import template

from registers.codes import in_parents_words

register = template.Library()


@register.filter
def parent_words(mark) -> str:
    return in_parents_words(mark.code_id, mark.code.meaning)
