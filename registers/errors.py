"""Errors a service raises for staff to read: plain words, no pupil data beyond what they sent."""

from dataclasses import dataclass


class DomainError(Exception):
    """A rule of the registers refused the request; the message is shown to staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
