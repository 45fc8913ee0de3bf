"""Errors a service raises for staff to read: plain words, no pupil data beyond what they sent."""

from dataclasses import dataclass


class DomainError(Exception):
    """A rule of the registers refused the request; the message is shown to staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlreadyRecorded(DomainError):
    """The same thing is already recorded (a second leave request for days already asked
    for, a late-book line entered twice): `existing` is that record, for a link to it."""

    def __init__(self, message: str, *, existing: object) -> None:
        super().__init__(message)
        self.existing = existing


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


@dataclass(frozen=True)
class Conflict:
    """A mark someone else saved after the form was opened: what it is now, and who saved it."""

    pupil_id: int
    pupil_name: str
    code: str
    meaning: str
    saved_by: str
    saved_at: str

    def __str__(self) -> str:
        return (
            f"{self.pupil_name}: now {self.code} ({self.meaning}), "
            f"saved by {self.saved_by} at {self.saved_at}"
        )


class StaleSave(DomainError):
    """The form was out of date; nothing of it was saved. `conflicts` shows the current marks."""

    def __init__(self, conflicts: list) -> None:
        self.conflicts = conflicts
        super().__init__(
            "Someone else changed these marks after you opened the page, so nothing was saved. "
            "The page now shows the current marks: check them and save again. "
            + "; ".join(str(c) for c in conflicts)
        )
