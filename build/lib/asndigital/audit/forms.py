from django import forms
from django.utils.translation import gettext_lazy as _


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Actor (username or NIP)"), required=False, max_length=150)
    nip = forms.CharField(label=_("Employee concerned (NIP)"), required=False, max_length=30)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        help_text=_("The start is enough, e.g. “document.” or “login”."),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_nip(self):
        raw = self.cleaned_data["nip"]
        return "".join(raw.split()) if raw else ""

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("“From” must not be after “Until”."))
        return cleaned
