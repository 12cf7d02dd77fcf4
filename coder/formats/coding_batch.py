"""The CSV a script or a migration hands to ``coder code apply --from``: one coding a row.

Columns (header names matched loosely, in any order): ``document`` (the document key),
``unit`` (the reading unit's number, from 1) or ``start`` and ``end`` (code-point offsets
of a sub-span, end exclusive), or none of them for the whole document; ``code``; and
optionally ``memo`` and ``coder``. Comma, semicolon or tab separated; UTF-8 (with or
without BOM) or Windows-1252.

This reader checks what it can without the project (the shape of each row); the service
checks what needs the project (the document, unit and code exist). Problems name the
file and line, and every bad row is reported, not just the first.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import NamedTuple

from coder.formats.csvfile import _delimiter
from coder.formats.encoding import read_text
from coder.formats.errors import FormatError

_ALIASES: dict[str, tuple[str, ...]] = {
    "document": ("document", "documentkey", "doc", "dockey", "key", "citekey", "citationkey"),
    "unit": ("unit", "segment", "ordinal", "unitnumber", "segmentnumber"),
    "start": ("start", "from", "startoffset"),
    "end": ("end", "to", "endoffset"),
    "code": ("code", "codename"),
    "memo": ("memo", "note", "comment"),
    "coder": ("coder", "user", "author"),
}


class CodingRowSpec(NamedTuple):
    """One row as read: where (unit, span or whole document), which code, memo, coder.
    (A named tuple: a batch file holds tens of thousands, and a frozen dataclass costs
    several times more to make.)"""

    line: int
    document: str
    code: str
    unit: int | None = None
    start: int | None = None
    end: int | None = None
    memo: str | None = None
    coder: str | None = None


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _columns(header: list[str], file: str) -> dict[str, int]:
    names = [_normalise(h) for h in header]
    found: dict[str, int] = {}
    for field, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in names:
                found[field] = names.index(alias)
                break
    missing = [f for f in ("document", "code") if f not in found]
    if missing:
        raise FormatError(
            file,
            f"no {' or '.join(repr(m) for m in missing)} column in the header "
            "(expected document, unit or start/end, code, memo, coder)",
            1,
        )
    if ("start" in found) != ("end" in found):
        raise FormatError(file, "a span needs both a 'start' and an 'end' column", 1)
    return found


def _number(value: str, what: str, low: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{what} must be a whole number, not {value!r}") from None
    if number < low:
        raise ValueError(f"{what} must be {low} or more, not {number}")
    return number


def read_coding_batch(path: Path) -> tuple[list[CodingRowSpec], list[FormatError]]:
    """The rows of a batch file and the problems of the bad ones. A file that cannot be
    read, or has no usable header, raises FormatError."""
    file = str(path)
    text = read_text(path)
    if not text.strip():
        raise FormatError(file, "the file is empty: expected a header row and codings", 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = next(reader)
    columns = _columns(header, file)
    rows: list[CodingRowSpec] = []
    problems: list[FormatError] = []
    fields = list(columns.items())
    for cells in reader:
        if not "".join(cells).strip():
            continue
        width = len(cells)
        values = {f: cells[i].strip() if i < width else "" for f, i in fields}
        try:
            rows.append(_row(values, reader.line_num))
        except ValueError as exc:
            problems.append(FormatError(file, str(exc), reader.line_num))
    return rows, problems


def _row(values: dict[str, str], line: int) -> CodingRowSpec:
    if not values["document"]:
        raise ValueError("the document key is empty")
    if not values["code"]:
        raise ValueError("the code is empty")
    unit = values.get("unit", "")
    start, end = values.get("start", ""), values.get("end", "")
    if unit and (start or end):
        raise ValueError("give a unit or a start and end, not both")
    if bool(start) != bool(end):
        raise ValueError("a span needs both start and end")
    span_start = _number(start, "start", 0) if start else None
    span_end = _number(end, "end", 1) if end else None
    if span_start is not None and span_end is not None and span_end <= span_start:
        raise ValueError(f"end ({span_end}) must come after start ({span_start})")
    return CodingRowSpec(
        line=line,
        document=values["document"],
        code=values["code"],
        unit=_number(unit, "unit", 1) if unit else None,
        start=span_start,
        end=span_end,
        memo=values.get("memo") or None,
        coder=values.get("coder") or None,
    )
