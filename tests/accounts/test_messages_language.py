"""No English in the Indonesian interface, and no Indonesian left in the English one.

Each sign-in and reset form is sent empty and with wrong input, once in each language, by two
clients in step. A piece of text a person sees that reads the same in both renders was not
translated (or came from a library that does not speak Indonesian, like the captcha's "ALTCHA
CAPTCHA token is missing."), unless it is a name or a code (the short list below).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import EmployeeFactory
from tests.helpers import enrol, solved_captcha

PASSWORD = "Kata-sandi-uji-123"
# Text that is the same in both languages on purpose: names of things and people.
SAME_IN_BOTH = {
    "ASN Digital",
    "NIP",
    "MFA",
    "Google Authenticator",
    "Microsoft Authenticator",
    "FreeOTP",
    "BKPSDM",
    "Biro SDM",
    "Bahasa Indonesia",
    "English",
    "ALTCHA",
    # The real site's names of its two buttons, which civil servants know them by (the seed).
    "Reset Password",
    "Reset MFA",
}
SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
_WORD = re.compile(r"[a-z]{2,}")


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes outside scripts and styles, the attributes
    read out or shown, and the captcha widget's own words (JSON in an attribute)."""

    def __init__(self):
        super().__init__()
        self.pieces: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "title"):
            self._hidden += 1
        attrs = dict(attrs)
        self.pieces += [attrs[name] for name in SHOWN_ATTRIBUTES if attrs.get(name)]
        if tag == "altcha-widget" and attrs.get("strings"):
            self.pieces += list(json.loads(attrs["strings"]).values())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "title"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.pieces.append(data)


def visible_text(html: str, data: tuple[str, ...] = ()) -> set[str]:
    """Pieces of language in a page; ``data``: names and NIPs whose pieces are not language."""
    parser = _VisibleText()
    parser.feed(html)
    pieces = {" ".join(piece.split()) for piece in parser.pieces}
    # Words in a language have lower-case letters; NIPs, codes and "ID"/"EN" do not.
    return {
        p
        for p in pieces
        if _WORD.search(p) and p not in SAME_IN_BOTH and not any(d in p for d in data)
    }


class Pair:
    """Two clients, Indonesian and English, doing the same thing step by step."""

    def __init__(self, *people):
        self.data = tuple(x for p in people for x in (p.nip, p.display_name))
        self.id, self.en = Client(), Client()
        self.en.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.seen: list[str] = []

    def _both(self, method: str, url: str, data_for) -> None:
        pages = []
        for client in (self.id, self.en):
            data = data_for(client) if callable(data_for) else data_for
            response = getattr(client, method)(url, data, follow=True)
            pages.append(response.content.decode())
        untranslated = visible_text(pages[0], self.data) & visible_text(pages[1], self.data)
        assert not untranslated, f"{method.upper()} {url}: the same in both languages"
        self.seen.append(f"{method.upper()} {url}")

    def get(self, url):
        self._both("get", url, None)

    def post(self, url, data):
        self._both("post", url, data)


def captcha_of(url):
    """Form data with the captcha solved, for the page each client was shown."""

    def data(client):
        return {"captcha": solved_captcha(client.get(url).content.decode())}

    return data


@pytest.fixture
def enrolled(db):
    employee = EmployeeFactory(email="rina@kota-a.go.id")
    employee.user.set_password(PASSWORD)
    employee.user.save()
    enrol(employee.user)
    return employee


@pytest.fixture
def new_user(db):
    employee = EmployeeFactory()
    employee.user.set_password(PASSWORD)
    employee.user.save()
    return employee


def test_sign_in_forms_speak_one_language(enrolled, new_user):
    login, code, activate = (
        reverse("accounts:login"),
        reverse("accounts:code"),
        reverse("accounts:activate"),
    )
    pair = Pair(enrolled)
    pair.get(login)
    pair.post(login, {})
    pair.post(login, {"username": "199999999999999999", "password": "salah"})
    # The second step: nothing, a wrong code, a wrong recovery code.
    pair.post(login, {"username": enrolled.nip, "password": PASSWORD})
    pair.post(code, {})
    pair.post(code, {"code": "000000"})
    pair.post(code, {"code": "ABCD-EFGH-JKLM-NPQR"})
    # The first sign-in: activation with nothing, then a wrong code without a device name.
    fresh = Pair(new_user)
    fresh.post(login, {"username": new_user.nip, "password": PASSWORD})
    fresh.post(activate, {})
    fresh.post(activate, {"code": "12", "name": ""})
    assert len(pair.seen) + len(fresh.seen) == 10


@pytest.mark.parametrize("flow", ["mfa_reset", "password_reset"])
def test_reset_forms_speak_one_language(enrolled, flow):
    start = reverse(f"accounts:{flow}")
    email = reverse(f"accounts:{flow}_email")
    confirm = reverse(f"accounts:{flow}_confirm")
    pair = Pair(enrolled)
    pair.get(start)
    pair.post(start, {})  # no NIP and no captcha
    pair.post(start, {"username": enrolled.nip})  # no captcha
    pair.post(start, {"username": enrolled.nip, "captcha": "not-a-solution"})
    pair.post(start, lambda client: {"username": enrolled.nip, **captcha_of(start)(client)})
    pair.post(email, {})
    pair.post(email, {"email": "not an address"})
    pair.post(email, {"email": "someone-else@example.org"})
    pair.post(confirm, {})
    pair.post(
        confirm,
        {
            "code": "ZZZZZZZZ",
            "password": "salah",
            "new_password1": "pendek",
            "new_password2": "lain",
        },
    )
    assert len(pair.seen) == 10


def test_password_change_speaks_one_language(enrolled):
    change = reverse("accounts:password_change")
    pair = Pair(enrolled)
    for client in (pair.id, pair.en):
        client.force_login(enrolled.user)
    pair.get(change)
    pair.post(change, {})
    pair.post(
        change,
        {"old_password": "salah", "new_password1": "12345678", "new_password2": "87654321"},
    )
    assert len(pair.seen) == 3


def test_the_check_finds_a_library_message_left_in_english():
    """The check itself can fail: the captcha's own English message is caught."""
    page = '<p class="error">ALTCHA CAPTCHA token is missing.</p><p>Masuk</p>'
    english = '<p class="error">ALTCHA CAPTCHA token is missing.</p><p>Sign in</p>'
    assert visible_text(page) & visible_text(english) == {"ALTCHA CAPTCHA token is missing."}
