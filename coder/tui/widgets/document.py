"""One document as the phases show it: its text split into headed blocks, its reading
units and its codings, read in one session.

Shared by phase 1 (reading) and phase 2 (coding), so both draw the same headings over
the same offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coder.core.model import Coding, Document, Segment, SegmentKind
from coder.services.workspace import Workspace
from coder.store import queries as q


@dataclass
class DocView:
    """One document as the coding phase needs it, read in one session."""

    doc: Document
    ordinal: int  # the document's place in reading order (for next_uncoded)
    units: list[Segment]
    kinds: dict[int, SegmentKind]
    codings: list[Coding] = field(default_factory=list)

    def unit_index(self, ordinal: int) -> int:
        for index, unit in enumerate(self.units):
            if unit.ordinal == ordinal:
                return index
        return 0


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


def load_view(ws: Workspace, key: str) -> DocView | None:
    with ws.read() as session:
        row = q.document_row(session, ws.project.id, key)
        if row is None or row.id is None:
            return None
        segments = q.segments_of(session, row.id, ("unit", "span", "document"))
        view = DocView(
            doc=q.to_document(row),
            ordinal=row.ordinal,
            units=sorted(
                (s for s in segments if s.kind == SegmentKind.UNIT), key=lambda s: s.ordinal or 0
            ),
            kinds={s.id: s.kind for s in segments},
        )
        view.codings = q.codings(session, ws.project.id, document_id=row.id)
    return view
