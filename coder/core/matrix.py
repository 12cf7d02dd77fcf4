"""A matrix of codes (or themes) by the values of one attribute.

Cells count extracts (coded segments) or documents. Percentages are of the row's or the
column's total, the totals being the sums of the cells shown: an extract lies in exactly
one column, so with extracts the totals are the real row and column counts; with
documents a document that spans two values (two speakers in one transcript) counts in
both, and the percentages say how the row's document counts are spread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NONE_LABEL = "(none)"
COUNTS = ("extracts", "documents")
PERCENTS = ("row", "col")


@dataclass
class Matrix:
    row_kind: str  # codes | themes
    attribute: str
    count: str  # extracts | documents
    rows: list[str]
    cols: list[str | None]  # None: extracts without a value
    cells: dict[tuple[str, str | None], int] = field(default_factory=dict)
    percent: str | None = None

    def value(self, row: str, col: str | None) -> int:
        return self.cells.get((row, col), 0)

    def row_total(self, row: str) -> int:
        return sum(self.value(row, c) for c in self.cols)

    def col_total(self, col: str | None) -> int:
        return sum(self.value(r, col) for r in self.rows)

    def shown(self, row: str, col: str | None) -> float | int:
        """The cell as shown: a count, or a percentage rounded to one decimal."""
        n = self.value(row, col)
        if self.percent is None:
            return n
        total = self.row_total(row) if self.percent == "row" else self.col_total(col)
        return round(100.0 * n / total, 1) if total else 0.0

    def header(self) -> list[str]:
        return [self.row_kind[:-1], *(col_label(c) for c in self.cols), "total"]

    def table(self) -> list[list[str | int | float]]:
        """Rows as a writer puts them out: name, cells, total (a count, also with
        percentages, so the reader can see what 100% stands for)."""
        return [[r, *(self.shown(r, c) for c in self.cols), self.row_total(r)] for r in self.rows]


def col_label(col: str | None) -> str:
    return NONE_LABEL if col is None else col


def build_matrix(
    row_kind: str,
    attribute: str,
    count: str,
    row_names: list[str],
    counts: list[tuple[str, str | None, int, int]],
    percent: str | None = None,
    keep_empty_rows: bool = True,
) -> Matrix:
    """A matrix from ``(row name, value, extracts, documents)`` cells. Rows keep the
    order given (codebook or theme order); columns sort as numbers when they all are
    (years), else alphabetically, with "(none)" last."""
    if count not in COUNTS:
        raise ValueError(f"count {count!r}: use {' or '.join(COUNTS)}")
    if percent is not None and percent not in PERCENTS:
        raise ValueError(f"percent {percent!r}: use {' or '.join(PERCENTS)}")
    cells: dict[tuple[str, str | None], int] = {}
    values: set[str | None] = set()
    for row, value, extracts, documents in counts:
        n = extracts if count == "extracts" else documents
        if n:
            cells[(row, value)] = cells.get((row, value), 0) + n
            values.add(value)
    named = [v for v in values if v is not None]
    if named and all(_is_number(v) for v in named):
        named.sort(key=float)
    else:
        named.sort(key=str.lower)
    cols: list[str | None] = [*named, *([None] if None in values else [])]
    rows = [r for r in row_names if keep_empty_rows or any((r, c) in cells for c in cols)]
    return Matrix(row_kind, attribute, count, rows, cols, cells, percent)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
