"""The import's encoding check reads the file in pieces: a character or a fault that falls on a
piece's edge is judged exactly as if the file had been decoded whole."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asndigital.personnel import importer
from asndigital.personnel.importer import ImportFileError, detect_encoding


def _whole_file_answer(data: bytes, encoding: str) -> int | None:
    """The reference: decode everything at once, the line of the first bad byte."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        return data[: error.start].count(b"\n") + 1
    return None


@pytest.mark.parametrize("piece", [1, 2, 3, 5, 7, 4096])
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("nip,nama\n1,André Hélène\n2,Ñoño €\n".encode(), "utf-8"),
        ("\ufeffnip,nama\n1,André\n".encode(), "utf-8-sig"),
        ("nip,nama\n1,André Hélène\n".encode("utf-16"), "utf-16"),
        ("nip,nama\n1,André Hélène\n".encode("utf-16-le"), "utf-16-le"),
        ("nip,nama\n1,André Hélène\n".encode("cp1252"), "cp1252"),
    ],
)
def test_characters_split_between_pieces_are_read(tmp_path, monkeypatch, piece, data, expected):
    monkeypatch.setattr(importer, "_ENCODING_PIECE", piece)
    path = tmp_path / "pegawai.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == expected


@pytest.mark.parametrize("piece", [1, 2, 3, 4, 6, 4096])
def test_a_bad_byte_is_named_by_its_line_whatever_the_piece_size(tmp_path, monkeypatch, piece):
    """UTF-8 text, then a Latin-1 byte on line 4: not Windows-1252 (UTF-8 is seen elsewhere)."""
    monkeypatch.setattr(importer, "_ENCODING_PIECE", piece)
    path = tmp_path / "campur.csv"
    path.write_bytes("nip,nama\n1,André\n2,Budi\n".encode() + b"3,H\xe9l\xe8ne\n")
    with pytest.raises(ImportFileError, match=r"(line|baris) 4\b"):
        detect_encoding(path)


# Bytes that make the interesting cases: line breaks, byte-order marks, zero bytes (UTF-16),
# the pieces of "é" and "€", surrogate halves and bytes no encoding here accepts.
_BYTES = [b"\n", b"\x00", b"\xff", b"\xfe", b"\xef", b"\xbb", b"\xbf", b"\xc3", b"\xa9"]
_BYTES += [b"\xe2", b"\x82", b"\xac", b"\xd8", b"\xdc", b"\x81", b"a"]


def _answer(path) -> str | int:
    try:
        return detect_encoding(path)
    except ImportFileError as error:
        return int(re.search(r"\d+", str(error)).group())


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from(_BYTES), max_size=12).map(b"".join),
    piece=st.integers(min_value=1, max_value=9),
)
def test_pieces_agree_with_reading_the_file_in_one_piece(tmp_path_factory, data, piece):
    """Any bytes, any piece size: the same encoding, or the same line, as one piece; and one
    piece's encoding decodes the bytes whole."""
    path = tmp_path_factory.mktemp("enc") / "x.csv"
    path.write_bytes(data)
    whole = _answer(path)
    original = importer._ENCODING_PIECE
    importer._ENCODING_PIECE = piece
    try:
        assert _answer(path) == whole
    finally:
        importer._ENCODING_PIECE = original
    if isinstance(whole, str):
        assert _whole_file_answer(data, whole) is None
    else:  # refused, naming a line the file has
        assert 1 <= whole <= data.count(b"\n") + 1


def test_a_bad_byte_right_after_a_character_split_between_pieces(tmp_path, monkeypatch):
    """Two bytes of "€" end one piece, its last byte and a bad one begin the next, then a line
    break: the fault is on line 1, not on the line the break begins."""
    monkeypatch.setattr(importer, "_ENCODING_PIECE", 3)
    path = tmp_path / "x.csv"
    path.write_bytes(b"a\xe2\x82" + b"\xac\xff\n" + b"b\n")
    with pytest.raises(ImportFileError, match=r"(line|baris) 1\b"):
        detect_encoding(path)


def test_a_held_byte_that_looks_like_a_line_break_is_not_counted_twice(tmp_path, monkeypatch):
    """UTF-16: a lone surrogate whose first byte is 0x0a ends one piece and is refused with the
    next; the fault is on line 2 (after one real line break), not 3."""
    monkeypatch.setattr(importer, "_ENCODING_PIECE", 7)
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe" + "a\n".encode("utf-16-le") + b"\x0a\xd8" + b"b\x00")
    with pytest.raises(ImportFileError, match=r"(line|baris) 2\b"):
        detect_encoding(path)
