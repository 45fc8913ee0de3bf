"""Errors a service raises for staff to read: plain words, no pupil data beyond what they sent.

The API answers each in one place (`core.api_errors`): `http_status` and `details()` say how,
so that module knows no app's errors.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    """A rule refused the request; the message is shown to staff. `problems`, when given,
    lists every reason found (a register refused for three pupils names all three)."""

    http_status = 400

    def __init__(self, message: str, *, problems: Iterable[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems) if problems is not None else None

    def details(self) -> dict[str, Any]:
        """What the API adds to `{"detail": message}`."""
        return {} if self.problems is None else {"problems": list(self.problems)}


class AlreadyRecorded(DomainError):
    """The same thing is already recorded (a second leave request for days already asked
    for, a late-book line entered twice): `existing` is that record, for a link to it."""

    def __init__(self, message: str, *, existing: object) -> None:
        super().__init__(message)
        self.existing = existing

    def details(self) -> dict[str, Any]:
        # A record with a page of its own in the API says where (`api_path`); others have none.
        api_path = getattr(self.existing, "api_path", None)
        return {"existing": api_path()} if callable(api_path) else {}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class FileRejected(DomainError):
    """A whole file was refused; nothing from it was saved. `errors` lists every problem found."""

    def __init__(self, errors: list) -> None:
        self.errors = errors
        super().__init__(f"Nothing was imported: {len(errors)} problem(s) found.")
