"""Pupils, their admission-register lines and their classes from a school's CSV export.

All or nothing: every row is checked, against the others and against the database, before anything
is written; one bad row refuses the whole file, listing every problem by line. Error messages never
show pupil data the file did not contain (a UPN that belongs to someone else is not named).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import FileRejected, RowError
from core.limits import max_length
from registers.imports.csv_rows import Row, parse_date, parse_flag
from registers.imports.field_checks import FieldChecks
from registers.lib.upn import upn_problem
from registers.models import (
    Enrolment,
    GroupMembership,
    Pupil,
    RegistrationGroup,
    School,
    deletion_problem,
)

REQUIRED_COLUMNS = (
    "upn",
    "surname",
    "forename",
    "date_of_birth",
    "year_group",
    "group",
    "start_date",
)
OPTIONAL_COLUMNS = (
    "leaving_date",
    # Regulation 9's ground, as "9(1)(a)" ... "9(1)(o)" or "9(3)": needed with a leaving date.
    "leaving_ground",
    "destination",
    "sen",
    "ehcp",
    "fsm",
    "social_worker",
    "medical_condition",
    "preferred_forename",
    "preferred_surname",
)
# CSV column -> Pupil field, for the yes/no cohort flags.
FLAG_COLUMNS = {
    "sen": "sen_support",
    "ehcp": "ehc_plan",
    "fsm": "fsm",
    "social_worker": "social_worker",
    "medical_condition": "medical_condition",
}
# CSV column -> model field, so that a model's own validation speaks in the file's words.
_COLUMN_OF_FIELD = {
    "legal_surname": "surname",
    "legal_forename": "forename",
    "preferred_surname": "preferred_surname",
    "preferred_forename": "preferred_forename",
    "date_of_birth": "date_of_birth",
    "year_group": "year_group",
    "upn": "upn",
    "start_date": "start_date",
    "leaving_date": "leaving_date",
    **{field: column for column, field in FLAG_COLUMNS.items()},
}


@dataclass(frozen=True)
class PupilImportResult:
    pupils_created: int
    pupils_reused: int
    groups_created: int

    @property
    def enrolments_created(self) -> int:
        return self.pupils_created + self.pupils_reused

    def summary(self) -> str:
        text = (
            f"Imported {self.enrolments_created} pupil(s) ({self.pupils_created} new, "
            f"{self.pupils_reused} already known), {self.enrolments_created} enrolment(s), "
            f"{self.groups_created} new registration group(s)."
        )
        if self.pupils_reused:
            # A known pupil may be on roll elsewhere too; that school's details are not overwritten.
            text += " Details of already known pupils were left unchanged."
        return text


@dataclass
class _PupilRow:
    line: int
    pupil: Pupil  # unsaved; replaced by the stored pupil when the UPN is already known
    group_name: str
    start_date: date
    leaving_date: date | None
    leaving_ground: str
    destination: str


def pupils_import(*, school: School, rows: Iterable[Row]) -> PupilImportResult:
    """Check every row, then create pupils, enrolments, groups and memberships in one transaction.

    Steps: check each row on its own (and note a UPN seen on an earlier line); look up the file's
    UPNs and their enrolments here in two queries; a known UPN is the same pupil only if the
    surname and date of birth match, and then must not already be on roll here over the same
    dates; refuse the file with every problem, or write.
    """
    errors: list[RowError] = []
    parsed: list[_PupilRow] = []
    first_line_of_upn: dict[str, int] = {}
    today = timezone.localdate()
    for line, values in rows:
        problems, row = _parse_row(line, values, today)
        upn = values.get("upn", "").strip().upper()
        if upn and not upn_problem(upn):
            if upn in first_line_of_upn:
                problems.append(f"UPN {upn} is also on line {first_line_of_upn[upn]}")
                row = None
            else:
                first_line_of_upn[upn] = line
        errors.extend(RowError(line, problem) for problem in problems)
        if row is not None:
            parsed.append(row)
    known = _check_against_database(school, parsed, errors)
    if errors:
        raise FileRejected(sorted(errors, key=lambda error: error.line))
    return _write(school, parsed, known)


def _parse_row(
    line: int, values: dict[str, str], today: date
) -> tuple[list[str], _PupilRow | None]:
    checks = FieldChecks(missing="is blank", parse_date=parse_date)
    problems = checks.problems

    def value(column: str) -> str:
        return values.get(column, "").strip()

    def text(column: str, field: str, *, required: bool = True) -> str:
        limit = max_length(Pupil, field)
        return checks.text(value(column), column, limit=limit, required=required)

    upn = checks.upn(value("upn"), "upn")
    surname = text("surname", "legal_surname")
    forename = text("forename", "legal_forename")
    preferred_surname = text("preferred_surname", "preferred_surname", required=False)
    preferred_forename = text("preferred_forename", "preferred_forename", required=False)
    group_limit = RegistrationGroup._meta.get_field("name").max_length
    group_name = checks.text(value("group"), "group", limit=group_limit)
    year_group = checks.year_group(values.get("year_group", ""), "year_group")

    date_of_birth = checks.date(value("date_of_birth"), "date_of_birth")
    start_date = checks.date(value("start_date"), "start_date")
    leaving_date = checks.date(value("leaving_date"), "leaving_date", required=False)
    if date_of_birth and date_of_birth > today:
        problems.append("date_of_birth is in the future")
    if date_of_birth and start_date and start_date <= date_of_birth:
        problems.append("start_date is not after date_of_birth")
    if start_date and leaving_date and leaving_date < start_date:
        problems.append("leaving_date is before start_date")

    flags: dict[str, bool] = {}
    for column, field in FLAG_COLUMNS.items():
        try:
            flags[field] = parse_flag(values.get(column, ""))
        except ValueError as error:
            problems.append(f"{column}: {error}")
    # The census records a pupil's SEN provision as one of the two.
    if flags.get("sen_support") and flags.get("ehc_plan"):
        problems.append("sen and ehcp are both set; a pupil with an EHC plan is 'ehcp' only")

    if problems or date_of_birth is None or start_date is None:
        return problems, None
    pupil = Pupil(
        upn=upn,
        legal_surname=surname,
        legal_forename=forename,
        preferred_surname=preferred_surname,
        preferred_forename=preferred_forename,
        date_of_birth=date_of_birth,
        year_group=year_group,
        **flags,
    )
    leaving_ground = value("leaving_ground")
    destination = checks.text(
        value("destination"),
        "destination",
        limit=Enrolment._meta.get_field("destination").max_length,
        required=False,
    )
    if ground_problem := deletion_problem(
        pupil=pupil, leaving_date=leaving_date, ground=leaving_ground
    ):
        problems.append(f"leaving_ground: {ground_problem}")
    enrolment = Enrolment(
        start_date=start_date,
        leaving_date=leaving_date,
        leaving_reason=leaving_ground,
        destination=destination,
    )
    # A backstop for rules the checks above do not spell out; no queries are made.
    for instance, exclude in ((pupil, []), (enrolment, ["pupil", "school", "leaving_reason"])):
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems.extend(_messages(error))
    if problems:
        return problems, None
    return [], _PupilRow(
        line, pupil, group_name, start_date, leaving_date, leaving_ground, destination
    )


def _messages(error: ValidationError) -> list[str]:
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    return [
        f"{_COLUMN_OF_FIELD.get(field, field)}: {message}" if field != "__all__" else message
        for field, messages in error.message_dict.items()
        for message in messages
    ]


def _check_against_database(
    school: School, rows: list[_PupilRow], errors: list[RowError]
) -> dict[str, Pupil]:
    """The stored pupils the file names that are the same children; reports UPN clashes."""
    stored = {p.upn: p for p in Pupil.objects.filter(upn__in=[row.pupil.upn for row in rows])}
    known: dict[str, Pupil] = {}
    for row in rows:
        pupil = stored.get(row.pupil.upn)
        if pupil is None:
            continue
        same_child = (
            pupil.legal_surname.strip().casefold() == row.pupil.legal_surname.casefold()
            and pupil.date_of_birth == row.pupil.date_of_birth
        )
        if same_child:
            known[pupil.upn] = pupil
        else:
            # Whose UPN it is stays unsaid: the file's author may not be entitled to know.
            errors.append(
                RowError(
                    row.line,
                    f"UPN {pupil.upn} belongs to another pupil (the surname or date of birth "
                    "does not match); check the UPN",
                )
            )
    spans: dict[int, list[tuple[date, date | None]]] = {}
    for pupil_id, start, leaving in Enrolment.objects.filter(
        school=school, pupil__in=list(known.values())
    ).values_list("pupil_id", "start_date", "leaving_date"):
        spans.setdefault(pupil_id, []).append((start, leaving))
    for row in rows:
        pupil = known.get(row.pupil.upn)
        if pupil is None:
            continue
        if any(
            _overlap(start, leaving, row.start_date, row.leaving_date)
            for start, leaving in spans.get(pupil.pk, [])
        ):
            errors.append(
                RowError(
                    row.line,
                    f"the pupil with UPN {pupil.upn} is already on this school's admission "
                    "register for some of these dates; amend that enrolment instead",
                )
            )
    return known


def _overlap(start_a: date, end_a: date | None, start_b: date, end_b: date | None) -> bool:
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


@transaction.atomic
def _write(school: School, rows: list[_PupilRow], known: dict[str, Pupil]) -> PupilImportResult:
    new_pupils = [row.pupil for row in rows if row.pupil.upn not in known]
    Pupil.objects.bulk_create(new_pupils)
    for row in rows:
        row.pupil = known.get(row.pupil.upn, row.pupil)

    groups = {group.name.casefold(): group for group in school.groups.all()}
    new_groups: list[RegistrationGroup] = []
    for row in rows:
        # "4a" and "4A" are one class; the first spelling seen (or already stored) is kept.
        if row.group_name.casefold() not in groups:
            group = RegistrationGroup(school=school, name=row.group_name)
            groups[row.group_name.casefold()] = group
            new_groups.append(group)
    RegistrationGroup.objects.bulk_create(new_groups)

    Enrolment.objects.bulk_create(
        Enrolment(
            pupil=row.pupil,
            school=school,
            start_date=row.start_date,
            leaving_date=row.leaving_date,
            leaving_reason=row.leaving_ground,
            destination=row.destination,
        )
        for row in rows
    )
    GroupMembership.objects.bulk_create(
        GroupMembership(
            group=groups[row.group_name.casefold()],
            pupil=row.pupil,
            start_date=row.start_date,
            end_date=row.leaving_date,
        )
        for row in rows
    )
    return PupilImportResult(
        pupils_created=len(new_pupils),
        pupils_reused=len(rows) - len(new_pupils),
        groups_created=len(new_groups),
    )
