"""Federation, schools, session times, terms and closures from one YAML file.

Loading is a sync, not an append: after it, each school listed has exactly the session times,
terms and closures the file gives (schools not listed are left alone). Every value is checked
before anything is written, and loading the same file twice changes nothing.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction

from core.errors import FileRejected
from registers.lib.calendar import SESSIONS, closure_problems, term_overlap_problems
from registers.lib.year_groups import normalise_year_group, phase_overlap_problems
from registers.models import Closure, Federation, School, SessionTimes, Term
from registers.services.calendar import school_calendar_rebuild

FEDERATION_KEYS = {
    "retention_years": "retention_years",
    "conversation_threshold_pct": "conversation_threshold_pct",
    "letter_threshold_pct": "letter_threshold_pct",
    "meeting_threshold_pct": "meeting_threshold_pct",
    "ladder_minimum_sessions": "ladder_minimum_sessions",
    "penalty_limit_counting": "penalty_limit_counting",
    "penalty_notice_posting_days": "penalty_notice_posting_days",
    "improvement_period_counting": "improvement_period_counting",
    "penalty_evidence_max_age_school_weeks": "penalty_evidence_max_age_school_weeks",
    "unauthorised_absence_letters": "unauthorised_absence_letters",
    "benchmark_year": "benchmark_year",
    "benchmark_overall_absence_pct": "benchmark_overall_absence_pct",
    "benchmark_authorised_absence_pct": "benchmark_authorised_absence_pct",
    "benchmark_unauthorised_absence_pct": "benchmark_unauthorised_absence_pct",
    "benchmark_severe_absence_pct": "benchmark_severe_absence_pct",
}
# first_day_message_channel: email, text or both (first-day absence messages, issue 19).
SCHOOL_KEYS = (
    "name",
    "la_code",
    "estab",
    "address",
    "phone",
    "email",
    "first_day_message_channel",
)
TIME_KEYS = {
    "gates_open": "gates_open",
    "am_start": "am_start",
    "am_register_closes": "am_register_closes",
    "pm_register_opens": "pm_register_opens",
    "pm_register_closes": "pm_register_closes",
    "end": "end_of_day",
}
DEFAULT_PHASE = "Whole school"


class ConfigRejected(FileRejected):
    pass


@dataclass
class LoadResult:
    changes: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return any(self.changes.values())

    def summary(self) -> str:
        if not self.changed:
            return "No changes: the database already matches the file."
        return ", ".join(
            f"{what}: {count}" for what, count in sorted(self.changes.items()) if count
        )


class _Problems(list):
    def add(self, where: str, message: Any) -> None:
        if isinstance(message, ValidationError):
            for text in _messages(message):
                self.append(f"{where}: {text}")
        else:
            self.append(f"{where}: {message}")


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{name}: {text}" if name != "__all__" else text
            for name, texts in error.message_dict.items()
            for text in texts
        ]
    return list(error.messages)


def _time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 8:45 as the base-60 integer 525.
        hours, minutes = divmod(value, 60)
        return time(hours, minutes)
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"'{value}' is not a time; write it as \"HH:MM\"")


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"'{value}' is not a date; write it as YYYY-MM-DD")


def _list(value: Any, where: str, problems: _Problems) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(where, "expected a list")
        return []
    return value


def _mapping(value: Any, where: str, problems: _Problems) -> dict | None:
    if not isinstance(value, dict):
        problems.add(where, "expected a mapping of keys to values")
        return None
    return value


@dataclass
class _SchoolPlan:
    urn: str
    values: dict
    session_times: list[dict]
    terms: list[dict]
    closures: list[dict]


def read_config_file(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigRejected([f"{path.name}: not valid YAML ({error})"]) from None


def school_config_load(*, data: Any) -> LoadResult:
    """Validate the whole configuration, then write it in one transaction."""
    problems = _Problems()
    document = _mapping(data, "file", problems)
    if document is None:
        raise ConfigRejected(problems)
    federation_values = _federation_values(document.get("federation"), problems)
    plans = [
        plan
        for index, entry in enumerate(_list(document.get("schools"), "schools", problems))
        if (plan := _school_plan(entry, f"schools[{index}]", problems))
    ]
    urn_counts = Counter(plan.urn for plan in plans)
    for urn, count in urn_counts.items():
        if count > 1:
            problems.add(f"school {urn}", "this URN is listed more than once")
    if federation_values is not None:
        _check_schools_not_in_other_federation(federation_values["name"], plans, problems)
    if problems:
        raise ConfigRejected(problems)
    return _write(federation_values, plans)


def _federation_values(value: Any, problems: _Problems) -> dict | None:
    entry = _mapping(value, "federation", problems)
    if entry is None:
        return None
    name = str(entry.get("name") or "").strip()
    if not name:
        problems.add("federation", "give the federation a name")
        return None
    unknown = sorted(str(key) for key in entry if key != "name" and key not in FEDERATION_KEYS)
    if unknown:
        problems.add(
            "federation",
            f"unknown setting(s) {', '.join(unknown)}; the settings are "
            + ", ".join(sorted(FEDERATION_KEYS)),
        )
        return None
    values = {"name": name}
    values.update({FEDERATION_KEYS[k]: v for k, v in entry.items() if k in FEDERATION_KEYS})
    candidate = Federation(**values)
    try:
        candidate.full_clean(exclude=["name"])
    except ValidationError as error:
        problems.add("federation", error)
        return None
    return {k: getattr(candidate, k) for k in values}


def _school_plan(value: Any, where: str, problems: _Problems) -> _SchoolPlan | None:
    entry = _mapping(value, where, problems)
    if entry is None:
        return None
    urn = str(entry.get("urn") or "").strip()
    where = f"school {urn}" if urn else where
    if not urn:
        problems.add(where, "give the school's URN")
        return None
    values = {key: str(entry[key]).strip() for key in SCHOOL_KEYS if entry.get(key) is not None}
    candidate = School(urn=urn, **values)
    try:
        candidate.full_clean(exclude=["federation"], validate_unique=False)
    except ValidationError as error:
        problems.add(where, error)
        return None
    count_before = len(problems)
    session_times = _session_times(entry, where, problems)
    terms = _terms(entry, where, problems)
    closures = _closures(entry, terms, where, problems)
    if len(problems) > count_before:
        return None
    return _SchoolPlan(urn, values, session_times, terms, closures)


def _session_times(entry: dict, where: str, problems: _Problems) -> list[dict]:
    rows = _list(entry.get("session_times"), f"{where} session_times", problems)
    if not rows:
        problems.add(where, "give the school's session times")
    result = []
    for index, raw in enumerate(rows):
        at = f"{where} session_times[{index}]"
        row = _mapping(raw, at, problems)
        if row is None:
            continue
        phase = str(row.get("phase") or (DEFAULT_PHASE if len(rows) == 1 else "")).strip()
        if not phase:
            problems.add(at, "name the phase (for example 'Reception') when a school has several")
            continue
        values: dict[str, Any] = {"phase": phase}
        try:
            values["year_groups"] = [normalise_year_group(y) for y in row.get("year_groups") or []]
            for key, field_name in TIME_KEYS.items():
                if row.get(key) is not None:
                    values[field_name] = _time(row[key])
        except ValueError as error:
            problems.add(at, error)
            continue
        try:
            SessionTimes(**values).full_clean(exclude=["school"], validate_unique=False)
        except ValidationError as error:
            problems.add(at, error)
            continue
        result.append(values)
    for problem in phase_overlap_problems((r["phase"], r["year_groups"]) for r in result):
        problems.add(where, problem)
    return result


def _terms(entry: dict, where: str, problems: _Problems) -> list[dict]:
    result = []
    for index, raw in enumerate(_list(entry.get("terms"), f"{where} terms", problems)):
        at = f"{where} terms[{index}]"
        row = _mapping(raw, at, problems)
        if row is None:
            continue
        try:
            values = {
                "name": str(row.get("name") or "").strip(),
                "start": _date(row.get("start")),
                "end": _date(row.get("end")),
                "half_term_start": _date(row["half_term_start"])
                if row.get("half_term_start")
                else None,
                "half_term_end": _date(row["half_term_end"]) if row.get("half_term_end") else None,
            }
            Term(**values).full_clean(exclude=["school"], validate_unique=False)
        except (ValueError, ValidationError) as error:
            problems.add(at, error)
            continue
        result.append(values)
    for problem in term_overlap_problems((t["name"], t["start"], t["end"]) for t in result):
        problems.add(where, problem)
    for name, count in Counter(t["name"] for t in result).items():
        if count > 1:
            problems.add(where, f"two terms are called '{name}'")
    return result


def _closures(entry: dict, terms: list[dict], where: str, problems: _Problems) -> list[dict]:
    result = []
    for index, raw in enumerate(_list(entry.get("closures"), f"{where} closures", problems)):
        at = f"{where} closures[{index}]"
        row = _mapping(raw, at, problems)
        if row is None:
            continue
        try:
            day = _date(row.get("date"))
        except ValueError as error:
            problems.add(at, error)
            continue
        sessions = row.get("sessions") or list(SESSIONS)
        reason = str(row.get("reason") or "").strip()
        if not reason:
            problems.add(
                at, "give the reason for the closure (INSET, bank holiday, polling day ...)"
            )
        if not isinstance(sessions, list) or any(s not in SESSIONS for s in sessions):
            problems.add(at, "sessions must be a list of AM and/or PM")
            continue
        result += [{"date": day, "session": session, "reason": reason} for session in sessions]
    spans = [(t["start"], t["end"]) for t in terms]
    for problem in closure_problems(((c["date"], c["session"]) for c in result), spans):
        problems.add(where, problem)
    return result


def _check_schools_not_in_other_federation(
    name: str, plans: list[_SchoolPlan], problems: _Problems
) -> None:
    elsewhere = School.objects.filter(urn__in=[p.urn for p in plans]).exclude(federation__name=name)
    for urn, federation in elsewhere.values_list("urn", "federation__name"):
        problems.add(f"school {urn}", f"this URN already belongs to the federation '{federation}'")


@transaction.atomic
def _write(federation_values: dict, plans: list[_SchoolPlan]) -> LoadResult:
    result = LoadResult()
    name = federation_values.pop("name")
    federation = _upsert(Federation, {"name": name}, federation_values, "federations", result)
    for plan in plans:
        school = _upsert(
            School, {"urn": plan.urn}, {"federation": federation, **plan.values}, "schools", result
        )
        _sync(school, SessionTimes, ("phase",), plan.session_times, "session times", result)
        calendar_changed = _sync(school, Term, ("name",), plan.terms, "terms", result)
        calendar_changed |= _sync(
            school, Closure, ("date", "session"), plan.closures, "closures", result
        )
        if calendar_changed or not school.school_days.exists():
            school_calendar_rebuild(school=school)
    return result


def _upsert(model: type[models.Model], key: dict, values: dict, label: str, result: LoadResult):
    instance = model.objects.filter(**key).first()
    if instance is None:
        instance = model.objects.create(**key, **values)
        result.changes[f"{label} created"] += 1
        return instance
    changed = {k: v for k, v in values.items() if getattr(instance, k) != v}
    if changed:
        for k, v in changed.items():
            setattr(instance, k, v)
        instance.save(update_fields=list(changed))
        result.changes[f"{label} updated"] += 1
    return instance


def _sync(
    school: School,
    model: type[models.Model],
    key_fields: tuple,
    rows: list[dict],
    label: str,
    result: LoadResult,
) -> bool:
    """Make the school's rows of `model` exactly `rows`; True if anything changed."""
    existing = {
        tuple(getattr(o, f) for f in key_fields): o for o in model.objects.filter(school=school)
    }
    wanted = {tuple(row[f] for f in key_fields): row for row in rows}
    before = sum(result.changes.values())
    stale = [o.pk for k, o in existing.items() if k not in wanted]
    if stale:
        model.objects.filter(pk__in=stale).delete()
        result.changes[f"{label} deleted"] += len(stale)
    for key, row in wanted.items():
        values = {k: v for k, v in row.items() if k not in key_fields}
        _upsert(
            model,
            {"school": school, **dict(zip(key_fields, key, strict=True))},
            values,
            label,
            result,
        )
    return sum(result.changes.values()) != before
