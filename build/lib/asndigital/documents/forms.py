from django import forms
from django.utils.translation import gettext_lazy as _

from asndigital.documents.models import DocumentType, DocumentVersion


class UploadForm(forms.Form):
    """The file, whether it is a scan, and the metadata fields of the chosen document type."""

    file = forms.FileField(label=_("File"), allow_empty_file=True)
    source = forms.ChoiceField(
        label=_("The file is"),
        choices=DocumentVersion.Source.choices,
        widget=forms.RadioSelect,
        initial=DocumentVersion.Source.SCAN,
    )

    def __init__(self, *args, doc_type: DocumentType, **kwargs):
        super().__init__(*args, **kwargs)
        self.doc_type = doc_type
        accept = ",".join(f".{f}" if f != "jpg" else ".jpg,.jpeg" for f in doc_type.allowed_formats)
        self.fields["file"].widget.attrs["accept"] = accept
        for spec in doc_type.metadata_fields:
            widget = (
                forms.TextInput(attrs={"placeholder": "DD-MM-YYYY"})
                if spec["type"] == "date"
                else forms.TextInput(attrs={"inputmode": "numeric"})
                if spec["type"] == "number"
                else forms.TextInput()
            )
            self.fields[f"meta_{spec['name']}"] = forms.CharField(
                label=spec.get("label", spec["name"]), required=False, max_length=200, widget=widget
            )

    def metadata(self) -> dict:
        return {
            key[5:]: value for key, value in self.cleaned_data.items() if key.startswith("meta_")
        }
