"""Unique Pupil Numbers: the DfE's 13-character identifier with its check letter.

Layout: a check letter, then the 3-digit LA number, the 4-digit establishment number, the 2-digit
year of allocation and a 3-character serial. A temporary UPN ends in a letter instead of a digit.
The check letter: weight characters 2-13 by their position (2-13), a final letter counting as its
index in CHECK_ALPHABET, sum, take the remainder mod 23 and look it up in CHECK_ALPHABET.
"""

from django.core.exceptions import ValidationError

# I, O and S are left out so they cannot be confused with 1, 0 and 5.
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _digits(text: str) -> bool:
    """0-9 only: `str.isdigit` also takes `²` and other scripts' digits, which `int` refuses."""
    return text.isascii() and text.isdigit()


def upn_check_letter(body: str) -> str:
    """The check letter for the 12 characters that follow it."""
    if len(body) != 12 or not _digits(body[:11]):
        raise ValueError("a UPN body is 11 digits and a final digit or letter")
    last = body[11]
    if _digits(last):
        values = [int(c) for c in body]
    elif last in CHECK_ALPHABET:
        values = [int(c) for c in body[:11]] + [CHECK_ALPHABET.index(last)]
    else:
        raise ValueError("a temporary UPN ends in a letter of " + CHECK_ALPHABET)
    total = sum(value * weight for value, weight in zip(values, range(2, 14), strict=True))
    return CHECK_ALPHABET[total % 23]


def upn_problem(value: str) -> str | None:
    """Why a string is not a valid UPN, in words office staff can act on; None if it is valid."""
    if len(value) != 13:
        return f"a UPN has 13 characters, this one has {len(value)}"
    body = value[1:]
    if not _digits(body[:11]):
        return "characters 2 to 12 of a UPN must be digits"
    if not (_digits(body[11]) or body[11] in CHECK_ALPHABET):
        return "the last character of a UPN must be a digit or a letter other than I, O or S"
    expected = upn_check_letter(body)
    if value[0] != expected:
        return f"the check letter does not match (expected {expected})"
    return None


def validate_upn(value: str) -> None:
    problem = upn_problem(value)
    if problem:
        raise ValidationError(f"Invalid UPN: {problem}.", code="invalid_upn")
