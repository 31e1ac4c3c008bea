"""The session store (asndigital/core/sessions): Django's rows and guarantees, fewer writes."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import override_settings

from asndigital.core.sessions import SessionStore
from asndigital.core.sessions.cached_db import SessionStore as CachedStore

pytestmark = pytest.mark.django_db


def stored(key) -> dict | None:
    row = Session.objects.filter(session_key=key).first()
    return None if row is None else SessionStore().decode(row.session_data)


def test_a_renewed_key_replaces_the_old_row_and_is_written_by_the_save():
    session = SessionStore()
    session["step"] = "password"
    session.save()
    old = session.session_key
    session.cycle_key()
    new = session.session_key
    assert new and new != old
    assert stored(old) is None  # the old key is gone at once: it cannot be used any more
    assert stored(new) is None  # the new row waits for the response's save
    session["user"] = "u1"
    session.save()
    assert stored(new) == {"step": "password", "user": "u1"}
    assert Session.objects.count() == 1


def test_a_taken_key_is_not_used_twice(monkeypatch):
    other = SessionStore()
    other["who"] = "someone else"
    other.save()
    keys = iter([other.session_key, "k" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))
    session = SessionStore()
    session["who"] = "me"
    session.save()
    assert session.session_key == "k" * 32
    assert stored(other.session_key) == {"who": "someone else"}
    assert stored("k" * 32) == {"who": "me"}


def test_a_renewed_key_that_is_taken_is_drawn_again(monkeypatch):
    other = SessionStore()
    other["who"] = "someone else"
    other.save()
    session = SessionStore()
    session["who"] = "me"
    session.save()
    keys = iter([other.session_key, "n" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))
    session.cycle_key()
    session.save()
    assert session.session_key == "n" * 32
    assert stored(other.session_key) == {"who": "someone else"}
    assert stored("n" * 32) == {"who": "me"}


def test_saving_a_session_ended_meanwhile_fails_as_in_django():
    session = SessionStore()
    session["a"] = 1
    session.save()
    SessionStore().delete(session.session_key)  # e.g. logged out in another tab
    session["a"] = 2
    with pytest.raises(UpdateError):
        session.save()
    assert not Session.objects.exists()


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_the_cached_store_keeps_cache_and_database_together():
    session = CachedStore()
    session["step"] = "password"
    session.save()
    old = session.session_key
    session.cycle_key()
    session.save()
    assert caches["default"].get(CachedStore.cache_key_prefix + old) is None
    assert stored(old) is None
    assert stored(session.session_key) == {"step": "password"}
    assert CachedStore(session.session_key)["step"] == "password"
