"""The one error type for bad input files, so every caller can print it as one line.

The same type carries what a tolerant reader reports without stopping: a ``kind`` of
"warning" (the record was read, something about it was odd: a repeated field, an unknown
entry type, bytes that were not text) or "skipped" (the record was left out and the rest
of the file read on: nothing in it, or larger than the record size limit). A plain
FormatError ("error") is a record that could not be read: left out and reported like a
"skipped" one, unless the import is strict (``--strict``), when it stops the import.
"""

from __future__ import annotations


class FormatError(Exception):
    """Bad input in a user's file: one line naming the file and where."""

    def __init__(
        self,
        file: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        kind: str = "error",
    ) -> None:
        self.file, self.message, self.line, self.column = file, message, line, column
        self.kind = kind
        super().__init__(str(self))

    def __reduce__(
        self,
    ) -> tuple[type[FormatError], tuple[str, str, int | None, int | None, str]]:
        # Errors found while reading in a child process travel back to the importer.
        return FormatError, (self.file, self.message, self.line, self.column, self.kind)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FormatError):
            return NotImplemented
        return self.__reduce__() == other.__reduce__()

    def __hash__(self) -> int:
        return hash(self.__reduce__()[1])

    def where(self) -> str:
        """``file:line`` (or the file alone), as editors and --json readers expect."""
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


def warning(file: str, message: str, line: int | None = None) -> FormatError:
    """A note about a record that was read anyway."""
    return FormatError(file, message, line, kind="warning")


def skipped(file: str, message: str, line: int | None = None) -> FormatError:
    """A record left out while the rest of the file is read."""
    return FormatError(file, message, line, kind="skipped")
