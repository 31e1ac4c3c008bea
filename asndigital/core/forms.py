"""What every form people fill in gets: each problem next to its field and in a summary at the
top (templates/forms/), required fields marked, dates with a date picker that also take what
people type, and the same checks in the browser before anything is sent (static/js/forms.js,
which reads the messages below from the fields' data-msg-* attributes)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from asndigital.core.dates import FIRST, LAST, DateInputError, parse_date


def date_messages(label: str) -> dict[str, str]:
    """The browser's messages for a date field (the picker's own words are in the browser's
    language, not the page's)."""
    return {
        "data-msg-date": _("%(field)s: the date is incomplete or does not exist.")
        % {"field": label},
        "data-msg-range": _("%(field)s must be a date between %(first)d and %(last)d.")
        % {"field": label, "first": FIRST.year, "last": LAST.year},
    }


class DatePickerInput(forms.DateInput):
    """``<input type="date">``: the browser's date picker, which also takes a typed date.
    Browsers without one show a text box, where DD-MM-YYYY works too (``parse_date``)."""

    input_type = "date"

    def __init__(self, attrs=None):
        limits = {"min": FIRST.isoformat(), "max": LAST.isoformat()}
        super().__init__(attrs={**limits, **(attrs or {})}, format="%Y-%m-%d")


class FlexibleDateField(forms.DateField):
    """ISO (the picker), DD-MM-YYYY or DD/MM/YYYY; an impossible date says why."""

    widget = DatePickerInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value))
        except DateInputError as exc:
            raise forms.ValidationError(exc.message(str(self.label)), code="invalid") from None


class ForgivingForm(forms.Form):
    """A form that marks its required fields ("* wajib diisi"), names the field in each
    message, sends its messages along for the browser's checks, and shows a date it
    understood as the date picker needs it (ISO) when it comes back with other problems."""

    mark_required = True
    summary_title = gettext_lazy("Please correct the following before sending again:")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepare_fields()

    def prepare_fields(self) -> None:
        """Set the messages on the fields (call again after adding fields)."""
        django_default = forms.Field.default_error_messages["required"]
        for field in self.fields.values():
            label = str(field.label or "")
            if field.error_messages.get("required") is django_default:
                # Django's "This field is required." does not say which, in a summary.
                field.error_messages["required"] = _("%(field)s is required.") % {"field": label}
            attrs = field.widget.attrs
            if field.required:
                attrs["data-msg-required"] = field.error_messages["required"]
            if isinstance(field.widget, DatePickerInput):
                attrs.update(date_messages(label))

    def understood_dates(self) -> dict[str, str]:
        """{field name: ISO date} for every date field that was understood."""
        return {
            name: value.isoformat()
            for name, value in self.cleaned_data.items()
            if isinstance(value, date) and isinstance(self.fields[name], FlexibleDateField)
        }

    def _post_clean(self):
        super()._post_clean()
        understood = self.understood_dates()
        if understood and self.errors:
            self.data = self.data.copy()
            for name, value in understood.items():
                self.data[name] = value  # (QueryDict.update would add, not replace)
