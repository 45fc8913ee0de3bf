"""The letters parents may download from their pages, of every kind the school draws.

Letters are drawn in several apps (leave decisions and unauthorised-absence letters here, the
intervention ladder's letters and notices to improve in `penalties`, which builds on this app):
each app adds its kinds when it is ready (`AppConfig.ready`), so this app imports none above it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from registers.models import Pupil, School

L = TypeVar("L", bound=Model)


@dataclass(frozen=True)
class LetterKind(Generic[L]):
    """One kind of letter: `kind` is the download's key; `drawn` gives the pupil's letters of
    that kind at that school that have a file (one query); `title` and `dated` describe one."""

    kind: str
    drawn: Callable[[School, Pupil], QuerySet[L]]
    title: Callable[[L], str]
    dated: Callable[[L], datetime | None]


@dataclass(frozen=True)
class LetterLine:
    kind: str  # the download's key: leave, ladder, notice, unauthorised
    letter_id: int
    title: str
    dated: date


_kinds: dict[str, LetterKind[Any]] = {}


def letter_kind_add(kind: LetterKind[Any]) -> None:
    _kinds[kind.kind] = kind


def letters_drawn(*, school: School, pupil: Pupil) -> list[LetterLine]:
    """Every letter drawn for the pupil's parents, newest first (a query per kind)."""
    lines = [
        LetterLine(kind.kind, letter.pk, kind.title(letter), _day(kind.dated(letter)))
        for kind in _kinds.values()
        for letter in kind.drawn(school, pupil)
    ]
    return sorted(lines, key=lambda line: line.dated, reverse=True)


def letter_file(*, school: School, pupil: Pupil, kind: str, letter_id: int) -> FieldFile | None:
    """The stored letter of that kind and id, if it is one of the pupil's; else None."""
    letter_kind = _kinds.get(kind)
    if letter_kind is None:
        return None
    found = letter_kind.drawn(school, pupil).filter(pk=letter_id).first()
    return found.letter if found is not None else None


def _day(moment: datetime | None) -> date:
    return timezone.localdate(moment) if moment else date.min
