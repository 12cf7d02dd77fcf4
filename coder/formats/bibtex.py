"""BibTeX and BibLaTeX files via bibtexparser 2.

bibtexparser does the grammar; this module adds what it leaves out and a reviewer
needs: ``#`` concatenation of @string macros, a bare ``%`` in an abstract read as a
per-cent sign rather than a LaTeX comment that would silently cut the abstract, unreadable
blocks reported with their line, and duplicate citation keys tolerated (coder makes its
own keys).

Real exports stretch the grammar, and one odd entry must not cost the file: a field given
twice (Scopus repeats ``funding_details``) keeps its first value, or joins the values of
a list-like field (keywords); an entry type outside BibTeX and BibLaTeX
(``@conversation``) is read as a generic record. Both are reported as warnings with the
entry's line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import bibtexparser
from bibtexparser import model
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    LatexDecodingMiddleware,
    RemoveEnclosingMiddleware,
    ResolveStringReferencesMiddleware,
    SeparateCoAuthors,
)
from bibtexparser.middlewares.middleware import BlockMiddleware

from coder.core.model import DocumentRecord
from coder.formats.errors import FormatError, warning
from coder.formats.records import (
    OnError,
    abstract_sections,
    clean_authors,
    iso_date,
    normalise_doi,
    normalise_issn,
    parse_date,
    split_list,
    squash,
)

# Errors reach the user as FormatError; keep bibtexparser's own warnings off stderr (and
# off the TUI's screen) unless the application configures logging.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_TYPES = {
    "article": "article",
    "book": "book",
    "mvbook": "book",
    "booklet": "book",
    "inbook": "book part",
    "incollection": "book part",
    "bookinbook": "book part",
    "suppbook": "book part",
    "inreference": "book part",
    "inproceedings": "conference paper",
    "conference": "conference paper",
    "proceedings": "proceedings",
    "mvproceedings": "proceedings",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "online": "web page",
    "electronic": "web page",
    "www": "web page",
    "misc": "misc",
    "unpublished": "unpublished",
    "manual": "manual",
    "collection": "book",
    "mvcollection": "book",
    "suppcollection": "book part",
    "periodical": "periodical",
    "suppperiodical": "article",
    "reference": "book",
    "mvreference": "book",
    "patent": "patent",
    "dataset": "dataset",
    "software": "software",
    "standard": "standard",
    "review": "review",
    "letter": "letter",
    "manuscript": "manuscript",
    "artwork": "artwork",
    "audio": "audio",
    "video": "video",
    "movie": "video",
    "music": "music",
    "image": "image",
    "performance": "performance",
    "jurisdiction": "legal case",
    "legislation": "legislation",
    "legal": "legal document",
    "commentary": "commentary",
    "data": "dataset",
}
# BibLaTeX containers that group other entries; they are not documents.
_CONTAINERS = {"set", "xdata"}
_CUSTOM = re.compile(r"custom[a-f]")
# Fields whose repeated values are all kept, joined; any other repeated field keeps its first.
_LIST_FIELDS = {"keywords": "; ", "keyword": "; ", "author": " and ", "editor": " and "}


class _Concatenate(BlockMiddleware):
    """Resolve ``jean # " " # cesar`` (bibtexparser leaves ``#`` joins untouched)."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True)

    def transform_entry(self, entry: model.Entry, library: Library) -> model.Entry:
        strings = {k.lower(): _unenclose(s.value) for k, s in library.strings_dict.items()}
        for field in entry.fields:
            if isinstance(field.value, str) and "#" in field.value and field.value[:1] not in '{"':
                parts = _split_top_level(field.value, "#")
                if len(parts) > 1:
                    joined = "".join(strings.get(p.lower(), _unenclose(p)) for p in parts)
                    field.value = "{" + joined + "}"
        return entry


class _PercentSign(BlockMiddleware):
    """Escape bare ``%`` so that LaTeX decoding keeps "50% of patients" whole."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True)

    def transform_entry(self, entry: model.Entry, library: Library) -> model.Entry:
        for field in entry.fields:
            if isinstance(field.value, str):
                field.value = re.sub(r"(?<!\\)%", r"\\%", field.value)
        return entry


def _stack() -> list[BlockMiddleware]:
    return [
        _Concatenate(),
        ResolveStringReferencesMiddleware(allow_inplace_modification=True),
        RemoveEnclosingMiddleware(allow_inplace_modification=True),
        _PercentSign(),
        # Braces survive decoding so that "{World Health Organization} and X" still splits
        # into two names; _record drops the leftover braces.
        LatexDecodingMiddleware(allow_inplace_modification=True, keep_braced_groups=True),
        SeparateCoAuthors(allow_inplace_modification=True),
    ]


# A line that opens a block (``@article{``): bibtexparser starts a new block at one
# whatever came before (an unclosed brace aborts the block it was in), so the text can be
# cut there and each piece parsed on its own with the same result.
_BLOCK_START = re.compile(r"^[ \t]*@\w*[ \t]*(?=[{(])", re.MULTILINE)
PIECE = 1_000_000  # characters parsed at a time: a few hundred entries


def read_bibtex(
    text: str, file: str, on_error: OnError, piece: int = PIECE
) -> Iterator[DocumentRecord]:
    """Records of a .bib file, in file order.

    The file is parsed a piece at a time (``_pieces``), each piece with the @string
    definitions met so far, so a large file is never held as one parsed library."""
    string_defs = ""
    for first, part in _pieces(text, piece):
        prefix = string_defs + "\n" if string_defs else ""
        shift = prefix.count("\n")
        library = bibtexparser.parse_string(prefix + part, parse_stack=_stack())
        string_defs = "\n".join(s.raw for s in library.strings)
        for block in library.blocks:
            if block.start_line < shift:
                continue  # a definition carried over from an earlier piece
            line = block.start_line - shift + first + 1
            yield from _block(block, line, string_defs, file, on_error)


def _pieces(text: str, size: int) -> Iterator[tuple[int, str]]:
    """``(line before it, piece)``: pieces of about ``size`` characters, each cut where a
    line opens a block."""
    start, line = 0, 0
    while start < len(text):
        found = _BLOCK_START.search(text, start + size) if len(text) - start > size else None
        end = found.start() if found else len(text)
        yield line, text[start:end]
        line += text.count("\n", start, end)
        start = end


def _block(
    block: model.Block, line: int, string_defs: str, file: str, on_error: OnError
) -> Iterator[DocumentRecord]:
    if isinstance(block, model.DuplicateBlockKeyBlock):
        # Same citation key twice: still two records; read the duplicate on its own.
        again = bibtexparser.parse_string(f"{string_defs}\n{block.raw}", parse_stack=_stack())
        for entry in again.entries:
            yield from _entry(entry, line, file, on_error)
    elif isinstance(block, model.DuplicateFieldKeyBlock):
        raw, note = _without_repeats(block)
        on_error(warning(file, note, line))
        again = bibtexparser.parse_string(f"{string_defs}\n{raw}", parse_stack=_stack())
        for entry in again.entries:
            yield from _entry(entry, line, file, on_error)
    elif isinstance(block, model.ParsingFailedBlock):
        reason = getattr(block.error, "abort_reason", "") or str(block.error)
        at = _entry_head(block.raw)
        on_error(FormatError(file, f"unreadable entry {at}: {squash(reason)}".rstrip(": "), line))
    elif isinstance(block, model.Entry):
        yield from _entry(block, line, file, on_error)


def _entry(entry: model.Entry, line: int, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    kind = entry.entry_type.lower()
    if kind in _CONTAINERS:
        return
    if kind not in _TYPES and not _CUSTOM.fullmatch(kind):
        written = re.match(r"\s*@(\w+)", entry.raw or "")
        name = written.group(1) if written else entry.entry_type
        message = f"unknown entry type @{name}{{{entry.key}, ...}}: read as a generic record"
        on_error(warning(file, message, line))
        yield _record(entry, "generic", line)
        return
    yield _record(entry, kind, line)


def _without_repeats(block: model.DuplicateFieldKeyBlock) -> tuple[str, str]:
    """The entry's source with each field once (first value kept, list-like fields
    joined), and the note that says so."""
    entry: model.Entry = block.ignore_error_block  # type: ignore[assignment]
    values: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for f in entry.fields:
        values.setdefault(f.key.lower(), []).append(f.value)
        names.setdefault(f.key.lower(), f.key)
    kept, joined = [], []
    lines = []
    for key, found in values.items():
        value = found[0]
        if len(found) > 1:
            separator = _LIST_FIELDS.get(key)
            if separator:
                value = "{" + separator.join(_unenclose(v) for v in found) + "}"
                joined.append(names[key])
            else:
                kept.append(names[key])
        lines.append(f"  {names[key]} = {value}")
    raw = f"@{entry.entry_type}{{{entry.key},\n" + ",\n".join(lines) + "\n}\n"
    parts = []
    if kept:
        parts.append(f"first value kept of {', '.join(kept)}")
    if joined:
        parts.append(f"values joined of {', '.join(joined)}")
    return raw, f"field given more than once in @{entry.entry_type}{{{entry.key}, ...}}: " + (
        "; ".join(parts)
    )


def _record(entry: model.Entry, kind: str, line: int) -> DocumentRecord:
    fields = {f.key.lower(): f.value for f in entry.fields}

    def text(*keys: str) -> str | None:
        for key in keys:
            value = fields.get(key)
            if isinstance(value, str) and _unbrace(value):
                return _unbrace(value)
        return None

    year, date = parse_date(text("date", "year"))
    if date is None and year is not None and text("month") and text("day"):
        date = iso_date(year, text("month"), text("day"))
    title = text("title")
    subtitle = text("subtitle")
    if title and subtitle:
        title = f"{title}: {subtitle}"
    authors = fields.get("author") or []
    authors = [_unbrace(a) for a in (authors if isinstance(authors, list) else [authors])]
    abstract = fields.get("abstract")
    pages = text("pages")
    return DocumentRecord(
        sections=abstract_sections(
            abstract.replace("{", "").replace("}", "") if isinstance(abstract, str) else None
        ),  # (kind "generic": an entry type this reader does not know)
        title=title,
        authors=clean_authors(authors),
        year=year,
        date=date,
        type=_TYPES.get(kind, kind),
        journal=text("journal", "journaltitle", "booktitle"),
        volume=text("volume"),
        issue=text("number", "issue"),
        pages=re.sub(r"\s*-{1,3}\s*|\s*\u2013\s*", "-", pages) if pages else None,
        issn=normalise_issn(text("issn")),
        doi=normalise_doi(text("doi")),
        keywords=split_list(text("keywords", "keyword"), ";,"),
        line=line,
    )


def _split_top_level(value: str, separator: str) -> list[str]:
    """Split on ``separator`` outside braces and double quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == separator and depth == 0 and not quoted:
            parts.append(value[start:i].strip())
            start = i + 1
    parts.append(value[start:].strip())
    return parts


def _unbrace(value: str) -> str:
    """Grouping braces left after LaTeX decoding ("{An} amazing {title}") carry no text."""
    return squash(value.replace("{", "").replace("}", ""))


def _unenclose(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and (value[0], value[-1]) in {("{", "}"), ('"', '"')}:
        return value[1:-1]
    return value


def _entry_head(raw: str) -> str:
    m = re.match(r"\s*(@\w+\s*[{(][^,\s]*)", raw)
    return f"{m.group(1)}..." if m else "block"
