"""Whole documents (Word, OpenDocument, PDF, Markdown, HTML) as one record each.

Interview transcripts and field notes arrive as word-processor files far more often than
as reference exports. Each reader turns its file into blocks (a heading with its level,
or a paragraph; a table row becomes one paragraph with its cells joined by `` | ``), and
:func:`blocks_record` makes the sections: headings head the paragraphs after them, and a
document whose paragraphs are speaker turns (``Interviewer: ...``) becomes a transcript
with one section per turn. The key comes from the file name.

Libraries: python-docx (already used for the docx theme table), odfpy (the reference
OpenDocument library: walks the XML tree with the ODF namespaces resolved), pypdf (pure
Python, no system libraries, keeps up with PDF quirks). Markdown and HTML need only the
standard library: headings and paragraphs are all that is kept.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from coder.core.model import DocumentRecord, Section
from coder.formats.errors import FormatError
from coder.formats.records import OnError, squash
from coder.formats.transcripts import (
    Turn,
    looks_like_turns,
    opens_turn,
    turn_sections,
    turns_from_lines,
)

# A block: ("title", text), ("h", text) or ("p", text).
Block = tuple[str, str]


def blocks_record(file: str, blocks: list[Block], title: str | None = None) -> DocumentRecord:
    """One record from a document's blocks (see the module docstring)."""
    blocks = [(kind, squash(text)) for kind, text in blocks]
    blocks = [(kind, text) for kind, text in blocks if text]
    if title is None:
        title = next((text for kind, text in blocks if kind == "title"), None)
    body = [(kind, text) for kind, text in blocks if kind != "title"]
    if title is None and body and body[0][0] == "h":
        title = body[0][1]
    paragraphs: list[tuple[str | None, str]] = []
    heading: str | None = None
    for kind, text in body:
        if kind == "h":
            heading = text
        else:
            paragraphs.append((heading, text))
    if not paragraphs:
        raise FormatError(file, "no text found in the document")
    if looks_like_turns([text for _, text in paragraphs]):
        sections = _turn_sections(paragraphs)
    else:
        sections = []
        for heading, text in paragraphs:
            last = sections[-1] if sections else None
            if last is not None and last.heading == heading:
                sections[-1] = Section(heading, f"{last.text}\n{text}")
            else:
                sections.append(Section(heading, text))
    stem = Path(file).stem
    return DocumentRecord(sections=sections, title=title or stem, line=1, key=stem)


def _turn_sections(paragraphs: list[tuple[str | None, str]]) -> list[Section]:
    sections: list[Section] = []
    for part in turns_from_lines(paragraphs):
        if isinstance(part, Turn):
            sections.extend(turn_sections([part]))
        else:
            sections.append(Section(part[0] or None, part[1]))
    return sections


# --- Word ----------------------------------------------------------------------------


def read_docx(path: Path, on_error: OnError) -> Iterator[DocumentRecord]:
    """A .docx file: Heading/Title styles, paragraphs and tables in body order."""
    import docx  # python-docx, deferred
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    file = str(path)
    try:
        document = docx.Document(file)
    except Exception as exc:  # a broken zip or a missing part: python-docx has no one error
        raise FormatError(file, f"not a readable .docx file ({exc})") from None
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            style = (item.style.name if item.style is not None else "") or ""
            kind = "title" if style == "Title" else "h" if style.startswith("Heading") else "p"
            blocks.append((kind, item.text))
        elif isinstance(item, Table):
            blocks.extend(("p", row) for row in _table_rows(item))
    title = document.core_properties.title or None
    yield blocks_record(file, blocks, title)


def _table_rows(table: object) -> list[str]:
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        for cell in row.cells:
            text = squash(cell.text)
            if not cells or cells[-1] != text:  # a merged cell repeats across its span
                cells.append(text)
        rows.append(" | ".join(cells))
    return rows


# --- OpenDocument ----------------------------------------------------------------------


def read_odt(path: Path, on_error: OnError) -> Iterator[DocumentRecord]:
    """An .odt file: text:h headings, text:p paragraphs (also in lists), table rows."""
    from odf import teletype
    from odf.namespaces import TABLENS, TEXTNS
    from odf.opendocument import load

    file = str(path)
    try:
        document = load(file)
    except Exception as exc:  # odfpy raises whatever zipfile or the XML parser raise
        raise FormatError(file, f"not a readable .odt file ({exc})") from None
    blocks: list[Block] = []

    def walk(node: object) -> None:
        for child in node.childNodes:  # type: ignore[attr-defined]
            qname = getattr(child, "qname", None)
            if qname == (TEXTNS, "h"):
                blocks.append(("h", teletype.extractText(child)))
            elif qname == (TEXTNS, "p"):
                blocks.append(("p", teletype.extractText(child)))
            elif qname == (TABLENS, "table-row"):
                cells = [
                    squash(teletype.extractText(c))
                    for c in child.childNodes
                    if getattr(c, "qname", None) == (TABLENS, "table-cell")
                ]
                blocks.append(("p", " | ".join(cells)))
            elif qname is not None:
                walk(child)

    walk(document.text)
    titles = document.meta.getElementsByType(_dc_title())
    title = squash(teletype.extractText(titles[0])) if titles else None
    yield blocks_record(file, blocks, title or None)


def _dc_title() -> type:
    from odf.dc import Title

    return Title


# --- PDF -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.?!:;\"'\u201d\u2019)]$")


def read_pdf(path: Path, on_error: OnError) -> Iterator[DocumentRecord]:
    """A PDF's text layer. PDFs have no paragraphs, only lines: a line that ends a
    sentence and is shorter than the page's full lines ends a paragraph, as do blank
    lines and page ends. A PDF without text (a scan) is an error that says so."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    file = str(path)
    try:
        reader = PdfReader(file)
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, OSError, ValueError) as exc:
        raise FormatError(file, f"not a readable PDF ({exc})") from None
    if not any(p.strip() for p in pages):
        raise FormatError(file, "the PDF has no text layer (a scanned image?): run OCR first")
    blocks: list[Block] = []
    for page in pages:
        blocks.extend(("p", paragraph) for paragraph in _pdf_paragraphs(page))
    yield blocks_record(file, blocks, squash(title) or None)


def _pdf_paragraphs(page: str) -> list[str]:
    lines = [ln.rstrip() for ln in page.split("\n")]
    full = max((len(ln) for ln in lines), default=0)
    paragraphs: list[str] = []
    buf: list[str] = []
    for line in [*lines, ""]:
        if not line.strip():
            if buf:
                paragraphs.append(" ".join(buf))
                buf = []
            continue
        if buf and opens_turn(line):  # a speaker label opens a new paragraph
            paragraphs.append(" ".join(buf))
            buf = []
        buf.append(line.strip())
        if _SENTENCE_END.search(line) and len(line) < 0.8 * full:
            paragraphs.append(" ".join(buf))
            buf = []
    return paragraphs


# --- Markdown and HTML -----------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(\*\*|__|\*|`)")


def read_markdown(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """Markdown: ``#`` headings; paragraphs (and list items, one a line) between them.
    Links keep their text; emphasis marks go."""
    blocks: list[Block] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            blocks.append(("p", " ".join(buf)))
            buf.clear()

    for line in text.split("\n"):
        m = _MD_HEADING.match(line)
        if m:
            flush()
            blocks.append(("h", _md_inline(m.group(2))))
        elif not line.strip():
            flush()
        elif re.match(r"^\s*(?:[-*+]|\d+[.)])\s+", line):
            flush()
            buf.append(_md_inline(re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line)))
            flush()
        else:
            buf.append(_md_inline(line.strip()))
    flush()
    yield blocks_record(file, blocks)


def _md_inline(text: str) -> str:
    return _MD_MARKS.sub("", _MD_LINK.sub(r"\1", text))


class _HtmlBlocks(HTMLParser):
    """Headings, paragraphs, list items and table rows of an HTML page, scripts and
    styles skipped."""

    _BLOCK = {"p", "li", "div", "blockquote", "pre", "dd", "dt", "br", "section", "article"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title: str | None = None
        self._buf: list[str] = []
        self._kind = "p"
        self._skip = 0
        self._row: list[str] | None = None
        self._in_title = False

    def _flush(self) -> None:
        text = squash("".join(self._buf))
        self._buf = []
        if not text:
            return
        if self._row is not None:
            self._row.append(text)
        else:
            self.blocks.append((self._kind, text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._kind = "h"
        elif tag == "tr":
            self._flush()
            self._row = []
        elif tag in ("td", "th") or tag in self._BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._kind = "p"
        elif tag == "tr":
            self._flush()
            if self._row:
                self.blocks.append(("p", " | ".join(self._row)))
            self._row = None
        elif tag in ("td", "th") or tag in self._BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title = squash((self.title or "") + data)
            return
        self._buf.append(data)


def read_html(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """An HTML page (a saved transcript or report): its headings and text blocks."""
    parser = _HtmlBlocks()
    parser.feed(text)
    parser.close()
    parser._flush()
    yield blocks_record(file, parser.blocks, parser.title)


# --- telling the binary kinds apart -----------------------------------------------------


def binary_kind(path: Path) -> str | None:
    """ "pdf", "docx" or "odt" from the file's first bytes and (for zips) its parts; None
    for files that are text. A zip that is neither is an error that names what it is."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return None
    if head.startswith(b"%PDF"):
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = (
                archive.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
            )
    except (zipfile.BadZipFile, OSError):
        raise FormatError(
            str(path), "a damaged zip archive (not a readable .docx or .odt)"
        ) from None
    if "word/document.xml" in names:
        return "docx"
    if mimetype.startswith("application/vnd.oasis.opendocument.text"):
        return "odt"
    if "project.qde" in names:
        raise FormatError(str(path), "a REFI-QDA project: bring it in with `coder exchange import`")
    raise FormatError(str(path), "a zip archive, but not a .docx or .odt document")
