"""Plain text: one abstract per paragraph, paragraphs separated by blank lines.

The simplest way for a reviewer to bring in abstracts that no database exported (grey
literature, pasted notes). Hard-wrapped lines inside a paragraph are joined, and inline
headings ("Background: ...") become sections as in every other format.
"""

from __future__ import annotations

from collections.abc import Iterator

from coder.core.model import DocumentRecord
from coder.formats.records import OnError, abstract_sections


def read_plaintext(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """One record per blank-line separated paragraph, with the line it starts on."""
    start: int | None = None
    buf: list[str] = []
    for number, line in enumerate([*text.split("\n"), ""], 1):
        if line.strip():
            if start is None:
                start = number
            buf.append(line.strip())
        elif buf:
            yield DocumentRecord(sections=abstract_sections(" ".join(buf)), line=start)
            start, buf = None, []
