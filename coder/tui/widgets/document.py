"""One document's text as the phases draw it: headed blocks over the stored offsets.

Shared by phase 1 (reading) and phase 2 (coding), so both draw the same headings over
the same offsets. The document itself comes from ``coder.services.views``.
"""

from __future__ import annotations

from coder.core.model import Document


def text_blocks(doc: Document) -> list[tuple[str | None, int, int]]:
    """(heading, start, end) of each section in the document text, with any text the
    sections leave out as unheaded blocks, so nothing stored goes unseen."""
    spans: list[tuple[str | None, int, int]] = []
    pos = 0
    for section in doc.sections:
        if not section.text:
            continue
        at = doc.text.find(section.text, pos)
        if at < 0:
            continue
        if doc.text[pos:at].strip():
            spans.append((None, pos, at))
        spans.append((section.heading, at, at + len(section.text)))
        pos = at + len(section.text)
    if doc.text[pos:].strip():
        spans.append((None, pos, len(doc.text)))
    return spans
