"""Forms of the register pages: they parse and type-check input; the services judge it."""

from collections.abc import Callable
from datetime import time
from typing import Any, TypeVar

from django import forms
from django.http import QueryDict
from django.utils import timezone

from core.errors import AlreadyRecorded, DomainError
from core.forms import form_field
from core.parsing import object_id, whole_number
from registers.codes import code_catalogue
from registers.lib.calendar import SESSIONS
from registers.models import LeavingReason, Pupil, SessionTimes
from registers.services.closures import ClosureKind
from registers.services.register import RegisterEntry

SESSION_CHOICES = [(s, s) for s in SESSIONS]
# A browser's date input shows a value only when it is written YYYY-MM-DD.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
T = TypeVar("T")


def submit(form: forms.Form, service: Callable[[dict[str, Any]], T]) -> T | None:
    """Hand a valid form's data to a service and return what it made; None if the form is
    invalid or the service refuses, its message then shown as the form's error. A refusal
    because the same thing is already recorded leaves that record on the form
    (`already_recorded`), for the page to link to it."""
    if not form.is_valid():
        return None
    try:
        return service(form.cleaned_data)
    except AlreadyRecorded as error:
        form.add_error(None, error.message)
        # An attribute of our own on Django's form, read back by `already_recorded` below.
        form.already_recorded = error.existing  # type: ignore[attr-defined]
        return None
    except DomainError as error:
        form.add_error(None, error.message)
        return None


def already_recorded(form: forms.Form) -> Any:
    """The record a refused form duplicated (see `submit`), or None."""
    return getattr(form, "already_recorded", None)


def _code_choices() -> list[tuple[str, str]]:
    today = timezone.localdate()
    return [("", "Choose a code")] + [
        (code, f"{code} - {entry.meaning}")
        for code, entry in code_catalogue().items()
        if entry.valid_until is None or entry.valid_until >= today
    ]


def _time(value: str) -> time | None:
    if not value.strip():
        return None
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        return None


def register_entries(data: QueryDict) -> tuple[list[RegisterEntry], list[str]]:
    """The register's lines from the form: `code-<id>`, `arrived-<id>`, `seen-<id>` per pupil."""
    entries, problems = [], []
    damaged = "The form was damaged: reload the register."
    for raw_id in data.getlist("pupil"):
        pupil_id = object_id(raw_id)
        if pupil_id is None:
            problems.append(damaged)
            continue
        arrived_text = data.get(f"arrived-{pupil_id}", "")
        arrived_at = _time(arrived_text)
        if arrived_text.strip() and arrived_at is None:
            problems.append(f"'{arrived_text}' is not a time: write it as HH:MM.")
        # Blank: the page showed no saved mark for this pupil.
        seen_text = data.get(f"seen-{pupil_id}", "")
        seen_version = whole_number(seen_text) if seen_text.strip() else None
        if seen_text.strip() and seen_version is None:
            problems.append(damaged)
            continue
        entries.append(
            RegisterEntry(
                pupil_id=pupil_id,
                code=data.get(f"code-{pupil_id}", ""),
                arrived_at=arrived_at,
                seen_version=seen_version,
            )
        )
    return entries, problems


class AmendForm(forms.Form):
    code = forms.ChoiceField(label="New code")
    arrived_at = forms.TimeField(
        label="Arrival time (for a late mark)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    reason = forms.CharField(label="Reason for the change", max_length=500)
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "code", forms.ChoiceField).choices = _code_choices()


class PupilChoiceField(forms.ModelChoiceField):
    """A pupil picker whose options read "Sam Smith (4A)" when the queryset carries the class
    (`selectors.pupils_on_roll_with_class`)."""

    def label_from_instance(self, obj: Pupil) -> str:
        class_name = getattr(obj, "class_name", None)
        return f"{obj.name} ({class_name})" if class_name else obj.name


class LateArrivalForm(forms.Form):
    pupil = PupilChoiceField(queryset=Pupil.objects.none(), label="Pupil")
    session = forms.ChoiceField(choices=SESSION_CHOICES)
    arrived_at = forms.TimeField(label="Arrived at", widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(label="Reason given", max_length=200)

    def __init__(self, *args, pupils, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "pupil", forms.ModelChoiceField).queryset = pupils


class PhaseField(forms.ModelChoiceField):
    """A phase of the school (its session times), or the whole school when left empty."""

    def label_from_instance(self, obj: SessionTimes) -> str:
        return f"Only {obj.phase}"


class ClosureForm(forms.Form):
    date = forms.DateField(widget=DATE_INPUT)
    sessions = forms.MultipleChoiceField(
        choices=SESSION_CHOICES, widget=forms.CheckboxSelectMultiple, initial=list(SESSIONS)
    )
    code = forms.ChoiceField(
        label="Kind of closure",
        choices=[
            (ClosureKind.PLANNED, "# - Planned closure (INSET, polling day ...)"),
            (ClosureKind.UNEXPECTED, "Y4 - Unexpected closure of the whole site (snow ...)"),
        ],
    )
    phase = PhaseField(
        queryset=SessionTimes.objects.none(),
        required=False,
        empty_label="The whole school",
        label="Who",
    )
    reason = forms.CharField(max_length=100)

    def __init__(self, *args, school, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "phase", forms.ModelChoiceField).queryset = school.session_times.all()


class LeavingForm(forms.Form):
    """Deleting a pupil from the admission register: the day, regulation 9's ground, where to."""

    leaving_date = forms.DateField(label="Last day on roll", widget=DATE_INPUT)
    ground = forms.ChoiceField(
        label="Ground for deletion (regulation 9)",
        choices=[
            ("", "Choose the ground"),
            *(
                (value, f"{label} ({value})")
                for value, label in LeavingReason.choices
                if value != LeavingReason.NOT_RECORDED
            ),
        ],
    )
    destination = forms.CharField(
        label="School or place the pupil goes to (blank only if unknown)",
        max_length=200,
        required=False,
    )
