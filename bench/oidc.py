#!/usr/bin/env python
"""Benchmark: single sign-on (BKN Login, docs/sso.md) on a fresh PostgreSQL database.

In one process, through Django's whole middleware stack (the test client: no network, no
gunicorn), with a pre-approved confidential application:
1. token exchanges/s: the authorization code (issued by the authorization endpoint to a
   signed-in person) exchanged at the token endpoint with PKCE and client authentication,
   which hashes and stores the tokens and signs an ID token;
2. userinfo/s: the access token presented at the userinfo endpoint;
3. the cost of signing one ID token (RS256, 2048-bit key, jwcrypto), alone, and of checking the
   client secret against its stored hash (the site's password hasher, Argon2id), alone.

Run: `make bench-oidc` or `.venv/bin/python bench/oidc.py [--count 300]`.
"""

from __future__ import annotations

import argparse
import sys

from common import django_env, manage, print_report, recreate_database, shell_result

PG_DATABASE = "asn_bench_oidc"

SCRIPT = """
import base64, hashlib, json, secrets, time
from urllib.parse import parse_qs, urlparse
from django.test import Client
from jwcrypto import jwk, jwt
from oauth2_provider.settings import oauth2_settings
from asndigital.accounts.models import Role, User, RoleAssignment
from asndigital.sso import services

count = {count}
admin = User.objects.create_user("bench-admin")
RoleAssignment.objects.create(user=admin, role=Role.BKN_ADMIN)
app, secret = services.register_client(
    actor=admin, name="Bench", redirect_uris="https://rp.example/cb",
    scopes=["openid", "profile"], confidential=True, pre_approved=True,
)
person = User.objects.create_user("bench-person", full_name="Bench Person")
client = Client(SERVER_NAME="localhost")
client.force_login(person)
basic = "Basic " + base64.b64encode(f"{{app.client_id}}:{{secret}}".encode()).decode()

def code():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    answer = client.get("/oidc/authorize/", {{
        "response_type": "code", "client_id": app.client_id, "redirect_uri": "https://rp.example/cb",
        "scope": "openid profile", "state": "s", "nonce": secrets.token_hex(8),
        "code_challenge": challenge.decode(), "code_challenge_method": "S256",
    }})
    return parse_qs(urlparse(answer["Location"]).query)["code"][0], verifier

codes = [code() for _ in range(count)]
tokens = []
start = time.perf_counter()
for value, verifier in codes:
    answer = client.post("/oidc/token/", {{
        "grant_type": "authorization_code", "code": value, "code_verifier": verifier,
        "redirect_uri": "https://rp.example/cb"}}, HTTP_AUTHORIZATION=basic)
    assert answer.status_code == 200, answer.content
    tokens.append(answer.json()["access_token"])
exchange = time.perf_counter() - start

start = time.perf_counter()
for token in tokens:
    answer = client.get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {{token}}")
    assert answer.status_code == 200
userinfo = time.perf_counter() - start

key = jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode())
claims = {{"iss": "https://x", "sub": str(person.pk), "aud": app.client_id, "exp": 0, "iat": 0}}
start = time.perf_counter()
for _ in range(count):
    token = jwt.JWT(header={{"alg": "RS256", "kid": key.thumbprint()}}, claims=claims)
    token.make_signed_token(key)
    token.serialize()
signing = time.perf_counter() - start

from django.contrib.auth.hashers import check_password
app.refresh_from_db()
start = time.perf_counter()
for _ in range(20):
    assert check_password(secret, app.client_secret)
secret_check = (time.perf_counter() - start) / 20
print("RESULT " + json.dumps({{
    "count": count,
    "token_exchanges_per_s": round(count / exchange, 1),
    "userinfo_per_s": round(count / userinfo, 1),
    "id_token_signing_ms": round(1000 * signing / count, 3),
    "token_exchange_ms": round(1000 * exchange / count, 2),
    "client_secret_check_ms": round(1000 * secret_check, 2),
}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--count", type=int, default=300, help="exchanges and userinfo calls")
    args = parser.parse_args()
    env = django_env(recreate_database(PG_DATABASE), ASN_OIDC_TOKEN_RATE="100000000")  # noqa: S106 - a rate
    print("[bench] migrating", file=sys.stderr)
    manage(["migrate", "-v", "0"], env)
    manage(["createcachetable"], env)
    result = shell_result(SCRIPT.format(count=args.count), env, timeout=1800)
    print_report(
        [
            (
                "token exchanges/s (code + PKCE -> tokens, ID token)",
                str(result["token_exchanges_per_s"]),
            ),
            ("  per exchange (ms)", str(result["token_exchange_ms"])),
            (
                "  of which the client secret's hash check (ms)",
                str(result["client_secret_check_ms"]),
            ),
            ("userinfo/s", str(result["userinfo_per_s"])),
            ("ID token signing alone (ms, RS256 2048)", str(result["id_token_signing_ms"])),
        ],
        result,
    )


if __name__ == "__main__":
    main()
