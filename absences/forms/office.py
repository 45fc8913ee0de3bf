"""Forms of the absences pages. Forms parse and type-check; the services judge."""

from django import forms
from django.utils import timezone

from absences.models import PHONE_DIRECTIONS, PHONE_OUTCOMES, EvidenceOutcome, LeaveCategory
from absences.selectors.pupils import pupils_on_roll_by_name
from core.forms import form_field
from registers.codes import (
    LATE_AFTER_CLOSE,
    NOT_YET_ESTABLISHED,
    CodeGroup,
    CountsAs,
    code_catalogue,
)
from registers.forms import DATE_INPUT, SESSION_CHOICES, PupilChoiceField
from registers.lib.calendar import AM, PM, SESSIONS, WEEKDAY_NAMES
from registers.models import Pupil, PupilContact, School

WEEKLY_SESSION_CHOICES = [(f"{d} {s}", f"{d} {s}") for d in WEEKDAY_NAMES for s in SESSIONS]
# A date picker's value is ISO whatever the locale (an en-GB 08/09/2025 would show blank).


def _pupil_field(school: School) -> forms.ModelChoiceField:
    return PupilChoiceField(
        queryset=pupils_on_roll_by_name(school=school, day=timezone.localdate()),
        label="Pupil",
    )


# The office's calls and safeguarding ---------------------------------------------------------


def reason_code_choices() -> list:
    """The codes a reason for absence can be recorded under, grouped as in the catalogue.

    Not N (the reason is what the call establishes), not a late mark, not attendance, and not
    the administrative codes a call never gives (closures, dual registration, not on roll).
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, entry in code_catalogue().items():
        if (
            entry.valid_until is None
            and entry.counts_as != CountsAs.ATTENDANCE
            and entry.group not in (CodeGroup.NOT_COUNTED, CodeGroup.ADMINISTRATIVE)
            and code not in (NOT_YET_ESTABLISHED, LATE_AFTER_CLOSE)
        ):
            groups.setdefault(entry.get_group_display(), []).append(
                (code, f"{code} - {entry.meaning}")
            )
    return [("", "No reason established yet"), *groups.items()]


class ParentCallForm(forms.Form):
    contact = forms.ChoiceField(label="Who", required=False)
    contact_name = forms.CharField(
        label="Name (if not on the list, or to correct it)", max_length=200, required=False
    )
    direction = forms.ChoiceField(label="Call", choices=PHONE_DIRECTIONS)
    outcome = forms.ChoiceField(label="How it went", choices=[("", "Choose"), *PHONE_OUTCOMES])
    reason_given = forms.CharField(label="Reason given", max_length=500, required=False)
    code = forms.ChoiceField(label="Code for the reason", required=False)
    first_day = forms.DateField(label="Absent from", required=False, widget=DATE_INPUT)
    first_session = forms.ChoiceField(label="From session", choices=SESSION_CHOICES)
    last_day = forms.DateField(label="Absent until", required=False, widget=DATE_INPUT)
    last_session = forms.ChoiceField(label="Until session", choices=SESSION_CHOICES)
    expected_return = forms.DateField(label="Expected back on", required=False, widget=DATE_INPUT)

    def __init__(self, *args, contacts: list[PupilContact], **kwargs) -> None:
        today = timezone.localdate()
        kwargs.setdefault(
            "initial",
            {"first_day": today, "first_session": AM, "last_day": today, "last_session": PM},
        )
        super().__init__(*args, **kwargs)
        self.contacts = {str(pc.contact_id): pc.contact for pc in contacts}
        form_field(self, "contact", forms.ChoiceField).choices = [
            *(
                (str(pc.contact_id), f"{pc.priority}. {pc.contact.name} ({pc.relationship})")
                for pc in contacts
            ),
            ("", "Someone else (write the name)"),
        ]
        if not contacts:
            del self.fields["contact"]
        form_field(self, "code", forms.ChoiceField).choices = reason_code_choices()


def call_form(data, *, contacts: list[PupilContact], key: str, **initial) -> ParentCallForm:
    """A call form whose ids start with `key`, so each pupil's form on the page has its own."""
    form = ParentCallForm(data, contacts=contacts, auto_id=f"{key}-%s")
    for name, value in initial.items():
        form.initial[name] = value
    return form


class FlagResolveForm(forms.Form):
    resolution = forms.CharField(
        label="What was done (who was contacted, the pupil seen safe, a referral made)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# Leave of absence and part-time timetables ---------------------------------------------------


class LeaveRequestForm(forms.Form):
    pupil = PupilChoiceField(queryset=Pupil.objects.none())
    category = forms.ChoiceField(label="Kind of leave asked for", choices=LeaveCategory.choices)
    first_day = forms.DateField(label="First day", widget=DATE_INPUT)
    first_session = forms.ChoiceField(label="From the", choices=SESSION_CHOICES, initial=AM)
    last_day = forms.DateField(label="Last day", widget=DATE_INPUT)
    last_session = forms.ChoiceField(label="Until the end of the", choices=SESSION_CHOICES)
    reason = forms.CharField(label="Reason the parent gives", widget=forms.Textarea)
    evidence = forms.CharField(
        label="Evidence sent in support (optional)", required=False, widget=forms.Textarea
    )
    received_on = forms.DateField(label="Written request received on", widget=DATE_INPUT)
    requested_by_name = forms.CharField(label="Made by (the parent who asked)", max_length=200)
    requester_lives_with_pupil = forms.BooleanField(
        label="The pupil normally lives with this parent", required=False
    )

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"] = _pupil_field(school)
        self.fields["last_session"].initial = PM


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason (written in the letter to the parents)", widget=forms.Textarea
    )
    approved_first_day = forms.DateField(
        label="Approved from (if approving)", required=False, widget=DATE_INPUT
    )
    approved_first_session = forms.ChoiceField(label="From the", choices=SESSION_CHOICES)
    approved_last_day = forms.DateField(
        label="Approved until (if approving)", required=False, widget=DATE_INPUT
    )
    approved_last_session = forms.ChoiceField(label="Until the end of the", choices=SESSION_CHOICES)


class TimetableForm(forms.Form):
    pupil = PupilChoiceField(queryset=Pupil.objects.none())
    start = forms.DateField(label="Starts on", widget=DATE_INPUT)
    # Not required here so the service explains why an end date is needed.
    end = forms.DateField(
        label="Ends on (full-time again from the next day)", required=False, widget=DATE_INPUT
    )
    sessions_off = forms.MultipleChoiceField(
        label="Sessions each week not in school (C2)",
        choices=WEEKLY_SESSION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(label="Why it is in the pupil's best interests", widget=forms.Textarea)
    review_1 = forms.DateField(
        label="First review with the family", required=False, widget=DATE_INPUT
    )
    review_2 = forms.DateField(label="Second review (optional)", required=False, widget=DATE_INPUT)
    review_3 = forms.DateField(label="Third review (optional)", required=False, widget=DATE_INPUT)

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"] = _pupil_field(school)

    def review_dates(self) -> list:
        return [
            self.cleaned_data[name]
            for name in ("review_1", "review_2", "review_3")
            if self.cleaned_data.get(name)
        ]


class ReviewForm(forms.Form):
    notes = forms.CharField(
        label="What was agreed with the pupil and parents", widget=forms.Textarea
    )


# Follow-up: medical evidence ------------------------------------------------------------------


class EvidenceRequestForm(forms.Form):
    pupil = forms.IntegerField(widget=forms.HiddenInput)
    first_day = forms.DateField(label="First day", widget=DATE_INPUT)
    last_day = forms.DateField(label="Last day", widget=DATE_INPUT)


class EvidenceOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (EvidenceOutcome.RECEIVED, EvidenceOutcome.RECEIVED.label),
            (EvidenceOutcome.NOT_RECEIVED, EvidenceOutcome.NOT_RECEIVED.label),
        ],
        widget=forms.RadioSelect,
    )


class NotAcceptedForm(forms.Form):
    parents_told_on = forms.DateField(
        label="Date the parents were told", required=False, widget=DATE_INPUT
    )


class ExpectedIllnessForm(forms.Form):
    """The school expects a pupil to miss 15 days or more through sickness."""

    pupil = PupilChoiceField(queryset=Pupil.objects.none())
    first_day = forms.DateField(widget=DATE_INPUT)
    expected_until = forms.DateField(widget=DATE_INPUT, label="Expected to last until")
    reason = forms.CharField(
        label="Why 15 days or more are expected", widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "pupil", forms.ModelChoiceField).queryset = pupils_on_roll_by_name(
            school=school, day=timezone.localdate()
        )


class ReturnSentForm(forms.Form):
    """A return on the list, recorded as sent: its pupil and the day its period starts."""

    pupil = PupilChoiceField(queryset=Pupil.objects.none())
    period_start = forms.DateField()

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "pupil", forms.ModelChoiceField).queryset = Pupil.objects.filter(
            enrolments__school=school
        ).distinct()
