from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from asndigital.personnel.nip import normalize_nip


class LoginForm(AuthenticationForm):
    """NIP (grouped with spaces or not) or account name, and password.

    Wrong username, wrong password and disabled account all get the same message.
    """

    error_messages = {
        "invalid_login": _("The NIP/username or password is wrong, or the account cannot sign in."),
        "inactive": _("The NIP/username or password is wrong, or the account cannot sign in."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("NIP or username")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean_username(self):
        raw = self.cleaned_data.get("username", "")
        compact = normalize_nip(raw)
        # An NIP typed in its grouped form (with spaces) is the same username.
        return compact if compact.isdigit() else raw.strip()
