"""Writers of the codings export: one row per coding, as CSV, Excel or JSON.

The rows come from `coder.core.report.coding_lines`, so every format carries the same
columns: document key, citation, section, unit, start and end (code points, end
exclusive), the coded text, code, the code's themes, coder, time and memo. CSV and
JSON are deterministic for a given project (the time is when the coding was made, not
when it was exported).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import BinaryIO

from coder.core.report import CodingLine
from coder.formats import csvsafe

CODING_FORMATS = ("csv", "xlsx", "json")
COLUMNS = CodingLine.FIELDS
CHUNK = 2000  # CSV rows per write


def _row(line: CodingLine) -> list[object]:
    return [
        line.key, line.citation, line.section or "", "" if line.unit is None else line.unit,
        line.start, line.end, line.text, line.code, "; ".join(line.themes), line.coder,
        line.time, line.memo or "",
    ]  # fmt: skip


def write_csv(lines: Iterable[CodingLine], out: BinaryIO) -> None:
    """Rows go out a chunk at a time, so a stream of lines is never held whole."""
    buffer = io.StringIO(newline="")
    writer = csvsafe.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows: list[list[object]] = []
    for line in lines:
        rows.append(_row(line))
        if len(rows) == CHUNK:
            writer.writerows(rows)
            rows.clear()
            out.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(rows)
    out.write(buffer.getvalue().encode("utf-8"))


def write_json(lines: Iterable[CodingLine], out: BinaryIO) -> None:
    """The same bytes as ``json.dumps(list, indent=2)``, written one object at a time."""
    first = True
    for line in lines:
        item = json.dumps(
            {name: getattr(line, name) for name in COLUMNS}, ensure_ascii=False, indent=2
        )
        text = "  " + item.replace("\n", "\n  ")
        out.write((("[\n" if first else ",\n") + text).encode("utf-8"))
        first = False
    out.write(("[]\n" if first else "\n]\n").encode("utf-8"))


def write_xlsx(lines: Iterable[CodingLine], out: BinaryIO) -> None:
    """One "codings" sheet: bold frozen header, sensible widths, wrapped text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "codings"
    sheet.append(list(COLUMNS))
    for line in lines:
        sheet.append(_row(line))
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # user text, never a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [18, 30, 14, 6, 7, 7, 70, 26, 30, 14, 26, 40]
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.save(out)


WRITERS: dict[str, Callable[[Iterable[CodingLine], BinaryIO], None]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "json": write_json,
}


def write_codings(lines: Iterable[CodingLine], fmt: str, out: BinaryIO) -> None:
    """Write codings in one of CODING_FORMATS; ValueError for an unknown format."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown codings format {fmt!r}: use {', '.join(CODING_FORMATS)}")
    writer(lines, out)
