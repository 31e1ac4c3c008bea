from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from asndigital.core.errors import DomainError
from asndigital.core.forms import DatePickerInput, ForgivingForm
from asndigital.documents.models import DocumentType, DocumentVersion
from asndigital.documents.services import clean_metadata_value, replacing_accepted_message


def _accept(doc_type: DocumentType) -> str:
    return ",".join(f".{f}" if f != "jpg" else ".jpg,.jpeg" for f in doc_type.allowed_formats)


def file_field_for(field: forms.FileField, doc_type: DocumentType) -> None:
    """The file input of an upload of ``doc_type``: the picker offers its formats, the hint
    says them and the size limit, and the browser checks both before sending (forms.js, with
    the server's words)."""
    formats = ", ".join(doc_type.allowed_formats).upper()
    size = filesizeformat(doc_type.max_size_bytes)
    field.help_text = _("Accepted: %(formats)s, at most %(size)s.") % {
        "formats": formats,
        "size": size,
    }
    field.widget.attrs.update(
        {
            "accept": _accept(doc_type),
            "data-max-size": str(doc_type.max_size_bytes),
            "data-msg-size": _(
                "%(name)s is larger than %(size)s, the limit for this document type."
            )
            % {"name": "{name}", "size": size},
            "data-msg-type": _("%(name)s is not one of the accepted formats (%(formats)s).")
            % {"name": "{name}", "formats": formats},
            "data-msg-empty": _("%(name)s is empty.") % {"name": "{name}"},
        }
    )


class HeldFileForm(ForgivingForm):
    """A form whose file can be held for a retry (documents/retry.py)."""

    file_field = "file"

    def file_is_held(self) -> None:
        """A file from an earlier attempt is held: choosing one is now optional."""
        field = self.fields[self.file_field]
        field.required = False
        field.label = _("Another file (only to use a different one)")
        field.widget.attrs.pop("data-msg-required", None)
        self._bound_fields_cache.pop(self.file_field, None)  # it took the label when made


class UploadForm(HeldFileForm):
    """The file, whether it is a scan, the metadata fields of the chosen document type and, when
    an accepted document would be replaced, the confirmation. Every problem is reported at once,
    each next to its field; the metadata are checked by the same function as the service's."""

    file = forms.FileField(label=gettext_lazy("Document file"), allow_empty_file=True)
    source = forms.ChoiceField(
        label=gettext_lazy("The file is"),
        choices=DocumentVersion.Source.choices,
        widget=forms.RadioSelect,
        initial=DocumentVersion.Source.SCAN,
        error_messages={
            "required": gettext_lazy("Say whether the document is a scan or born digital.")
        },
    )

    def __init__(self, *args, doc_type: DocumentType, held=None, replaces_accepted=False, **kw):
        """``held``: the file kept from the previous attempt (then choosing one is optional);
        ``replaces_accepted``: the upload would replace an ACCEPTED document (then a
        confirmation is asked)."""
        super().__init__(*args, **kw)
        self.doc_type = doc_type
        self.cleaned_metadata: dict = {}
        file = self.fields["file"]
        file_field_for(file, doc_type)
        file.error_messages["required"] = _("Choose the document file.")
        for spec in doc_type.metadata_fields:
            label = spec.get("label", spec["name"])
            widget = (
                DatePickerInput()
                if spec["type"] == "date"
                else forms.TextInput(attrs={"inputmode": "numeric"})
                if spec["type"] == "number"
                else forms.TextInput()
            )
            self.fields[f"meta_{spec['name']}"] = forms.CharField(
                label=label,
                required=bool(spec.get("required")),
                max_length=200,
                widget=widget,
                error_messages={"required": _("%(field)s is required.") % {"field": label}},
            )
        if replaces_accepted:
            self.fields["confirm_replace"] = forms.BooleanField(
                label=_("Yes, replace the accepted document with this new version."),
                help_text=replacing_accepted_message(doc_type),
                error_messages={
                    "required": _(
                        "Tick the confirmation to replace the accepted document, or cancel."
                    )
                },
            )
        self.prepare_fields()
        if held is not None:
            self.file_is_held()

    def clean(self):
        cleaned = super().clean()
        for spec in self.doc_type.metadata_fields:
            name = f"meta_{spec['name']}"
            if name in self._errors:
                continue  # already has its own message (too long, a NUL, required)
            try:
                value = clean_metadata_value(spec, cleaned.get(name), require=True)
            except DomainError as exc:
                self.add_error(name, exc.fields.get(spec["name"], exc.message))
                continue
            if value is None:
                continue
            self.cleaned_metadata[spec["name"]] = value
            if spec["type"] == "date":
                self.understood[name] = value
        return cleaned

    def full_clean(self):
        self.understood: dict[str, str] = {}
        super().full_clean()

    def understood_dates(self) -> dict[str, str]:
        return self.understood

    def metadata(self) -> dict:
        return {
            key[5:]: value for key, value in self.cleaned_data.items() if key.startswith("meta_")
        }
