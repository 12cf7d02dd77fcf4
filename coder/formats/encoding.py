"""Turning the bytes of a user's export into clean text.

Exports arrive as UTF-8 (with or without a BOM), UTF-16 from Windows tools, or
Windows-1252 from old EndNote and Excel. Everything downstream counts code points, so the
text is made uniform here once: one newline convention, NFC, no stray BOMs.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from coder.core.model import nfc
from coder.formats.errors import FormatError

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def read_text(path: Path) -> str:
    """The decoded, normalised text of a file; FormatError when it cannot be text."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    return decode_bytes(data, str(path))


def decode_bytes(data: bytes, file: str) -> str:
    """Decode an export: BOM first, then UTF-8, then Windows-1252; LF newlines; NFC."""
    text = _decode(data, file)
    # Each step copies the whole file, so skip the ones that would change nothing: a
    # 200 MB export must not be held four times over.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    if not unicodedata.is_normalized("NFC", text):
        text = nfc(text)
    return text


def _decode(data: bytes, file: str) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                raise FormatError(
                    file,
                    f"invalid {codec.upper()} text (the file starts with a {codec} BOM)",
                    _line_of(data, exc.start),
                ) from None
    if b"\x00" in data:
        raise FormatError(file, "binary file (it contains NUL bytes), not a text export")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        first_bad = utf8_error.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if not text or _looks_multibyte(text):
        raise FormatError(
            file,
            "not UTF-8 or Windows-1252 text (perhaps GBK, Shift-JIS or another legacy "
            "encoding); save it as UTF-8",
            _line_of(data, first_bad),
        )
    return text


def _looks_multibyte(text: str) -> bool:
    """Whether Windows-1252 output is really a double-byte encoding read byte by byte.

    Western text has accented letters alone between ASCII ones ("César", "Müller");
    GBK or Shift-JIS read as Windows-1252 turns every character into a *pair* of Latin-1
    symbols, so nearly all non-ASCII characters sit in runs of two or more.
    """
    runs = _NON_ASCII_RUN.findall(text)
    total = sum(len(r) for r in runs)
    paired = sum(len(r) for r in runs if len(r) >= 2)
    return total >= 4 and paired / total >= 0.9


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
