"""Plain text: one abstract per paragraph, paragraphs separated by blank lines.

The simplest way for a reviewer to bring in abstracts that no database exported (grey
literature, pasted notes). Hard-wrapped lines inside a paragraph are joined, and inline
headings ("Background: ...") become sections as in every other format.

A paragraph may be the whole file (a 200 MB text without a blank line), so lines are
taken one at a time and a paragraph stops being held once it is over the record size
limit: it is reported with its line and the size it reached, and the next one is read.
"""

from __future__ import annotations

from collections.abc import Iterator

from coder.core.model import DocumentRecord
from coder.formats.records import OnError, abstract_sections, oversized


def read_plaintext(
    text: str, file: str, on_error: OnError, limit: int | None = None
) -> Iterator[DocumentRecord]:
    """One record per blank-line separated paragraph, with the line it starts on."""
    start: int | None = None
    buf: list[str] = []
    size = 0
    over = False
    number = 0
    pos = 0
    end_of_text = len(text)
    while pos <= end_of_text:
        end = text.find("\n", pos)
        if end < 0:
            end = end_of_text
        number += 1
        length = end - pos
        # A line over the limit is measured, never copied.
        blank = length <= limit if limit is not None else True
        blank = blank and not text[pos:end].strip()
        if not blank:
            if start is None:
                start = number
            size += length + 1
            if limit is not None and size > limit:
                over, buf = True, []
            elif not over:
                buf.append(text[pos:end].strip())
        elif start is not None:
            if over:
                on_error(oversized(file, size - 1, limit or 0, start))
            else:
                yield DocumentRecord(sections=abstract_sections(" ".join(buf)), line=start)
            start, buf, size, over = None, [], 0, False
        pos = end + 1
    if start is not None:
        if over:
            on_error(oversized(file, size - 1, limit or 0, start))
        else:
            yield DocumentRecord(sections=abstract_sections(" ".join(buf)), line=start)
