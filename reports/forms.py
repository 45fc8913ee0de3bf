"""The reports' one form: where a leaver's Common Transfer File goes."""

from django import forms


class CtfDestinationForm(forms.Form):
    """The new school by its DfE number; `reports.ctf_export` checks it (as for the command)."""

    dest_lea = forms.CharField(label="Local authority number", max_length=3)
    dest_estab = forms.CharField(label="Establishment number", max_length=4)
