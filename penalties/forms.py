"""Forms of the case page: each parses input for one service."""

from django import forms
from django.utils import timezone

from core.forms import form_field
from penalties.models import CaseRoute, LadderLetterKind, LADecision, ServedBy
from registers.forms import DATE_INPUT
from registers.models import Pupil, PupilContact, School
from registers.selectors import pupils_on_roll


class SupportForm(forms.Form):
    what = forms.CharField(label="Support offered", widget=forms.Textarea(attrs={"rows": 2}))
    offered_on = forms.DateField(widget=DATE_INPUT)
    engaged = forms.BooleanField(label="The family engaged", required=False)


class DecisionForm(forms.Form):
    route = forms.ChoiceField(choices=CaseRoute.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


# Only needed when the case's window is older than the federation allows: the page says so.
STALE_EVIDENCE_REASON = forms.CharField(
    label="Why a notice should still be issued on this evidence (only if the page warns that "
    "it is older than your local authority allows)",
    required=False,
    widget=forms.Textarea(attrs={"rows": 2}),
)
SERVED_BY = forms.ChoiceField(
    label="How the notice was served", choices=ServedBy.choices, widget=forms.RadioSelect
)


class NoticeToImproveForm(forms.Form):
    improvement_start = forms.DateField(widget=DATE_INPUT)
    improvement_end = forms.DateField(widget=DATE_INPUT)
    target_percent = forms.DecimalField(
        label="Target attendance in the period (%)", min_value=0, max_value=100, decimal_places=2
    )
    sufficient_improvement = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    support_so_far = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    further_support = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    # Optional: a notice need not allow a penalty before the period ends (issue #22).
    early_notice_grounds = forms.CharField(
        label="Grounds for a penalty notice before the period ends (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    email_parents = forms.BooleanField(
        required=False, label="E-mail the letter to the parents with parental responsibility"
    )
    stale_evidence_reason = STALE_EVIDENCE_REASON


class ParentField(forms.ModelChoiceField):
    """One of a pupil's parents, by name and relationship."""

    def label_from_instance(self, obj: PupilContact) -> str:
        return f"{obj.contact.name} ({obj.relationship})"


class ParentOfPupilField(forms.ModelChoiceField):
    """A parent of one of the school's pupils, naming the pupil too."""

    def label_from_instance(self, obj: PupilContact) -> str:
        return f"{obj.contact.name} ({obj.relationship} of {obj.pupil.name})"


class PenaltyNoticeForm(forms.Form):
    """A national notice on the case, to one of the pupil's parents."""

    parent = ParentField(queryset=PupilContact.objects.none())
    issued_on = forms.DateField(widget=DATE_INPUT)
    served_by = SERVED_BY
    stale_evidence_reason = STALE_EVIDENCE_REASON

    def __init__(self, *args, pupil: Pupil, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "parent", forms.ModelChoiceField).queryset = PupilContact.objects.filter(
            pupil=pupil, parental_responsibility=True
        ).select_related("contact")


class SuspensionNoticeForm(forms.Form):
    """A notice for a suspended or excluded pupil found in a public place (no case needed)."""

    parent = ParentOfPupilField(queryset=PupilContact.objects.none(), label="Parent (pupil)")
    issued_on = forms.DateField(widget=DATE_INPUT)
    served_by = SERVED_BY

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        on_roll = pupils_on_roll(school=school, day=timezone.localdate())
        form_field(self, "parent", forms.ModelChoiceField).queryset = (
            PupilContact.objects.filter(pupil__in=on_roll, parental_responsibility=True)
            .select_related("contact", "pupil")
            .order_by("pupil__legal_surname", "pupil__legal_forename", "priority")
        )


class PaymentForm(forms.Form):
    paid_on = forms.DateField(widget=DATE_INPUT)
    amount = forms.DecimalField(min_value=0, decimal_places=2)


class LADecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=LADecision.choices)


class PupilIdsField(forms.Field):
    """The pupils a preview listed, sent back with its confirmation as hidden inputs."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids = [each for each in values if isinstance(each, str) and each.isdigit()]
        if len(ids) != len(values):
            raise forms.ValidationError("The list of pupils was damaged: preview again.")
        return [int(each) for each in ids]


class LadderLettersPreviewForm(forms.Form):
    kind = forms.ChoiceField(choices=LadderLetterKind.choices)
    email_parents = forms.BooleanField(
        label="Also e-mail each letter to the parents with parental responsibility",
        required=False,
    )


class LadderLettersForm(LadderLettersPreviewForm):
    """The confirmation of a preview: the letters of the pupils it listed, and no others."""

    pupil = PupilIdsField(required=False)
