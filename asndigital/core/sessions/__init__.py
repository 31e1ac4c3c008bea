"""Django's database session store, writing each session once per request.

The same rows and guarantees as ``django.contrib.sessions.backends.db``, with fewer statements
(a sign-in renews the key twice, so it paid for each of them twice; docs/performance.md):

- A new key is written by one INSERT. Django first asks whether a drawn key exists, then
  inserts; the table's unique key already refuses a duplicate (CreateError: another key is
  drawn), and a duplicate of 32 random characters does not happen in practice anyway.
- ``cycle_key`` (against session fixation: after the password and at sign-in) draws the new key
  and deletes the old row at once, as Django does, but leaves the new row to the response's
  save: one INSERT instead of an INSERT now and an UPDATE at the end of the request. A request
  that fails before its response leaves no session, old or new: the person signs in again.
- An UPDATE or a DELETE is one statement, atomic by itself: no BEGIN and COMMIT around it
  outside a transaction, and no SELECT before a DELETE.

Use ``SESSION_ENGINE = "asndigital.core.sessions"``; ``asndigital.core.sessions.cached_db``
is the same in front of a cache (Redis), as Django's ``cached_db``.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DjangoDBStore
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.utils.crypto import get_random_string


class SessionStore(DjangoDBStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._unsaved = False  # a key drawn by cycle_key, not yet in the table

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)  # the unique key refuses a duplicate

    def cycle_key(self) -> None:
        data = self._session
        old = self.session_key
        self._session_key = self._get_new_session_key()
        self._session_cache = data
        self._unsaved = True
        self.modified = True  # the middleware saves it (an empty session is not kept)
        if old:
            self.delete(old)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        if self._unsaved:
            while True:
                try:
                    self._write(must_create=True)
                except CreateError:
                    self._session_key = self._get_new_session_key()
                    continue
                self._unsaved = False
                return None
        return self._write(must_create=must_create)

    def _write(self, *, must_create: bool) -> None:
        data = self._get_session(no_load=must_create)
        row = self.create_model_instance(data)
        using = router.db_for_write(self.model, instance=row)
        try:
            if connections[using].in_atomic_block:
                # A failed INSERT must not break the caller's transaction: a savepoint.
                with transaction.atomic(using=using):
                    row.save(force_insert=must_create, force_update=not must_create, using=using)
            else:
                row.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError as exc:
            if must_create:
                raise CreateError from exc
            raise
        except DatabaseError as exc:
            if not must_create:
                raise UpdateError from exc
            raise

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        # One DELETE: a QuerySet's delete() wraps even a plain one in BEGIN and COMMIT.
        using = router.db_for_write(self.model)
        table = connections[using].ops.quote_name(self.model._meta.db_table)
        with connections[using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE session_key = %s", [session_key])  # noqa: S608 - the table name is the model's
