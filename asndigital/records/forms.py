from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from asndigital.core.forms import FlexibleDateField
from asndigital.documents.forms import HeldFileForm, file_field_for
from asndigital.personnel.models import Agency


class TransferForm(HeldFileForm):
    file_field = "sk"
    to_agency = forms.ModelChoiceField(
        label=gettext_lazy("New agency"), queryset=Agency.objects.order_by("name"), empty_label=None
    )
    effective_on = FlexibleDateField(label=gettext_lazy("Effective date (TMT)"))
    nomor_sk = forms.CharField(
        label=gettext_lazy("Number of the SK pindah instansi"), max_length=200
    )
    tanggal_sk = FlexibleDateField(label=gettext_lazy("Date of the SK"))
    sk = forms.FileField(label=gettext_lazy("The SK pindah instansi (PDF)"))

    def __init__(self, *args, employee=None, doc_type=None, held=None, **kwargs):
        super().__init__(*args, **kwargs)
        if employee is not None:
            self.fields["to_agency"].queryset = Agency.objects.exclude(
                pk=employee.agency_id
            ).order_by("name")
        sk = self.fields["sk"]
        sk.widget.attrs["accept"] = ".pdf"
        if doc_type is not None:
            file_field_for(sk, doc_type)
        sk.error_messages["required"] = _("Choose the SK's file (PDF).")
        self.prepare_fields()
        if held is not None:
            self.file_is_held()
