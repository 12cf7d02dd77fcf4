"""Writers of a code (or theme) by attribute matrix: CSV, Excel and Markdown.

A count or percentage per cell and the row's count as its last column; a last row of
column totals. Percentages carry no "%" sign in CSV and Excel, so a spreadsheet can
compute with them; the header says what they are percentages of.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from coder.core.matrix import Matrix, col_label

MATRIX_FORMATS = ("csv", "xlsx", "md")


def _caption(matrix: Matrix) -> str:
    what = f"{matrix.count} ({matrix.percent} %)" if matrix.percent else matrix.count
    return f"{matrix.row_kind} by {matrix.attribute}: {what}"


def _totals(matrix: Matrix) -> list[str | int]:
    cols = [matrix.col_total(c) for c in matrix.cols]
    return ["total", *cols, sum(cols)]


def write_csv(matrix: Matrix, out: BinaryIO) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(matrix.header())
    writer.writerows(matrix.table())
    writer.writerow(_totals(matrix))
    out.write(buffer.getvalue().encode("utf-8"))


def _md(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def write_markdown(matrix: Matrix, out: BinaryIO) -> None:
    header = matrix.header()
    lines = [f"**{_md(_caption(matrix))}**", ""]
    lines.append("| " + " | ".join(_md(h) for h in header) + " |")
    lines.append("|" + "|".join([" --- "] + [" ---: "] * (len(header) - 1)) + "|")
    for row in [*matrix.table(), _totals(matrix)]:
        lines.append("| " + " | ".join(_md(v) for v in row) + " |")
    out.write(("\n".join(lines) + "\n").encode("utf-8"))


def write_xlsx(matrix: Matrix, out: BinaryIO) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "matrix"
    sheet.append(matrix.header())
    for row in matrix.table():
        sheet.append(row)
    sheet.append(_totals(matrix))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if isinstance(row[0].value, str) and row[0].value.startswith("="):
            row[0].data_type = "s"  # a code name, never a formula
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 32
    note = workbook.create_sheet("about")
    note.append([_caption(matrix)])
    note.append(["columns", ", ".join(col_label(c) for c in matrix.cols)])
    workbook.save(out)


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "md": write_markdown}
