"""CSV cells that a spreadsheet will not run as formulas (CSV injection).

A title, code name or memo that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a live formula when the CSV is opened in Excel, LibreOffice or Google Sheets
(``=HYPERLINK(...)``, ``=cmd|...``). As OWASP recommends, such a text cell is written with a
leading ``'``, which spreadsheets show as text and hide. Numbers stay numbers (a negative
count is not text a user typed). Every CSV writer of coder goes through ``writer``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter, methodcaller
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``value``, with a leading ``'`` if it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


_FORMULA = methodcaller("startswith", FORMULA_STARTS)


class SafeWriter:
    """``csv.writer`` whose rows are neutralised cell by cell. ``text_columns``: the
    positions that always hold text, when the caller knows them; a row is then checked
    by C calls alone (``itemgetter``, ``map``, ``any``) and only a row with a formula-like
    text is neutralised cell by cell (an export of 30,000 codings checks 270,000 texts)."""

    def __init__(
        self, fileobj: IO[str], text_columns: Sequence[int] | None = None, **kwargs: Any
    ) -> None:
        self._writer = csv.writer(fileobj, **kwargs)
        self._texts = itemgetter(*text_columns) if text_columns else None

    # ``neutralise`` inlined: an export of 30,000 codings checks 360,000 cells.
    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow(
            ["'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in row]
        )

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        if self._texts is not None:
            self._writer.writerows(self._checked(rows, self._texts))  # type: ignore[arg-type]
            return
        starts = FORMULA_STARTS
        self._writer.writerows(
            ["'" + v if isinstance(v, str) and v.startswith(starts) else v for v in row]
            for row in rows
        )

    def _checked(self, rows: Iterable[Any], texts: itemgetter) -> Iterator[Iterable[object]]:
        starts = FORMULA_STARTS
        for row in rows:
            try:
                plain = not any(map(_FORMULA, texts(row)))
            except AttributeError:  # not text after all (None): checked cell by cell
                plain = False
            if not plain:
                row = ["'" + v if isinstance(v, str) and v.startswith(starts) else v for v in row]
            yield row


def writer(
    fileobj: IO[str], text_columns: Sequence[int] | None = None, **kwargs: Any
) -> SafeWriter:
    return SafeWriter(fileobj, text_columns, **kwargs)
