from django import forms
from django.utils.translation import gettext_lazy as _

from asndigital.core.forms import ForgivingForm
from asndigital.personnel.models import EmployeeStatus


class EmployeeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by NIP or name"), required=False, max_length=100)
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *EmployeeStatus.choices],
    )

    def __init__(self, *args, agencies=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [
            ("", _("All agencies")),
            *[(a.pk, a.name) for a in agencies],
        ]
        self.fields["unit"].choices = [("", _("All units")), *[(u.pk, u.name) for u in units]]
        self.fields["q"].widget.attrs.update(
            {
                "placeholder": _("e.g. 19860926 201505 1 001 or Siti"),
                "autocomplete": "off",
                "type": "search",
            }
        )


class ResetMfaForm(ForgivingForm):
    reason = forms.CharField(
        label=_("Reason for the reset"),
        max_length=300,
        help_text=_("For example: new phone, the app was deleted. Kept in the audit trail."),
    )


class RegisteredEmailForm(ForgivingForm):
    email = forms.EmailField(label=_("New registered e-mail"))
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)
