"""Forms of the parents' pages and of the office's queue of their reports. Forms parse and
type-check; the services judge."""

from django import forms

from absences.forms.office import reason_code_choices
from absences.models import ReportKind
from absences.services.parents import ONLINE_LEAVE_CATEGORIES
from core.forms import form_field
from registers.forms import DATE_INPUT, SESSION_CHOICES
from registers.lib.calendar import AM, PM

HALF_DAYS = [(AM, "the morning"), (PM, "the afternoon")]
END_OF = [(AM, "the morning (back after lunch)"), (PM, "the day")]
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SignInRequestForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address (the one the school has for you)",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )


class AbsenceReportForm(forms.Form):
    kind = forms.ChoiceField(label="Why", choices=ReportKind.choices, widget=forms.RadioSelect)
    first_day = forms.DateField(label="Absent on (or from)", widget=DATE_INPUT)
    first_session = forms.ChoiceField(label="From", choices=HALF_DAYS, initial=AM)
    last_day = forms.DateField(
        label="Until (if more than one day)", required=False, widget=DATE_INPUT
    )
    appointment_time = forms.TimeField(
        label="Time of the appointment", required=False, widget=TIME_INPUT
    )
    details = forms.CharField(
        label="Anything the school should know (for 'other', the reason)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ParentLeaveForm(forms.Form):
    category = forms.ChoiceField(label="Kind of leave", choices=ONLINE_LEAVE_CATEGORIES)
    first_day = forms.DateField(label="First day", widget=DATE_INPUT)
    first_session = forms.ChoiceField(label="From", choices=HALF_DAYS, initial=AM)
    last_day = forms.DateField(label="Last day", widget=DATE_INPUT)
    last_session = forms.ChoiceField(label="Until the end of", choices=END_OF, initial=PM)
    reason = forms.CharField(label="The reason for the request", widget=forms.Textarea)
    evidence = forms.CharField(
        label="Evidence you can describe or will send (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Regulation 11: leave in exceptional circumstances is asked for by a parent the pupil
    # normally lives with.
    lives_with_pupil = forms.BooleanField(
        label="My child normally lives with me", required=False, initial=True
    )


class ReportAcceptForm(forms.Form):
    code = forms.ChoiceField(label="Code")
    first_day = forms.DateField(label="From", widget=DATE_INPUT)
    first_session = forms.ChoiceField(label="session", choices=SESSION_CHOICES)
    last_day = forms.DateField(label="Until", widget=DATE_INPUT)
    last_session = forms.ChoiceField(label="session", choices=SESSION_CHOICES)
    note = forms.CharField(label="Note for the parent (optional)", max_length=500, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "code", forms.ChoiceField).choices = [
            ("", "Choose the code"),
            *reason_code_choices()[1:],
        ]


class ReportRejectForm(forms.Form):
    note = forms.CharField(
        label="Why (the parent sees this)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
