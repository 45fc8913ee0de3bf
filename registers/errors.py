"""The register's own refusal: a save out of date, with the marks as they are now."""

from dataclasses import asdict, dataclass
from typing import Any

from core.errors import DomainError


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

    http_status = 409

    def __init__(self, conflicts: list) -> None:
        self.conflicts = conflicts
        super().__init__(
            "Someone else changed these marks after you opened the page, so nothing was saved. "
            "The page now shows the current marks: check them and save again. "
            + "; ".join(str(c) for c in conflicts)
        )

    def details(self) -> dict[str, Any]:
        # The marks as they are now, so the client can show them and let the person decide.
        return {"conflicts": [asdict(conflict) for conflict in self.conflicts]}
