from django import forms
from django.utils.translation import gettext_lazy as _

from asndigital.core.forms import ForgivingForm
from asndigital.personnel.models import CorrectionRequest, EmployeeStatus


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


class CorrectionRequestForm(forms.Form):
    """“Ajukan perbaikan”: what is wrong (a field of the record or one of one's documents), what
    it should be, and optionally a supporting file."""

    subject = forms.ChoiceField(label=_("What is wrong?"), widget=forms.RadioSelect)
    document = forms.ChoiceField(label=_("Which document?"), required=False)
    note = forms.CharField(
        label=_("What is wrong, and what should it be?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: “My birth date is 12-03-1985, not 21-03-1985.”"),
    )
    file = forms.FileField(
        label=_("Supporting file (optional)"),
        required=False,
        help_text=_("PDF, JPG or PNG, at most 2 MB: e.g. a scan of your birth certificate."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = CorrectionRequest.Subject.choices
        self.fields["document"].choices = [("", _("— choose —"))] + [
            (str(d.pk), d.doc_type.name) for d in documents
        ]

    def clean(self):
        data = super().clean()
        if data.get("subject") == "dokumen" and not data.get("document"):
            self.add_error("document", _("Choose the document that is wrong."))
        return data


class CorrectionAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Result"),
        widget=forms.RadioSelect,
        choices=[
            ("corrected", _("Corrected: the data or document is now right")),
            ("refused", _("Refused: nothing is changed")),
        ],
    )
    answer = forms.CharField(
        label=_("Note to the employee (what was corrected, or why it is refused)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
