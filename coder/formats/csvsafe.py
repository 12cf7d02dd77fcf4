"""CSV cells that a spreadsheet will not run as formulas (CSV injection).

A title, code name or memo that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a live formula when the CSV is opened in Excel, LibreOffice or Google Sheets
(``=HYPERLINK(...)``, ``=cmd|...``). As OWASP recommends, such a text cell is written with a
leading ``'``, which spreadsheets show as text and hide. Numbers stay numbers (a negative
count is not text a user typed). Every CSV writer of coder goes through ``writer``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``value``, with a leading ``'`` if it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows are neutralised cell by cell.

    Checking every cell in Python costs more than writing it (an export of 30,000
    codings has 360,000), so ``writerows`` first writes the rows as they are into a
    scratch buffer and looks there, with one regular expression, for a cell that opens
    like a formula (after a line start or a delimiter, maybe behind a quote). Only when
    one may (a comma then a dash inside a quoted text looks the same) are the rows
    written again cell by cell; the file never holds an unchecked row."""

    def __init__(self, fileobj: IO[str], **kwargs: Any) -> None:
        self._file = fileobj
        self._kwargs = kwargs
        self._writer = csv.writer(fileobj, **kwargs)
        dialect = self._writer.dialect
        self._scan: re.Pattern[str] | None = None
        self._head: re.Pattern[str] | None = None
        if dialect.lineterminator.endswith("\n"):  # a row's first cell follows a "\n"
            quote = re.escape(dialect.quotechar or "")
            starts = "".join(re.escape(c) for c in FORMULA_STARTS)
            # (a character class first: twice as fast as "(?:^|,)" over megabytes)
            self._scan = re.compile(rf"[{re.escape(dialect.delimiter)}\n](?:{quote})?[{starts}]")
            self._head = re.compile(rf"(?:{quote})?[{starts}]")

    # ``neutralise`` inlined: an export of 30,000 codings checks 360,000 cells.
    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow(
            ["'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in row]
        )

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        rows = rows if isinstance(rows, list) else list(rows)
        if self._scan is not None:
            scratch = io.StringIO(newline="")
            csv.writer(scratch, **self._kwargs).writerows(rows)
            text = scratch.getvalue()
            if self._scan.search(text) is None and self._head.match(text) is None:  # type: ignore[union-attr]
                self._file.write(text)
                return
        starts = FORMULA_STARTS
        self._writer.writerows(
            ["'" + v if isinstance(v, str) and v.startswith(starts) else v for v in row]
            for row in rows
        )


def writer(fileobj: IO[str], **kwargs: Any) -> SafeWriter:
    return SafeWriter(fileobj, **kwargs)
