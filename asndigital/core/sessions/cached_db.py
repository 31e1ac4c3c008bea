"""Django's ``cached_db`` session store (reads from the cache, e.g. Redis; every write also
goes to the database, so sessions survive a cache restart) on top of this package's database
store: a sign-in writes each session row once (see ``asndigital.core.sessions``)."""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

from asndigital.core.sessions import SessionStore as DBStore


class SessionStore(cached_db.SessionStore, DBStore):
    """Django's cached_db reads and cache writes; the database writes of ``DBStore``."""
