from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from asndigital.core.captcha import captcha_field
from asndigital.personnel.nip import normalize_nip


class LoginForm(forms.Form):
    """NIP (grouped with spaces or not) or account name, and password."""

    username = forms.CharField(label=_("NIP or username"), max_length=64)
    password = forms.CharField(
        label=_("Password"), strip=False, max_length=4096, widget=forms.PasswordInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autofocus": True, "autocapitalize": "none"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean_username(self):
        raw = self.cleaned_data.get("username", "")
        compact = normalize_nip(raw)
        # An NIP typed in its grouped form (with spaces) is the same username.
        return compact if compact.isdigit() else raw.strip()

    def ask_captcha(self) -> None:
        """Show the captcha (a fresh challenge) when the form is rendered."""
        if "captcha" not in self.fields:
            self.fields["captcha"] = captcha_field()

    def captcha_solved(self) -> bool:
        """Check the posted captcha, only when the throttle asks for it (throttle.py); if it is
        not solved, the form says why and shows a new one."""
        self.ask_captcha()
        solution = self.data.get("captcha")
        self.data = self.data.copy()  # a solution works once: the page shows a new challenge
        self.data.pop("captcha", None)
        try:
            self.fields["captcha"].clean(solution)
        except forms.ValidationError as exc:
            self.add_error("captcha", exc)
            return False
        return True


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        )


class ActivationForm(CodeForm):
    name = forms.CharField(
        label=_("Device name"),
        max_length=64,
        help_text=_("So you can recognise it later, e.g. “HP Samsung saya”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("6-digit code shown in the app")
        self.fields["code"].widget.attrs.pop("autofocus", None)


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Current code from your app"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ResetStartForm(forms.Form):
    username = forms.CharField(label=_("NIP or username"), max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["captcha"] = captcha_field()
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})

    def clean_username(self):
        raw = self.cleaned_data.get("username", "")
        compact = normalize_nip(raw)
        return compact if compact.isdigit() else raw.strip()


class ResetEmailForm(forms.Form):
    email = forms.EmailField(label=_("Your registered e-mail"), max_length=254)


class ResetMfaConfirmForm(forms.Form):
    code = forms.CharField(label=_("Code from the e-mail"), max_length=20)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class NewPasswordMixin:
    """Two entries of the new password; the policy is checked here without the account's
    details (those checks follow once the person is known to be who they say)."""

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords are not the same."))
        elif first:
            try:
                validate_password(first, None)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return cleaned


def _new_password_field(label):
    return forms.CharField(
        label=label,
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PasswordResetConfirmForm(NewPasswordMixin, forms.Form):
    code = forms.CharField(label=_("Code from the e-mail"), max_length=20)
    new_password1 = _new_password_field(_("New password"))
    new_password2 = _new_password_field(_("New password again"))


class PasswordUpgradeForm(NewPasswordMixin, forms.Form):
    new_password1 = _new_password_field(_("New password"))
    new_password2 = _new_password_field(_("New password again"))


class PasswordChangeForm(NewPasswordMixin, ReauthForm):
    """The current password and a current code (as for any sensitive change), then the new one."""

    new_password1 = _new_password_field(_("New password"))
    new_password2 = _new_password_field(_("New password again"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Current password")
