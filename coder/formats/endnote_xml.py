"""EndNote XML exports (``<xml><records><record>``), parsed with defusedxml.

EndNote wraps every value in ``<style>`` runs (one per change of font), so a field's
text is all the text under it, joined. Record numbers in the file are EndNote's own; the
report gives each record's place in the file and the line and column of its ``<record>``
tag, from the parser itself (EndNote writes the whole file on one line, so the column is
what tells records apart there; other tools indent, one tag a line).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from coder.core.model import DocumentRecord
from coder.formats.errors import FormatError
from coder.formats.records import (
    OnError,
    abstract_sections,
    clean_authors,
    normalise_doi,
    normalise_issn,
    parse_date,
    squash,
    type_name,
)

PIECE = 1 << 20  # characters fed to the parser at a time
_TYPES = {
    "journal article": "article",
    "electronic article": "article",
    "book section": "book part",
    "edited book": "book",
    "conference paper": "conference paper",
    "conference proceedings": "conference paper",
    "thesis": "thesis",
    "report": "report",
    "web page": "web page",
    "generic": "generic",
}


def read_endnote_xml(
    text: str, file: str, on_error: OnError, piece: int = PIECE
) -> Iterator[DocumentRecord]:
    """Records of an EndNote XML file, in file order, each with the line (and column) of
    its ``<record>`` tag as the XML parser met it.

    The text is fed to the parser a piece at a time and each ``<record>`` is handed on
    as soon as it closes, so the file is never one tree in memory. XML broken after some
    records keeps those and reports where it broke (the rest cannot be found again)."""
    target = _Records()
    parser = DefusedXMLParser(target=target)
    target.expat = parser.parser
    n = 0
    try:
        for start in range(0, len(text), piece):
            parser.feed(text[start : start + piece])
            for element, line, column in target.take():
                n += 1
                yield from _checked(element, n, line, column, file, on_error)
        parser.close()
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        if n == 0:
            raise FormatError(file, f"broken XML: {reason}", line, column) from None
        message = f"broken XML after record {n}: {reason}; the rest of the file is not read"
        on_error(FormatError(file, message, line, column))
        return
    except DefusedXmlException as exc:
        raise FormatError(file, f"unsafe XML refused: {exc}") from None
    for element, line, column in target.take():
        n += 1
        yield from _checked(element, n, line, column, file, on_error)


def _checked(
    element: Element, n: int, line: int, column: int, file: str, on_error: OnError
) -> Iterator[DocumentRecord]:
    record = _record(element, line)
    if record.title or record.authors or record.doi or record.has_abstract:
        yield record
    else:
        message = f"empty EndNote record {n} (no title, authors, DOI or abstract)"
        on_error(FormatError(file, message, line, column, kind="skipped"))


class _Records:
    """A parser target that builds each ``<record>`` on its own (nothing outside them is
    kept) and notes where its start tag is."""

    def __init__(self) -> None:
        self.expat: Any = None
        self.builder: TreeBuilder | None = None
        self.depth = 0
        self.where = (1, 1)
        self.done: list[tuple[Element, int, int]] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.builder is None:
            if tag != "record":
                return
            self.builder, self.depth = TreeBuilder(), 0
            self.where = (self.expat.CurrentLineNumber, self.expat.CurrentColumnNumber + 1)
        self.depth += 1
        self.builder.start(tag, attrs)

    def end(self, tag: str) -> None:
        if self.builder is None:
            return
        self.builder.end(tag)
        self.depth -= 1
        if self.depth == 0:
            self.done.append((self.builder.close(), *self.where))
            self.builder = None

    def data(self, data: str) -> None:
        if self.builder is not None:
            self.builder.data(data)

    def close(self) -> None:
        return None

    def take(self) -> list[tuple[Element, int, int]]:
        done, self.done = self.done, []
        return done


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    return squash("".join(element.itertext())) or None


def _raw(element: Element | None) -> str | None:
    """The text with its line breaks, for abstracts whose paragraphs matter."""
    if element is None:
        return None
    return "".join(element.itertext()).strip() or None


def _record(r: Element, line: int | None) -> DocumentRecord:
    ref_type = r.find("ref-type")
    kind = type_name(ref_type.get("name") if ref_type is not None else None)
    date_text = _text(r.find("dates/pub-dates/date"))
    year, date = parse_date(_text(r.find("dates/year")))
    if date_text:
        date_year, full = parse_date(date_text)
        if full and (year is None or date_year == year):
            year, date = date_year, full
    doi = normalise_doi(_text(r.find("electronic-resource-num"))) or next(
        (normalise_doi(u) for u in (_text(e) for e in r.iter("url")) if u and "doi.org" in u), None
    )
    return DocumentRecord(
        sections=abstract_sections(_raw(r.find("abstract"))),
        title=_text(r.find("titles/title")),
        authors=clean_authors([_text(a) or "" for a in r.findall("contributors/authors/author")]),
        year=year,
        date=date,
        type=_TYPES.get(kind or "", kind),
        journal=_text(r.find("periodical/full-title")) or _text(r.find("titles/secondary-title")),
        volume=_text(r.find("volume")),
        issue=_text(r.find("number")),
        pages=_text(r.find("pages")),
        issn=normalise_issn(_text(r.find("isbn"))),
        doi=doi,
        keywords=[k for k in (_text(e) for e in r.findall("keywords/keyword")) if k],
        line=line,
    )
