"""The attribute sheet a user brings: one row per document or speaker, one column per
attribute.

The first column names what the rows are: ``document`` (or ``key``) for document keys,
``speaker`` for speaker names; every other column is an attribute. Empty cells are left
alone (they neither set nor clear a value), so a sheet can fill in only what it knows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from coder.formats.encoding import read_text
from coder.formats.errors import FormatError

TARGET_COLUMNS = {"document": "document", "key": "document", "speaker": "speaker"}


@dataclass
class AttributeSheetRow:
    line: int
    target_type: str  # document | speaker
    target: str
    values: dict[str, str]


def read_attribute_sheet(path: Path) -> list[AttributeSheetRow]:
    """The rows of an attribute CSV (comma, semicolon or tab separated)."""
    file = str(path)
    text = read_text(path)
    if not text.strip():
        raise FormatError(file, "file is empty")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(rows)]
    kind = TARGET_COLUMNS.get(header[0].lower()) if header else None
    if kind is None:
        raise FormatError(
            file,
            f"the first column is {header[0]!r}: name it 'document' (document keys) or "
            "'speaker' (speaker names)",
            1,
        )
    names = header[1:]
    if not names:
        raise FormatError(file, "no attribute columns after the first one", 1)
    for i, name in enumerate(names):
        if not name:
            raise FormatError(file, f"column {i + 2} has no name", 1)
        if name in names[:i]:
            raise FormatError(file, f"column {name!r} appears twice", 1)
    out: list[AttributeSheetRow] = []
    seen: dict[str, int] = {}
    for row in rows:
        number = rows.line_num  # the line the row ends on (quoted cells may span lines)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise FormatError(
                file, f"{len(row)} cells in a row under {len(header)} columns", number
            )
        target = row[0].strip()
        if not target:
            raise FormatError(file, f"no {kind} in the first cell", number)
        if target in seen:
            raise FormatError(
                file, f"{kind} {target!r} already given on line {seen[target]}", number
            )
        seen[target] = number
        values = {n: v.strip() for n, v in zip(names, row[1:], strict=False) if v.strip()}
        out.append(AttributeSheetRow(number, kind, target, values))
    return out
