"""How a signature state reads on a page: ``{{ state|signature_label }}``, a badge class."""

from django import template
from django.utils.translation import gettext as _

from asndigital.documents.models import SignatureReport
from asndigital.documents.selectors import SIGNATURE_TONES

register = template.Library()


@register.filter
def signature_label(state: str) -> str:
    if state == "pending" or not state:
        return _("being checked")
    return str(dict(SignatureReport.State.choices).get(state, state))


@register.filter
def signature_tone(state: str) -> str:
    return SIGNATURE_TONES.get(state if state != "pending" else "", "warn")
