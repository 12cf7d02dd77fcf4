"""EndNote XML exports (``<xml><records><record>``), parsed with defusedxml.

EndNote wraps every value in ``<style>`` runs (one per change of font), so a field's
text is all the text under it, joined. Record numbers in the file are EndNote's own; the
line (and, as EndNote writes the whole file on one line, the column) of each
``<record>`` is what the report gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from coder.core.model import DocumentRecord
from coder.formats.errors import FormatError, skipped
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

_RECORD_START = re.compile(r"<record[\s>]")
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


def read_endnote_xml(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """Records of an EndNote XML file, in file order."""
    try:
        root = fromstring(text)
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        raise FormatError(file, f"broken XML: {reason}", line, column) from None
    except DefusedXmlException as exc:
        raise FormatError(file, f"unsafe XML refused: {exc}") from None
    lines = [text.count("\n", 0, m.start()) + 1 for m in _RECORD_START.finditer(text)]
    for n, element in enumerate(root.iter("record")):
        line = lines[n] if n < len(lines) else None
        record = _record(element, line)
        if record.title or record.authors or record.doi or record.has_abstract:
            yield record
        else:
            on_error(
                skipped(file, "empty EndNote record (no title, authors, DOI or abstract)", line)
            )


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
