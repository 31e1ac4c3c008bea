"""A sample application that signs civil servants in with BKN Login (ASN Digital's single
sign-on), in a few dozen lines: Flask and Authlib, authorization code flow with PKCE, the ID
token checked against the provider's JWKS by Authlib. See docs/sso.md.

    pip install flask authlib requests
    export ASN_ISSUER=http://localhost:8000 ASN_CLIENT_ID=... ASN_CLIENT_SECRET=...
    flask --app examples/sso_client.py run --port 5000

Register http://localhost:5000/callback as the redirect URI (and http://localhost:5000/ as the
address after logging out).
"""

import os
from urllib.parse import urlencode

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, session, url_for
from markupsafe import escape

LOGOUT = ' <a href="/logout">Keluar</a>'

app = Flask(__name__)
app.secret_key = os.environ.get("FLASK_SECRET_KEY") or os.urandom(32)
oauth = OAuth(app)
oauth.register(
    "asn",
    server_metadata_url=os.environ["ASN_ISSUER"] + "/.well-known/openid-configuration",
    client_id=os.environ["ASN_CLIENT_ID"],
    client_secret=os.environ.get("ASN_CLIENT_SECRET"),
    client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"},
)


@app.route("/")
def home():
    user = session.get("user")
    if not user:
        return '<a href="/login">Masuk dengan BKN Login</a>'
    return escape(f"Halo {user.get('name')}, masuk dengan {user['amr']}.") + LOGOUT


@app.route("/login")
def login():
    # Authlib adds state, nonce and the PKCE challenge, and checks them on the way back.
    return oauth.asn.authorize_redirect(url_for("callback", _external=True))


@app.route("/callback")
def callback():
    token = oauth.asn.authorize_access_token()  # code + verifier; ID token signature checked
    session["user"] = token["userinfo"]  # the ID token's claims: sub (never the NIP), acr, amr
    session["id_token"] = token["id_token"]
    return redirect("/")


@app.route("/logout")
def logout():
    id_token = session.pop("id_token", "")
    session.clear()
    metadata = oauth.asn.load_server_metadata()
    query = {
        "id_token_hint": id_token,
        "client_id": os.environ["ASN_CLIENT_ID"],
        "post_logout_redirect_uri": url_for("home", _external=True),
    }
    return redirect(metadata["end_session_endpoint"] + "?" + urlencode(query))
