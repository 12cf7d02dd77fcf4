"""Turning the bytes of a user's export into clean text.

Exports arrive as UTF-8 (with or without a BOM), UTF-16 from Windows tools, or
Windows-1252 from old EndNote and Excel, now and then GBK or Shift-JIS. Everything
downstream counts code points, so the text is made uniform here once: one newline
convention, NFC, no stray BOMs.

A UTF-8 file with a few bad bytes (one pasted from a Windows program) stays UTF-8: the
bad bytes become U+FFFD and each is reported with its line. Re-decoding the whole file as
Windows-1252 instead would garble every correct accented letter in it. Only a file whose
non-ASCII bytes are (nearly) all invalid UTF-8 is read in a legacy encoding, and the
report says which one was chosen.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from coder.core.model import nfc
from coder.formats.errors import FormatError, warning

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


_MAX_LISTED = 20  # bad-byte lines listed one by one; beyond that, one summary line


def read_text(path: Path, encoding: str | None = None) -> str:
    """The decoded, normalised text of a file; FormatError when it cannot be text."""
    return read_text_report(path, encoding)[0]


def read_text_report(path: Path, encoding: str | None = None) -> tuple[str, list[FormatError]]:
    """The text of a file and the warnings its decoding gave (bad bytes, a legacy
    encoding chosen); ``encoding`` forces one, as ``--encoding`` does."""
    warnings: list[FormatError] = []
    try:
        # Handed straight on, so that the bytes are freed once decoded.
        return decode_bytes(Path(path).read_bytes(), str(path), warnings, encoding), warnings
    except OSError as exc:
        raise FormatError(str(path), f"cannot read file: {exc.strerror or exc}") from None


def decode_bytes(
    data: bytes,
    file: str,
    warnings: list[FormatError] | None = None,
    encoding: str | None = None,
) -> str:
    """Decode an export: BOM first, then UTF-8 (bad bytes replaced and reported), then a
    legacy encoding; LF newlines; NFC. Notes go to ``warnings`` when given."""
    notes: list[FormatError] = [] if warnings is None else warnings
    if encoding:
        try:
            codecs.lookup(encoding)
            text = data.decode(encoding)
        except LookupError:
            raise FormatError(file, f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise FormatError(
                file, f"not {encoding} text (byte {exc.start})", _line_of(data, exc.start)
            ) from None
    else:
        text = _decode(data, file, notes)
        del data  # a big file's bytes need not outlive its text
    # Each step copies the whole file, so skip the ones that would change nothing: a
    # 200 MB export must not be held four times over.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    if not unicodedata.is_normalized("NFC", text):
        text = nfc(text)
    return text


def _decode(data: bytes, file: str, notes: list[FormatError]) -> str:
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
    text, bad = _utf8_replacing(data)
    # Characters that decoded as UTF-8 beyond ASCII, against the bad runs: a UTF-8 file
    # with a stray byte has far more of the first; a legacy file read as UTF-8 has
    # next to none (a GBK pair is valid UTF-8 only by chance).
    good = len(text) - len(text.encode("ascii", "ignore")) - len(bad)
    if good >= len(bad):
        # Mostly good UTF-8: keep it, and say where the bad bytes were.
        lines = sorted({_line_of(data, offset) for offset in bad})
        for line in lines[:_MAX_LISTED]:
            notes.append(warning(file, "bytes that are not UTF-8 replaced by \ufffd", line))
        if len(lines) > _MAX_LISTED:
            notes.append(
                warning(
                    file,
                    f"bytes that are not UTF-8 replaced on {len(lines) - _MAX_LISTED} more lines",
                )
            )
        return text
    del text
    try:
        legacy = data.decode("cp1252")
    except UnicodeDecodeError:
        legacy = ""
    if legacy and not _looks_multibyte(legacy):
        notes.append(warning(file, "not UTF-8: read as Windows-1252 (use --encoding if wrong)"))
        return legacy
    guessed = _guess_legacy(data)
    if guessed is None:
        raise FormatError(
            file,
            "not UTF-8 or Windows-1252 text, and no other encoding fits; save it as UTF-8 "
            "or give --encoding",
            _line_of(data, first_bad),
        )
    name, decoded = guessed
    notes.append(warning(file, f"not UTF-8: read as {name} (guessed; use --encoding if wrong)"))
    return decoded


def _utf8_replacing(data: bytes) -> tuple[str, list[int]]:
    """UTF-8 with each invalid byte run replaced by U+FFFD, and the offsets of the runs.
    Decodes through a memoryview, so the bytes are not copied once per bad run."""
    view = memoryview(data)
    parts: list[str] = []
    bad: list[int] = []
    pos = 0
    while True:
        try:
            parts.append(codecs.utf_8_decode(view[pos:], "strict", True)[0])
            break
        except UnicodeDecodeError as exc:
            parts.append(codecs.utf_8_decode(view[pos : pos + exc.start], "strict", True)[0])
            parts.append("\ufffd")
            bad.append(pos + exc.start)
            pos += exc.end
    return "".join(parts), bad


def _guess_legacy(data: bytes) -> tuple[str, str] | None:
    """A double-byte legacy encoding (GBK, Shift-JIS, Big5, EUC-KR) chosen by
    charset-normalizer, which weighs how plausible each decoding's text is.

    On a short file its measures tie (a few names in a .bib), and a wrong decoding of
    Chinese as Korean comes out with Hangul and Han characters alternating within a word,
    which no language writes; so among its candidates the one whose words keep to one
    script wins, and its own ranking breaks ties."""
    from charset_normalizer import from_bytes

    found = from_bytes(data, cp_isolation=list(_LEGACY))
    candidates = [(_script_switches(str(m)), rank, m) for rank, m in enumerate(found)]
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (c[0], c[1]))[2]
    return best.encoding, str(best)


# The legacy encodings reference tools and Windows write; rarer ones (Johab, EUC-JIS-2004)
# decode short texts too and would win ties by chance.
_LEGACY = (
    "gb18030", "big5", "shift_jis", "euc_jp", "cp949", "euc_kr",
    "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "koi8_r",
    "iso8859_2", "iso8859_5", "iso8859_7", "mac_roman",
)  # fmt: skip


def _script(ch: str) -> str:
    code = ord(ch)
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
        return "han"
    if 0x3040 <= code <= 0x30FF:
        return "kana"
    return "other"


def _script_switches(text: str) -> int:
    """How often neighbouring non-ASCII letters change script (Hangul, Han, kana)."""
    switches = 0
    for run in _NON_ASCII_RUN.findall(text):
        scripts = [_script(c) for c in run if c.isalpha()]
        switches += sum(
            a != b and "kana" not in (a, b) for a, b in zip(scripts, scripts[1:], strict=False)
        )
    return switches


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
