"""How a person signed in, as OpenID Connect says it: ``amr`` (RFC 8176) and ``acr``.

``phr`` (phishing-resistant: a passkey) and ``mfa`` (password and a one-time code) are the two
assurance levels; an application asks for ``phr`` with ``acr_values=phr`` and the provider then
asks for a passkey first (step-up)."""

from __future__ import annotations

SESSION_KEY = "asn_auth_method"  # set by accounts.signin.complete_login
ACR_MFA = "mfa"
ACR_PHISHING_RESISTANT = "phr"
ACR_VALUES = (ACR_MFA, ACR_PHISHING_RESISTANT)

_AMR = {
    "totp": ["pwd", "otp", "mfa"],
    "activation": ["pwd", "otp", "mfa"],
    "recovery_code": ["pwd", "mfa"],
    "passkey": ["pwd", "hwk", "mfa"],
    "passkey_enrolment": ["pwd", "hwk", "mfa"],
}


def acr_amr(method: str) -> dict:
    amr = _AMR.get(method, ["pwd"])
    return {"acr": ACR_PHISHING_RESISTANT if "hwk" in amr else ACR_MFA, "amr": amr}


def satisfies(method: str, acr_values: str) -> bool:
    """Whether a sign-in by ``method`` meets what the application asked for (``acr_values``:
    space-separated, any one of them is enough; none asked: any sign-in with MFA)."""
    asked = [v for v in (acr_values or "").split() if v in ACR_VALUES]
    if not asked:
        return True
    got = acr_amr(method)["acr"]
    return got in asked or (ACR_MFA in asked and got == ACR_PHISHING_RESISTANT)
