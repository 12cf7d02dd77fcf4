"""One document's text as the phases draw it: headed blocks over the stored offsets.

Shared by phase 1 (reading), phase 2 (coding) and the first frame's preview (coder.tui.preview), so both draw the same headings over
the same offsets. The document itself comes from ``coder.services.views``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.text import Text

from coder.core.model import Document
from coder.tui.widgets.reader import Block
from coder.tui.widgets.text import literal, one_line

NO_ABSTRACT = "(no abstract)"
CODE_NO_ABSTRACT = "(this record has no abstract: code the whole document, or J for the next)"


class ListedDocument(Protocol):
    """What a document list's row draws (``views.DocumentListItem``, and the first
    frame's ``listing.ListRow`` drawn before the store is imported)."""

    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def has_abstract(self) -> bool: ...
    @property
    def read(self) -> bool: ...
    @property
    def excluded(self) -> bool: ...


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


def reading_blocks(
    doc: Document, head: Sequence[Text] = (), empty: str = NO_ABSTRACT
) -> list[Block]:
    """The reader's blocks of a document: ``head`` lines (phase 1's metadata), then each
    text block under its heading, blank lines between; ``empty`` where there is no text."""
    blocks = [Block(line) for line in head]
    for heading, start, end in text_blocks(doc):
        if blocks:
            blocks.append(Block(Text("")))
        if heading:
            blocks.append(Block(one_line(heading), style="heading"))
        blocks.append(Block(literal(doc.text[start:end]), offset=start))
    if not doc.text.strip():
        blocks += [Block(Text(""))] if blocks else []
        blocks.append(Block(Text(empty), style="label"))
    return blocks


def metadata_lines(doc: Document, label_style: object) -> list[Text]:
    """The bibliographic fields worth seeing while reading, one labelled line each."""
    rows: list[tuple[str, str | None]] = [
        ("Title", doc.title),
        ("Authors", "; ".join(doc.authors) if doc.authors else None),
        ("Year", str(doc.year) if doc.year else doc.date),
        ("Type", doc.type),
        ("Journal", ", ".join(p for p in (doc.journal, _volume(doc), doc.pages) if p) or None),
        ("DOI", doc.doi),
        ("ISSN", doc.issn),
        ("Keywords", "; ".join(doc.keywords) if doc.keywords else None),
        ("Source", f"{doc.source_file} ({doc.source_format})" if doc.source_file else None),
        ("Key", doc.key),
    ]
    lines = []
    for label, value in rows:
        if value:
            line = Text(f"{label:<9} ", style=label_style, end="")  # type: ignore[arg-type]
            line.append_text(one_line(value))
            lines.append(line)
    return lines


def _volume(doc: Document) -> str | None:
    if doc.volume and doc.issue:
        return f"{doc.volume}({doc.issue})"
    return doc.volume or (f"({doc.issue})" if doc.issue else None)


def document_row_text(item: ListedDocument, width: int) -> Text:
    """One list row: read mark (⊘ when set aside), key, label, year. Literal text only."""
    if item.excluded:  # set aside: marked first, where a narrow list still shows it
        text = Text("⊘ ", style="bold magenta", end="")
    else:
        text = Text("✓ " if item.read else "· ", style="green" if item.read else "dim", end="")
    text.append_text(one_line(item.key, style="bold"))
    if item.label != item.key:
        text.append("  ")
        text.append_text(one_line(item.label))
    if item.year and f"({item.year})" not in item.label:
        text.append(f" ({item.year})", style="dim")
    if not item.has_abstract:
        text.append("  no abstract", style="dim italic")
    return text
