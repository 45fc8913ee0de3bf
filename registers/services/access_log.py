"""The disclosure log: every export, letter and PDF downloaded, and every read of pupil-level data
through the API: who, what, the filter asked for, how many, and when.

Data protection asks a school to be able to say who was given which pupil data. A row names the
download and the object's id (a letter's or a report's), never a pupil's name, so the log itself
discloses nothing more than the ids it points to; a UPN searched for is recorded as given, not
its value.
"""

from collections.abc import Mapping

from django.contrib.auth.models import User
from django.utils import timezone

from core.errors import DomainError
from core.limits import max_length
from registers.models import AccessLog, School

WHAT_MAX_LENGTH = max_length(AccessLog, "what")
FILTERS_MAX_LENGTH = max_length(AccessLog, "filters")
# Filters whose value identifies a pupil by something other than an id.
UNNAMED_FILTERS = frozenset({"upn"})


def describe_filters(filters: Mapping[str, object]) -> str:
    """`name=value&...` in name order, blank values left out, a UPN as "(given)"; cut to fit."""
    getlist = getattr(filters, "getlist", None)
    pairs = []
    for name in sorted(filters):
        values = getlist(name) if getlist else [filters[name]]
        for value in values:
            text = "" if value is None else str(value)
            if not text:
                continue
            pairs.append(f"{name}=(given)" if name in UNNAMED_FILTERS else f"{name}={text}")
    described = "&".join(pairs)
    if len(described) > FILTERS_MAX_LENGTH:
        described = described[: FILTERS_MAX_LENGTH - 1] + "…"
    return described


def access_log_record(
    *,
    user: User | None,
    school: School | None,
    what: str,
    rows: int,
    filters: Mapping[str, object] | None = None,
) -> AccessLog:
    """Record that `user` was given `what` (e.g. "leave decision letter, request 12") now: `rows`
    of it (file rows, an API page's records, 1 for a letter), asked for with `filters`; no user
    for an export a command made on the server."""
    what = what.strip()
    if not what:
        raise DomainError("A download must say what was downloaded.")
    if len(what) > WHAT_MAX_LENGTH:
        raise DomainError(f"What was downloaded must be at most {WHAT_MAX_LENGTH} characters.")
    if rows < 0:
        raise DomainError("A download cannot hold fewer than no rows.")
    return AccessLog.objects.create(
        user=user,
        school=school,
        what=what,
        filters=describe_filters(filters or {}),
        rows=rows,
        at=timezone.now(),
    )
