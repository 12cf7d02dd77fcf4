"""The entry point for reading bibliographic records from any supported file.

The service layer calls :func:`iter_records`; it never needs to know which reader ran.
Readers are imported lazily so that ``coder --help`` does not pay for bibtexparser or
the XML stack, and they share the small field helpers below so that every format yields
the same spellings (ISO dates, bare DOIs, ``1234-567X`` ISSNs, lower-case types).
"""

from __future__ import annotations

import calendar
import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coder.core.model import DocumentRecord, Section, collapse_spaces
from coder.core.segmenting import is_heading, split_inline_sections, tidy_heading
from coder.formats.detect import detect_format as _detect
from coder.formats.detect import explain_format
from coder.formats.encoding import read_text as _read_text
from coder.formats.encoding import read_text_report
from coder.formats.errors import FormatError, skipped

FORMATS: dict[str, str] = {
    "listing": "search page with plain abstracts, one per line (seed layout 1)",
    "results": "database results page with Abstract/Details/Keywords blocks (seed layout 2)",
    "citations": "citation list with 'year ◽ Vol ◽ pp ◽ Author(s):' blocks (seed layout 3)",
    "ris": "RIS tagged export (Zotero, EndNote, Scopus, Embase, Ovid, ProQuest, WoS-RIS)",
    "bibtex": "BibTeX/BibLaTeX (.bib) with @string macros and LaTeX accents",
    "medline": "PubMed MEDLINE/.nbib text (PMID-, TI, AB, FAU, ...)",
    "wos": "Web of Science tagged plain-text export (FN/PT/AU/TI/AB ... ER)",
    "wos-tab": "Web of Science tab-delimited export (a header row of PT, AU, TI, AB, ...)",
    "pubmed-xml": "PubMed efetch XML (<PubmedArticleSet>)",
    "endnote-xml": "EndNote XML export (<xml><records><record>)",
    "csl-json": "CSL-JSON (Zotero, Mendeley, Better BibTeX): a JSON list of items",
    "scopus-csv": "Scopus CSV export (Authors, Title, Source title, Abstract, EID, ...)",
    "csv": "CSV/TSV with a header row (Zotero, Rayyan, spreadsheets)",
    "text": "plain text, one abstract per blank-line separated paragraph",
    # Whole documents and transcripts: one record per file, keyed by the file name.
    "docx": "Word document (.docx): headings kept as sections, tables as rows",
    "odt": "OpenDocument text (.odt): headings kept as sections, tables as rows",
    "pdf": "PDF with a text layer (.pdf): one document, paragraphs from its lines",
    "markdown": "Markdown document (.md): '#' headings kept as sections",
    "html": "HTML page (.html): <h1>-<h6> headings kept as sections",
    "vtt": "WebVTT captions (.vtt): speaker turns with times (<v Name> or 'Name:')",
    "srt": "SubRip subtitles (.srt): turns with times, speakers from 'Name:' labels",
    "transcript": "text with speaker turns ('Interviewer: ...', 'P1: ...'), one document",
}

_READERS = {
    "listing": "coder.formats.seedpages:read_listing",
    "results": "coder.formats.seedpages:read_results",
    "citations": "coder.formats.seedpages:read_citations",
    "ris": "coder.formats.ris:read_ris",
    "bibtex": "coder.formats.bibtex:read_bibtex",
    "medline": "coder.formats.medline:read_medline",
    "wos": "coder.formats.medline:read_wos",
    "wos-tab": "coder.formats.csvfile:read_wos_tab",
    "pubmed-xml": "coder.formats.pubmed_xml:read_pubmed_xml",
    "endnote-xml": "coder.formats.endnote_xml:read_endnote_xml",
    "csl-json": "coder.formats.csljson:read_csl_json",
    "scopus-csv": "coder.formats.csvfile:read_csv",
    "csv": "coder.formats.csvfile:read_csv",
    "text": "coder.formats.plaintext:read_plaintext",
    "markdown": "coder.formats.documents:read_markdown",
    "html": "coder.formats.documents:read_html",
    "vtt": "coder.formats.transcripts:read_vtt",
    "srt": "coder.formats.transcripts:read_srt",
    "transcript": "coder.formats.transcripts:read_turns",
}
# Formats read from the file itself (binary), not from its decoded text.
_FILE_READERS = {
    "docx": "coder.formats.documents:read_docx",
    "odt": "coder.formats.documents:read_odt",
    "pdf": "coder.formats.documents:read_pdf",
}
# Markdown is plain text to the eye: only its name tells it apart from notes.
_BY_SUFFIX = {".md": "markdown", ".markdown": "markdown"}

# Other names a user may give to --format.
ALIASES = {"nbib": "medline", "bib": "bibtex", "biblatex": "bibtex", "tsv": "csv"}
# Readers that take a ``limit`` (the record size limit) and stop holding a record's text
# once it is over: those whose one record could be the whole file.
_LIMITED = {"text", "listing"}
MAX_RECORD_SIZE = 1_000_000  # characters of text in one record (about 1 MB)

OnError = Callable[[FormatError], None]
Reader = Callable[..., Iterator[DocumentRecord]]


@dataclass
class ReadResult:
    """What a file yielded.

    ``records`` is lazy so that a 50,000-record RIS file streams; ``problems`` (records
    left out: unreadable, empty or oversized ones) and
    ``warnings`` (records read despite something odd, bytes replaced, an encoding
    guessed) are complete once ``records`` is exhausted. ``note`` says why the format
    was chosen, when it was detected.
    """

    format: str
    records: Iterator[DocumentRecord]
    problems: list[FormatError] = field(default_factory=list)
    warnings: list[FormatError] = field(default_factory=list)
    note: str = ""


def read_text(path: Path) -> str:
    """The decoded text of ``path`` (see :mod:`coder.formats.encoding`)."""
    return _read_text(path)


def detect_format(data: str, file: str) -> str:
    """The format of ``data``, judged from its content (see :mod:`coder.formats.detect`)."""
    return _detect(data, file)


def iter_records(
    path: Path,
    fmt: str = "auto",
    strict: bool = False,
    max_record_size: int = MAX_RECORD_SIZE,
    encoding: str | None = None,
) -> ReadResult:
    """Read every record of ``path``.

    Tolerant readers report what they forgave: a record read despite an oddity gives a
    warning; a record that cannot be read (a RIS record cut off before ``ER``, a BibTeX
    entry with broken braces), an empty one or one over ``max_record_size`` characters
    is left out and listed in ``problems`` with its line, and the rest of the file is
    read: one odd record in a 5,000-record export must not cost the other 4,999.
    ``strict`` (``--strict``) makes an unreadable record raise FormatError instead, for
    a user who wants the file whole or not at all. A file of which nothing can be read
    (empty, unknown format, no abstract column, only bad records) always raises.
    """
    file = str(path)
    fmt = ALIASES.get(fmt, fmt)
    if fmt != "auto" and fmt not in FORMATS:
        raise FormatError(file, f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}")
    note = ""
    if fmt == "auto":  # issue 20: documents told apart before the text is decoded
        found = _binary_kind(Path(path)) or _BY_SUFFIX.get(Path(path).suffix.lower())
        if found is not None:
            fmt, note = found, f"read as {found}: from the file's signature or name"
    problems: list[FormatError] = []
    warnings: list[FormatError] = []

    def on_error(error: FormatError) -> None:
        if error.kind == "warning":
            warnings.append(error)
        elif error.kind == "skipped" or not strict:
            problems.append(error)
        else:
            raise error

    if fmt in _FILE_READERS:
        records = _load(_FILE_READERS[fmt])(Path(path), on_error)
        checked = _within_limit(records, file, max_record_size, on_error)
        return ReadResult(
            fmt, _at_least_one(checked, fmt, file, problems), problems, warnings, note
        )
    text, decoding = read_text_report(Path(path), encoding)
    warnings.extend(decoding)
    if fmt == "auto":
        fmt, why = explain_format(text, file)
        note = f"read as {fmt}: {why}"
    elif not text or text.isspace():
        raise FormatError(file, "file is empty")
    reader = _reader(fmt)
    if fmt in _LIMITED:
        records = reader(text, file, on_error, limit=max_record_size)
    else:
        records = reader(text, file, on_error)
    del text  # the reader holds what it still needs
    checked = _within_limit(records, file, max_record_size, on_error)
    return ReadResult(fmt, _at_least_one(checked, fmt, file, problems), problems, warnings, note)


def _within_limit(
    records: Iterator[DocumentRecord], file: str, limit: int, on_error: OnError
) -> Iterator[DocumentRecord]:
    """Records up to ``limit`` characters of text; larger ones left out and reported."""
    for record in records:
        size = sum(len(s.text) for s in record.sections)
        if size > limit:
            on_error(oversized(file, size, limit, record.line))
        else:
            yield record


def oversized(file: str, size: int, limit: int, line: int | None) -> FormatError:
    """The report of a record left out for its size."""
    return skipped(
        file,
        f"record of {size:,} characters left out: over the limit of {limit:,} (--max-record-size)",
        line,
    )


def _at_least_one(
    records: Iterator[DocumentRecord], fmt: str, file: str, problems: list[FormatError]
) -> Iterator[DocumentRecord]:
    """Pass records through; a file that yields none is an error, not a silent empty
    import: nothing in it could be read (the first record left out says where)."""
    count = 0
    for record in records:
        count += 1
        yield record
    if count == 0:
        if problems:
            first = problems[0]
            raise FormatError(
                file,
                f"nothing could be read ({len(problems)} records left out; the first: "
                f"{first.message})",
                first.line,
            )
        raise FormatError(file, f"no records found (read as {fmt}: {FORMATS[fmt]})")


def _reader(fmt: str) -> Reader:
    return _load(_READERS[fmt])


def _load(target: str) -> Callable:
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def _binary_kind(path: Path) -> str | None:
    from coder.formats.documents import binary_kind

    return binary_kind(path)


# --- helpers shared by the readers -----------------------------------------------------

_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS["sept"] = 9
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")
_COPYRIGHT = re.compile(
    r"(?:(?<=[.!?])|^)\s*(?:Copyright\s*)?(?:©|\([Cc]\)\s*(?:1[89]|20)\d\d|Copyright\s+(?:1[89]|20)\d\d)"
    r"[^\n]{0,250}$"
)
# PsycInfo's "(PsycInfo Database Record (c) 2019 APA, all rights reserved)".
_COPYRIGHT_NOTE = re.compile(
    r"(?:(?<=[.!?])|^)\s*\((?:[^()]|\([^()]*\))*(?:\([Cc]\)|©|rights reserved)(?:[^()]|\([^()]*\))*\)\s*$"
)
_MAY_HAVE_COPYRIGHT = ("©", "(c)", "(C)", "Copyright", "rights reserved")
_TYPE_WORDS = re.compile(r"(?<=[a-z])(?=[A-Z])")
_DATE_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_DATE_D_MONTH_Y = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_DATE_Y_MONTH_D = re.compile(r"\b(\d{4})\s+([A-Za-z]{3,9})\.?\s+(\d{1,2})\b")
_DATE_MONTH_D_Y = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b")


def squash(value: str | None) -> str:
    """Whitespace runs (line wraps, tabs, NBSP) to single spaces, ends trimmed."""
    return collapse_spaces(value) if value else ""


def parse_year(value: str | None) -> int | None:
    """The first plausible year in a date field ("2014//", "1990 Spring"); None for junk."""
    m = _YEAR.search(value or "")
    return int(m.group(1)) if m else None


def iso_date(year: int | None, month: int | str | None, day: int | str | None) -> str | None:
    """``yyyy-mm-dd`` when all three parts make a real date, else None (no partial dates)."""
    if year is None or month in (None, "") or day in (None, ""):
        return None
    if isinstance(month, str):
        month = _MONTHS.get(month.strip().lower().rstrip(".")) or (
            int(month) if month.strip().isdigit() else None
        )
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def parse_date(value: str | None) -> tuple[int | None, str | None]:
    """Year and ISO date from the spellings databases use.

    "22 August 2024", "2024/08/22", "2024-08-22", "2005 Mar 15", "Mar 15, 2005",
    "1948/07//" (year only).
    """
    value = squash(value)
    year = parse_year(value)
    if year is None or value.isdigit():
        return year, None  # a bare year ("2019"), as most records give it: no date in it
    m = _DATE_YMD.search(value)
    if m:
        return year, iso_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DATE_D_MONTH_Y.search(value)
    if m:
        return year, iso_date(int(m.group(3)), m.group(2), int(m.group(1)))
    m = _DATE_Y_MONTH_D.search(value)
    if m:
        return year, iso_date(int(m.group(1)), m.group(2), int(m.group(3)))
    m = _DATE_MONTH_D_Y.search(value)
    if m:
        return year, iso_date(int(m.group(3)), m.group(1), int(m.group(2)))
    return year, None


def normalise_doi(value: str | None) -> str | None:
    """The bare DOI ("10.1002/cpp.2398") from URLs, "doi:" prefixes and "[doi]" suffixes."""
    m = _DOI.search(value or "")
    if not m:
        return None
    return m.group(0).rstrip(".,;)]")


def normalise_issn(value: str | None) -> str | None:
    """The first ISSN in a field as ``1234-567X`` ("03064530 (ISSN)" -> "0306-4530")."""
    m = _ISSN.search(value or "")
    return f"{m.group(1)}-{m.group(2).upper()}" if m else None


def page_range(start: str | None, end: str | None) -> str | None:
    """A page range ("379-423") from separate start and end pages; either alone as printed."""
    start, end = squash(start), squash(end)
    if start and end and end != start and "-" not in start:
        return f"{start}-{end}"
    return start or end or None


def type_name(value: str | None) -> str | None:
    """Lower-case type words: "journalArticle" -> "journal article", "Article" -> "article"."""
    value = squash(_TYPE_WORDS.sub(" ", value or ""))
    return value.lower() or None


def _may_have_copyright(tail: str) -> bool:
    """Whether a copyright line could end here: a substring test per marker, which is
    cheaper than a regex alternation over the tail of every abstract."""
    return any(marker in tail for marker in _MAY_HAVE_COPYRIGHT)


def abstract_sections(text: str | None, newline_is_paragraph: bool = False) -> list[Section]:
    """Sections of an abstract field.

    Whitespace is tidied (hard line wraps joined, unless ``newline_is_paragraph`` says
    the source puts one paragraph per line, as spreadsheet cells do), a trailing publisher
    copyright line is dropped, and headings are split out whether inline ("BACKGROUND:
    ...", "Purpose – ...") or on a line of their own. A paragraph without a heading
    continues the section before it.
    """
    if not text:
        return []
    if "\n" in text:
        splitter = r"\n" if newline_is_paragraph else r"\n\s*\n"
        paragraphs = [p for p in (squash(x) for x in re.split(splitter, text)) if p]
    else:
        paragraphs = [p for p in (squash(text),) if p]
    if paragraphs and _may_have_copyright(paragraphs[-1][-300:]):
        paragraphs[-1] = _COPYRIGHT.sub("", _COPYRIGHT_NOTE.sub("", paragraphs[-1])).strip()
        paragraphs = [p for p in paragraphs if p]
    sections: list[Section] = []
    pending: str | None = None
    for paragraph in paragraphs:
        if is_heading(paragraph) and len(paragraphs) > 1:
            pending = tidy_heading(paragraph)
            continue
        for section in split_inline_sections(paragraph):
            if section.heading is None and pending is not None:
                section, pending = Section(pending, section.text), None
            if section.heading is None and sections:
                last = sections[-1]
                sections[-1] = Section(last.heading, f"{last.text}\n{section.text}")
            else:
                sections.append(section)
    return sections


def clean_authors(names: list[str]) -> list[str]:
    """Author names as printed, whitespace tidied, empties and duplicates dropped."""
    seen: set[str] = set()
    out = []
    for name in names:
        name = squash(name).strip(" ;,")
        if name and name not in seen:
            seen.add(name)
            out.append(name)
    return out


def split_list(value: str | None, separators: str = ";") -> list[str]:
    """Keywords or authors from one delimited field, tidied."""
    parts = re.split("[" + re.escape(separators) + "]", value or "")
    return [p for p in (squash(x) for x in parts) if p]
