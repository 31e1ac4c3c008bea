from django import forms
from django.utils.translation import gettext_lazy as _

from asndigital.personnel.models import Agency


class TransferForm(forms.Form):
    to_agency = forms.ModelChoiceField(
        label=_("New agency"), queryset=Agency.objects.order_by("name"), empty_label=None
    )
    effective_on = forms.DateField(
        label=_("Effective date (TMT)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    nomor_sk = forms.CharField(label=_("Number of the SK pindah instansi"), max_length=200)
    tanggal_sk = forms.DateField(
        label=_("Date of the SK"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sk = forms.FileField(label=_("The SK pindah instansi (PDF)"))

    def __init__(self, *args, employee=None, **kwargs):
        super().__init__(*args, **kwargs)
        if employee is not None:
            self.fields["to_agency"].queryset = Agency.objects.exclude(
                pk=employee.agency_id
            ).order_by("name")
        self.fields["sk"].widget.attrs["accept"] = ".pdf"
