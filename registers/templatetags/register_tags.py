from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def code_options(options: SafeString, selected: str) -> SafeString:
    """The page's one rendering of the code picker's options, with this line's code selected.

    Rendering the 35 options once per page rather than once per pupil is most of the time a
    register takes to draw (a class of 30).
    """
    value = escape(selected or "")
    return mark_safe(
        options.replace(f'<option value="{value}">', f'<option value="{value}" selected>', 1)
    )
