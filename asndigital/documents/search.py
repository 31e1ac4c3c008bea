"""Full-text search over documents' text, NIPs and SK numbers, without a plain-text index.

The text of a version is personal data and is stored encrypted with the version's data key
(``VersionText``). The index (``SearchEntry.terms``) holds, for each normalised word in order,
a keyed hash (HMAC-SHA256 under a key derived from SECRET_KEY, 60 bits, base32): equal words
give equal terms, so words and exact phrases (adjacent terms) are found by the database's own
full-text search (PostgreSQL ``to_tsvector('simple', ...)``, SQLite FTS5) behind ``matching``,
but a copy of the database alone does not give the words back. What is given up: prefix and
fuzzy matching (a hash of "kepegawai" says nothing about "kepegawaian"), ranking by word
rarity across languages, and, to anyone holding both the database and the key, a dictionary
attack still recovers common words: the index is personal data protected like the metadata,
and destroyed with the version. Excerpts are made from the decrypted text of the (at most one
page of) results shown. Rotating SECRET_KEY makes the terms stale: run
``manage.py index_texts --rehash``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.safestring import mark_safe

_WORD = re.compile(r"\w+", re.UNICODE)
# An 18-digit NIP as printed: 19860926 201001 1 003 (spaces or dots between its parts).
NIP_PRINTED = re.compile(r"(?<!\d)(\d{8})[ .]?(\d{6})[ .]?(\d)[ .]?(\d{3})(?!\d)")
MAX_QUERY_WORDS = 12
MAX_TERMS = 200_000  # words indexed per version (a long PDF); the rest are not searchable
# Matches counted at most: past it a search says "more than 1,000" and pages through the first
# 1,000 (counting every match of a word found in nearly every document costs seconds).
COUNT_CAP = 1000


def normalise(word: str) -> str:
    """Case and accents folded: "Kepegawaian", "KEPEGAWAIAN" and "kepégawaian" are one word."""
    folded = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [normalise(w) for w in _WORD.findall(text)]


def _key() -> bytes:
    return hashlib.sha256(b"asndigital.search.terms:" + settings.SECRET_KEY.encode()).digest()


def term(word: str, key: bytes | None = None) -> str:
    digest = hmac.new(key or _key(), word.encode(), hashlib.sha256).digest()
    return "t" + base64.b32encode(digest[:8]).decode().lower()[:12]


def terms_for(text: str, extra: list[str] = ()) -> str:
    """The index terms of a version: its text's words, then NIPs found joined (printed with
    spaces they are four words), then ``extra`` (the employee's NIP, metadata values)."""
    key = _key()
    found = words(text)[:MAX_TERMS]
    found += ["".join(m.groups()) for m in NIP_PRINTED.finditer(text)]
    for value in extra:
        found += words(value)
    return " ".join(term(w, key) for w in found)


# --- Queries -------------------------------------------------------------------------------------


@dataclass
class Query:
    phrases: list[list[str]]  # each a run of normalised words that must appear in that order

    @property
    def empty(self) -> bool:
        return not self.phrases

    @property
    def all_words(self) -> list[str]:
        return [w for phrase in self.phrases for w in phrase]


def parse(q: str) -> Query:
    """Words (all must appear) and "exact phrases" in double quotes. An NIP typed with spaces is
    one word; an SK number ("800/123/BKD/2020") is the phrase of its parts."""
    q = NIP_PRINTED.sub(lambda m: "".join(m.groups()), q or "")
    phrases = []
    for quoted, bare in re.findall(r'"([^"]*)"|([^\s"]+)', q):
        found = words(quoted or bare)
        if found:
            phrases.append(found)
    count = 0
    kept = []
    for phrase in phrases:
        if count + len(phrase) > MAX_QUERY_WORDS:
            break
        kept.append(phrase)
        count += len(phrase)
    return Query(kept)


# The versions whose index terms match a full-text expression (bound as the one parameter).
# PostgreSQL reads the stored tsvector column and its GIN index (migration 0011): a phrase is
# checked against the stored word positions, never by parsing ``terms`` again. SQLite reads its
# FTS5 table (migration 0009) and goes to the versions through a narrow index (0011).
POSTGRES_MATCHING = (
    "SELECT version_id FROM documents_searchentry WHERE terms_vector @@ to_tsquery('simple', %s)"
)
SQLITE_MATCHING = (
    "SELECT e.version_id FROM documents_search_fts f JOIN documents_searchentry e "
    "INDEXED BY documents_searchentry_id_version ON e.id = f.rowid "
    "WHERE documents_search_fts MATCH %s"
)


def matching(query: Query) -> RawSQL:
    """The ids of the versions whose terms hold every phrase of ``query`` (for ``__in``)."""
    key = _key()
    hashed = [[term(w, key) for w in phrase] for phrase in query.phrases]
    if connection.vendor == "postgresql":
        expression = " & ".join("(" + " <-> ".join(p) + ")" for p in hashed)
        sql = POSTGRES_MATCHING
    else:
        expression = " AND ".join('"' + " ".join(p) + '"' for p in hashed)
        sql = SQLITE_MATCHING
    # The expression is bound as a parameter and holds only terms (letters and digits).
    return RawSQL(sql, [expression])  # noqa: S611


class CappedPaginator(Paginator):
    """Pages of search results that count at most ``COUNT_CAP`` matches: ``count`` is exact up
    to it, and ``more`` says there are more than that (the pages then hold the first
    ``COUNT_CAP``). The count is one ``SELECT count(*) FROM (... LIMIT 1001)``, unordered, so
    a word found in nearly every document stops after 1,001 rows instead of counting them all."""

    @cached_property
    def _found(self) -> int:
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._found, COUNT_CAP)

    @property
    def more(self) -> bool:
        return self._found > COUNT_CAP


# --- Excerpts ------------------------------------------------------------------------------------


def excerpt(text: str, query: Query, width: int = 220) -> str:
    """A short piece of ``text`` around the first word found, the query's words marked (HTML,
    escaped)."""
    wanted = set(query.all_words)
    spans = [m.span() for m in _WORD.finditer(text) if normalise(m.group()) in wanted]
    start = max(0, spans[0][0] - width // 3) if spans else 0
    end = min(len(text), start + width)
    out, position = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(html.escape(text[position:a]))
        out.append("<mark>" + html.escape(text[a:b]) + "</mark>")
        position = b
    out.append(html.escape(text[position:end]))
    piece = " ".join("".join(out).split())
    return mark_safe(("… " if start else "") + piece + (" …" if end < len(text) else ""))  # noqa: S308
