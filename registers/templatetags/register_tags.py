from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from registers.models import MarkSource

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


# One line of the register form. Drawn here rather than by the template engine: a class of 30
# through the engine was a third of the time a register took to open. The markup is the page's
# (templates/registers/register.html), one label per field.
_LINE = (
    '<li class="register-line{saved}">\n'
    '        <input type="hidden" name="pupil" value="{pk}">\n'
    '        <input type="hidden" name="seen-{pk}" value="{seen}">\n'
    '        <label class="pupil-name" for="code-{pk}">{name}</label>\n'
    '        <select id="code-{pk}" name="code-{pk}">{options}</select>\n'
    '        <span class="arrival">\n'
    '          <label for="arrived-{pk}">Late: arrived at</label>\n'
    '          <input type="time" id="arrived-{pk}" name="arrived-{pk}" value="{arrived}">\n'
    "        </span>{known}\n"
    "      </li>"
)
_EXPECTED = (
    '\n        <span class="known">Known: <strong>{}</strong> · {}</span>'  # a code not yet saved
)


@register.simple_tag
def register_line(line: dict, options: SafeString, keeps_histories: bool, school_id: int):
    """A pupil's line: the code picker, the arrival time, and what is known or saved."""
    pupil, mark = line["pupil"], line["mark"]
    known = ""
    if line["expected"] and not mark:
        known = format_html(_EXPECTED, line["expected"], line["expected_why"])
    elif mark:
        parts: list[str] = [format_html("Saved: <strong>{}</strong>", mark.code_id)]
        if mark.minutes_late is not None:
            parts.append(format_html(" ({} min late)", mark.minutes_late))
        if mark.source != MarkSource.REGISTER:
            parts.append(format_html(" · from the {}", mark.get_source_display().lower()))
        if getattr(mark, "amendment_count", 0):
            parts.append(" · amended")
        if keeps_histories:
            parts.append(
                format_html(
                    ' · <a href="{}">history</a> · <a href="{}">amend</a>',
                    reverse("pupil_history", args=[school_id, pupil.pk]),
                    reverse("mark_amend", args=[mark.pk]),
                )
            )
        known = format_html(
            '\n        <span class="known">{}</span>', mark_safe("".join(str(p) for p in parts))
        )
    return format_html(
        _LINE,
        saved=" saved" if mark else "",
        pk=pupil.pk,
        seen=line["seen"],
        name=pupil.name,
        options=code_options(options, line["code"]),
        arrived=line["arrived"],
        known=known,
    )
