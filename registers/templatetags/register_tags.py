from html import escape as _escape

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from registers.codes import code_catalogue
from registers.models import MarkSource

register = template.Library()


@register.simple_tag
def code_options(options: SafeString, selected: str) -> SafeString:
    """The page's one rendering of the code picker's options, with this line's code selected.

    Rendering the 35 options once per page rather than once per pupil is most of the time a
    register takes to draw (a class of 30).
    """
    value = escape(selected or "")
    drawn = options.replace(f'<option value="{value}">', f'<option value="{value}" selected>', 1)
    if selected and drawn == options:
        # A saved code this register does not offer (a closure's `#` on a teacher's page):
        # shown, so that saving the register sends it back unchanged.
        entry = code_catalogue().get(selected)
        label = f"{selected} - {entry.meaning}" if entry else selected
        return format_html('<option value="{}" selected>{}</option>', selected, label) + options
    return mark_safe(drawn)


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


def register_line_known(line: dict, keeps_histories: bool, school_id: int) -> str:
    """What is known of the line, as markup: a code expected but not saved, or the saved mark."""
    pupil, mark = line["pupil"], line["mark"]
    if line["expected"] and not mark:
        return _EXPECTED.format(_escape(str(line["expected"])), _escape(str(line["expected_why"])))
    if not mark:
        return ""
    parts = [f"Saved: <strong>{_escape(str(mark.code_id))}</strong>"]
    if mark.minutes_late is not None:
        parts.append(f" ({_escape(str(mark.minutes_late))} min late)")
    if mark.source != MarkSource.REGISTER:
        parts.append(f" · from the {_escape(mark.get_source_display().lower())}")
    if getattr(mark, "amendment_count", 0):
        parts.append(" · amended")
    if keeps_histories:
        history = reverse("pupil_history", args=[school_id, pupil.pk])
        amend = reverse("mark_amend", args=[mark.pk])
        parts.append(
            f' · <a href="{_escape(history)}">history</a> · <a href="{_escape(amend)}">amend</a>'
        )
    return '\n        <span class="known">' + "".join(parts) + "</span>"


@register.simple_tag
def register_line(line: dict, options: SafeString, keeps_histories: bool, school_id: int):
    """A pupil's line: the code picker, the arrival time, and what is known or saved."""
    pupil, mark = line["pupil"], line["mark"]
    known = mark_safe(register_line_known(line, keeps_histories, school_id))
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


_EMPTY = "\n        <li>No pupils are on this class's roll on this day.</li>\n      "


@register.simple_tag
def register_lines(lines: list, options: SafeString, keeps_histories: bool, school_id: int):
    """Every line of the register, as `register_line` draws each (the same markup, and the
    same whitespace as a loop over it in the template), with plain string formatting: a class
    of 30 through `format_html` was most of the time the page took to draw."""
    if not lines:
        return mark_safe(_EMPTY)
    drawn = []
    for line in lines:
        pupil, mark = line["pupil"], line["mark"]
        known = register_line_known(line, keeps_histories, school_id)
        drawn.append(
            _LINE.format(
                saved=" saved" if mark else "",
                pk=pupil.pk,
                seen=_escape(str(line["seen"])),
                name=_escape(pupil.name),
                options=code_options(options, line["code"]),
                arrived=_escape(str(line["arrived"])),
                known=known,
            )
        )
    return mark_safe("\n        " + "\n      \n        ".join(drawn) + "\n      ")
