"""django-oauth-toolkit's validator, told what ASN Digital knows: the claims (``sub`` is the
account's UUID, never the NIP), how the person signed in (``acr``/``amr``), which applications
are disabled, and the audit events of token grants and revocations."""

from __future__ import annotations

from oauth2_provider.oauth2_validators import OAuth2Validator

from asndigital.audit.services import record
from asndigital.sso import signin_methods

AUTH_KEY = "asn_auth"  # in the grant's stored claims: how the person signed in


def _employee(user):
    return getattr(user, "employee", None) if user is not None else None


def _name(r):
    employee = _employee(r.user)
    return employee.display_name if employee is not None else (r.user.full_name or "")


def _nip(r):
    employee = _employee(r.user)
    return employee.nip if employee is not None else None


def _agency(r):
    employee = _employee(r.user)
    if employee is None:
        return None
    return {"code": employee.agency.code, "name": employee.agency.name}


def _unit(r):
    employee = _employee(r.user)
    if employee is None or employee.unit is None:
        return None
    return {"code": employee.unit.code, "name": employee.unit.name}


def _email(r):
    employee = _employee(r.user)
    return (employee.email if employee is not None else r.user.email) or None


def _auth(r) -> dict:
    return (getattr(r, "claims", None) or {}).get(AUTH_KEY) or {}


class ASNValidator(OAuth2Validator):
    oidc_claim_scope = {
        "sub": "openid",
        "acr": "openid",
        "amr": "openid",
        "name": "profile",
        "nip": "nip",
        "agency": "agency",
        "unit": "agency",
        "email": "email",
    }

    def get_additional_claims(self):
        return {
            "name": _name,
            "nip": _nip,
            "agency": _agency,
            "unit": _unit,
            "email": _email,
            "acr": lambda r: _auth(r).get("acr"),
            "amr": lambda r: _auth(r).get("amr"),
        }

    def get_oidc_claims(self, token, token_handler, request):
        claims = super().get_oidc_claims(token, token_handler, request)
        return {k: v for k, v in claims.items() if v is not None}

    def _load_application(self, client_id, request):
        client = super()._load_application(client_id, request)
        policy = getattr(client, "asn_policy", None) if client is not None else None
        if client is not None and (policy is None or policy.disabled):
            request.client = None  # a disabled (or unconfigured) application is unknown
            return None
        return client

    def _create_authorization_code(self, request, code, expires=None):
        # The sign-in's method travels with the code to the token exchange (the ID token).
        method = getattr(request, "asn_auth_method", "")
        request.claims = {**(request.claims or {}), AUTH_KEY: signin_methods.acr_amr(method)}
        return super()._create_authorization_code(request, code, expires)

    def refresh_id_token(self, request):
        # A refresh gives new access and refresh tokens only: an ID token says how the person
        # signed in, which a refresh does not know (the application keeps the first one).
        return False

    def _save_bearer_token(self, token, request, *args, **kwargs):
        result = super()._save_bearer_token(token, request, *args, **kwargs)
        record(
            request.user,
            "sso.token_granted",
            request.user,
            application=request.client.name,
            client_id=request.client.client_id,
            grant_type=request.grant_type,
            scope=" ".join(request.scopes or []),
        )
        return result

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        super().revoke_token(token, token_type_hint, request, *args, **kwargs)
        client = request.client
        record(
            None,
            "sso.token_revoked",
            None,
            application=client.name if client else "",
            client_id=client.client_id if client else "",
            by="application",
        )
