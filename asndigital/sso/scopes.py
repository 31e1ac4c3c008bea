"""The scopes an application may ask for, with the words the consent page shows."""

from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes

SCOPES = {
    "openid": _("That you signed in, with an identifier that is not your NIP"),
    "profile": _("Your name"),
    "nip": _("Your NIP"),
    "agency": _("Your agency (code and name) and your unit"),
    "email": _("Your registered e-mail address"),
}


class ASNScopes(BaseScopes):
    def get_all_scopes(self):
        return SCOPES

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        policy = getattr(application, "asn_policy", None) if application is not None else None
        if policy is None:
            return ["openid"] if application is not None else list(SCOPES)
        return [s for s in policy.scopes if s in SCOPES]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return ["openid"]
