"""Cursor pagination that refuses cursors it did not make."""

from __future__ import annotations

import pydantic
from ninja.errors import ValidationError
from ninja.pagination import CursorPagination


class CheckedCursorPagination(CursorPagination):
    """django-ninja's cursor pagination, except that a cursor the API did not make (edited,
    truncated, an offset that is not a number, a NUL in its position, which PostgreSQL cannot
    compare) is refused as invalid (422, naming ``cursor``) instead of failing with a 500."""

    class Cursor(CursorPagination.Cursor):
        @classmethod
        def from_encoded_param(cls, encoded_param, context=None):
            try:
                cursor = super().from_encoded_param(encoded_param, context)
            except (ValidationError, pydantic.ValidationError):
                cursor = None
            if cursor is None or "\x00" in (cursor.p or ""):
                raise ValidationError(
                    [{"loc": ("query", "cursor"), "msg": "Invalid cursor", "type": "value_error"}]
                )
            return cursor
