"""Codes a register knows before it is taken, from wherever they were decided.

The register is the base every other app builds on, so it cannot ask them itself: an app that
decides codes in advance (the office's reported absences, approved leave, part-time timetables)
adds a source here when it is ready (`AppConfig.ready`), and the register asks every source.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from registers.models import School


@dataclass(frozen=True)
class ExpectedCode:
    code: str
    why: str


# A source answers for the pupils it knows about, in one query: {pupil id: expected code}.
ExpectedCodesSource = Callable[..., dict[int, ExpectedCode]]

_sources: list[ExpectedCodesSource] = []


def expected_codes_source_add(source: ExpectedCodesSource) -> None:
    """Ask `source` too (called from an app's `ready`; adding the same source twice is one)."""
    if source not in _sources:
        _sources.append(source)


def expected_codes(
    *, school: School, pupil_ids: list[int], day: date, session: str
) -> dict[int, ExpectedCode]:
    """Every source's codes for these pupils in that session; a later source wins a pupil."""
    expected: dict[int, ExpectedCode] = {}
    for source in _sources:
        expected.update(source(school=school, pupil_ids=pupil_ids, day=day, session=session))
    return expected
