"""The one error type for bad input files, so every caller can print it as one line."""

from __future__ import annotations


class FormatError(Exception):
    """Bad input in a user's file: one line naming the file and where."""

    def __init__(
        self, file: str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.file, self.message, self.line, self.column = file, message, line, column
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type[FormatError], tuple[str, str, int | None, int | None]]:
        # Errors found while reading in a child process travel back to the importer.
        return FormatError, (self.file, self.message, self.line, self.column)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"
