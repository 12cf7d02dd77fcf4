"""Recognising an export's format from its content.

File names lie (".txt" is RIS from PubMed via EndNote, WoS and MEDLINE alike), so the
decision rests on what the text looks like: tagged lines, "@entry{", XML roots, a CSV
header, the three seed page layouts, and finally prose.

Every decision comes with its reason (``explain_format``), which the import report shows:
a reviewer whose one-sentence-per-line notes were read one way or another can see why
and give ``--format`` if the guess was wrong. The fall-back decisions look at a sample
of the file, so a 200 MB file of prose is never copied or split whole just to be named.
"""

from __future__ import annotations

import csv
import io
import re
from itertools import islice

from coder.formats.errors import FormatError

# Order matters: the tagged formats are unmistakable, the page layouts are specific, CSV
# and prose are the fall-backs.
KNOWN = (
    "listing",
    "results",
    "citations",
    "ris",
    "bibtex",
    "medline",
    "wos",
    "wos-tab",
    "pubmed-xml",
    "endnote-xml",
    "csl-json",
    "scopus-csv",
    "csv",
    "text",
)
SAMPLE = 200_000  # characters the fall-back decisions look at

_RIS = re.compile(r"^TY  -", re.MULTILINE)
_WOS = re.compile(r"^(?:FN |VR |PT [A-Z]\b)", re.MULTILINE)
_WOS_END = re.compile(r"^ER\s*$", re.MULTILINE)
_MEDLINE = re.compile(r"^PMID- ?\d+", re.MULTILINE)
_BIBTEX = re.compile(r"^[ \t]*@[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
_PUBDATE = re.compile(r"^Publication date: .*\d{4}\s*$", re.MULTILINE)
_RESULTS_LABEL = re.compile(r"^(?:Abstract|Details|Keywords)\s*$", re.MULTILINE)
_CITATION_YEAR = re.compile(r"^\d{4} ?\u25fd\s*$", re.MULTILINE)
_CITATION_AUTHORS = re.compile(r"^Author\(s\):\s*$", re.MULTILINE)
_HEADER_HINTS = re.compile(
    r"abstract|title|author|year|doi|journal|source|keyword|issn|volume|summary", re.IGNORECASE
)
_SENTENCE_END = ".?!\u2026\"'\u201d\u2019)"
_INNER_SENTENCE = re.compile(r"[a-z0-9)\]%][.?!]\s+[A-Z]")
_WOS_TAB_HEADER = re.compile(r"^(?:PT|FN)\t(?:[A-Z][A-Z0-9]\t)*")
_CSL_KEYS = re.compile(r'"(?:type|title|container-title|issued|author)"\s*:')
_SCOPUS_COLUMNS = ("EID", "Source title", "Link")


def detect_format(data: str, file: str) -> str:
    """The format name of ``data``; FormatError saying why when nothing fits."""
    return explain_format(data, file)[0]


def explain_format(data: str, file: str) -> tuple[str, str]:
    """The format name of ``data`` and why it was chosen; FormatError saying why when
    nothing fits."""
    if "\x00" in data[:SAMPLE]:
        raise FormatError(file, "binary file (it contains NUL bytes), not a text export")
    first = re.search(r"\S", data)
    if first is None:
        raise FormatError(file, "file is empty")
    if data[first.start()] == "<":
        return _xml_kind(data[first.start() : first.start() + 5000], file)
    if _has(data, "TY  -", _RIS):
        return "ris", "it has RIS 'TY  -' lines"
    if _has(data, "PMID-", _MEDLINE):
        return "medline", "it has MEDLINE 'PMID-' lines"
    head = data[first.start() : first.start() + 5000]
    if _WOS_TAB_HEADER.match(head) and all(f"\t{t}\t" in head for t in ("TI", "AB")):
        return "wos-tab", "its header row holds Web of Science tags (PT, TI, AB, ...)"
    if _has(data, ("FN ", "VR ", "PT "), _WOS) and _WOS_END.search(data):
        return "wos", "it has Web of Science 'PT'/'ER' tagged records"
    if _has(data, "@", _BIBTEX):
        return "bibtex", "it has '@type{' entries"
    if _has(data, "Publication date:", _PUBDATE) and _RESULTS_LABEL.search(data):
        return "results", "it has 'Publication date:' lines with Abstract/Details blocks"
    if _has(data, "\u25fd", _CITATION_YEAR) and _CITATION_AUTHORS.search(data):
        return "citations", "it has 'year ◽' and 'Author(s):' lines"
    if data[first.start()] in "{[":
        if data[first.start()] == "[" and _CSL_KEYS.search(head):
            return "csl-json", "it is a JSON list of items with CSL keys (type, title, issued)"
        _unknown(file, "it looks like JSON, but not a CSL-JSON list of items")
    sample = data[first.start() : first.start() + SAMPLE].rstrip()
    if _looks_like_csv(sample):
        header = sample.split("\n", 1)[0]
        if all(column in header for column in _SCOPUS_COLUMNS):
            return "scopus-csv", "its header row is Scopus's (EID, Source title, Link)"
        return "csv", "its first row is a header of column names"
    if first.start() + SAMPLE < len(data):
        sample = sample[: sample.rfind("\n") + 1] or sample  # whole lines only
    paragraphs = [p for p in re.split(r"\n\s*\n", sample) if p.strip()]
    if not any(_is_prose(p) for p in paragraphs):
        _unknown(file, "no tagged records, no CSV header and no paragraph of prose")
    lines = [ln.strip() for ln in sample.split("\n") if ln.strip()]
    if len(paragraphs) == 1 and len(lines) >= 2:
        if _one_abstract_per_line(lines):
            return (
                "listing",
                "each line is a long passage of several sentences: one abstract a line",
            )
        return "text", (
            "one block of lines that are not each an abstract of several sentences "
            "(one sentence a line is prose, not a listing): read as paragraphs"
        )
    return "text", "prose in blank-line separated paragraphs"


def _has(data: str, literal: str | tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    """``pattern.search(data)``, after a substring test that rules most files out at
    memchr speed: a line-anchored regex tries every position of a 200 MB file."""
    literals = (literal,) if isinstance(literal, str) else literal
    return any(lit in data for lit in literals) and pattern.search(data) is not None


def _xml_kind(stripped: str, file: str) -> tuple[str, str]:
    head = stripped[:5000]
    if "<PubmedArticleSet" in head or "<PubmedArticle" in head or "<PubmedBookArticle" in head:
        return "pubmed-xml", "its XML root is <PubmedArticleSet>"
    if re.search(r"<xml>\s*<records>|<records>\s*<record>", head):
        return "endnote-xml", "its XML is <xml><records><record> as EndNote writes it"
    if re.match(r"<(?:!DOCTYPE\s+html|html)\b", head, re.IGNORECASE):
        _unknown(file, "it is an HTML page; save the results as plain text or export RIS")
    _unknown(file, "XML, but not PubMed efetch XML (<PubmedArticleSet>) or EndNote XML")
    raise AssertionError("unreachable")


def _unknown(file: str, why: str) -> None:
    raise FormatError(file, f"not a recognised format ({why}); known formats: {', '.join(KNOWN)}")


def _looks_like_csv(stripped: str) -> bool:
    """A header row of short names, one of them bibliographic, then rows of that width."""
    sample = stripped[:50000]
    first_line = sample.split("\n", 1)[0]
    for delimiter in [d for d in (",", "\t", ";", "|") if d in first_line]:
        rows = list(islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 11))
        header = [h.strip() for h in rows[0]]
        if len(header) < 2 or not all(0 < len(h) <= 40 and len(h.split()) <= 5 for h in header):
            continue
        # A sentence is not a header row; an abbreviation ("Art. No.") may end in a dot.
        sentence_like = sum(h[-1] in ".?!" for h in header) > len(header) // 4
        if not any(_HEADER_HINTS.search(h) for h in header) or sentence_like:
            continue
        body = rows[1:-1] if len(rows) > 2 else rows[1:]  # the last sampled row may be cut
        if all(len(row) >= len(header) - 1 for row in body if any(row)):
            return True
    return False


def _is_prose(paragraph: str) -> bool:
    words = paragraph.split()
    if len(words) < 10:
        return False
    visible = [c for c in paragraph if not c.isspace()]
    letters = sum(c.isalpha() for c in visible)
    return letters / len(visible) >= 0.6


def _one_abstract_per_line(lines: list[str]) -> bool:
    """Long lines that each end a sentence: abstracts pasted one per line, not wrapped text."""
    filled = [ln for ln in lines if ln]
    long_lines = [ln for ln in filled if len(ln) >= 100 and ln[-1] in _SENTENCE_END]
    if len(long_lines) < 2 or len(long_lines) < 0.6 * len(filled):
        return False
    # Abstracts mostly run to several sentences; in prose written one sentence a line,
    # next to no line holds two.
    several = [ln for ln in long_lines if _INNER_SENTENCE.search(ln)]
    return len(several) >= max(1, len(long_lines) / 3)
