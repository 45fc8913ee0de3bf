"""Names and other one-line text from files and forms: characters that must not be stored.

A control character (NUL, a line break, an escape) has no place in a name: PostgreSQL refuses
NUL outright (a traceback where SQLite stored it), and the others break letters and CSV files.
The bidirectional controls (the overrides, embeddings and isolates, and the invisible
direction marks) reorder the text around them when it is shown, so that "Smith<RLO>nhoJ"
displays as another name: a register could show one pupil as another.
"""

import unicodedata

from django.core.exceptions import ValidationError

BIDI_CONTROLS = frozenset(
    "\u061c"  # Arabic letter mark
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)


def one_line_text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as a name or other one-line text, or None. Names no
    character: the message may be printed beside the file's line."""
    for character in value:
        if unicodedata.category(character) == "Cc":
            return "contains a control character (such as NUL or a line break)"
        if character in BIDI_CONTROLS:
            return "contains an invisible character that changes the direction of the text"
    return None


def validate_one_line_text(value: str) -> None:
    """The model fields' validator (the admin's forms) for the same rule."""
    problem = one_line_text_problem(value)
    if problem:
        raise ValidationError(f"This {problem}.", code="invalid_characters")
