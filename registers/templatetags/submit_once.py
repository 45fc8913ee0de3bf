"""`{% form_once %}`: the one-time token of a form that creates something (see
registers.services.submit_once)."""

from uuid import uuid4

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from registers.services.submit_once import FIELD

register = template.Library()


@register.simple_tag
def form_once() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid4().hex)
