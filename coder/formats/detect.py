"""Recognising an export's format from its content.

File names lie (".txt" is RIS from PubMed via EndNote, WoS and MEDLINE alike), so the
decision rests on what the text looks like: tagged lines, "@entry{", XML roots, a CSV
header, the three seed page layouts, and finally prose.
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
    "pubmed-xml",
    "csv",
    "text",
    # documents and transcripts (issue 20); docx/odt/pdf/markdown are told apart by
    # formats.records before the text is decoded
    "html",
    "vtt",
    "srt",
    "transcript",
)

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


def detect_format(data: str, file: str) -> str:
    """The format name of ``data``; FormatError saying why when nothing fits."""
    if "\x00" in data:
        raise FormatError(file, "binary file (it contains NUL bytes), not a text export")
    first = re.search(r"\S", data)
    if first is None:
        raise FormatError(file, "file is empty")
    if data[first.start()] == "<":
        return _xml_kind(data[first.start() : first.start() + 5000], file)
    if data.startswith("WEBVTT", first.start()):  # issue 20: caption files
        return "vtt"
    if _SRT_CUE.match(data, first.start()):
        return "srt"
    if _RIS.search(data):
        return "ris"
    if _MEDLINE.search(data):
        return "medline"
    if _WOS.search(data) and _WOS_END.search(data):
        return "wos"
    if _BIBTEX.search(data):
        return "bibtex"
    if _PUBDATE.search(data) and _RESULTS_LABEL.search(data):
        return "results"
    if _CITATION_YEAR.search(data) and _CITATION_AUTHORS.search(data):
        return "citations"
    if data[first.start()] in "{[":
        _unknown(file, "it looks like JSON")
    if _looks_like_transcript(data):  # issue 20: after the tagged formats, before CSV
        return "transcript"
    stripped = data.strip()  # only small, unrecognised files get this far
    if _looks_like_csv(stripped):
        return "csv"
    paragraphs = [p for p in re.split(r"\n\s*\n", stripped) if p.strip()]
    if not any(_is_prose(p) for p in paragraphs):
        _unknown(file, "no tagged records, no CSV header and no paragraph of prose")
    lines = [ln.strip() for ln in stripped.split("\n")]
    if len(paragraphs) == 1 and len(lines) >= 2 and _one_abstract_per_line(lines):
        return "listing"
    return "text"


def _xml_kind(stripped: str, file: str) -> str:
    head = stripped[:5000]
    if "<PubmedArticleSet" in head or "<PubmedArticle" in head or "<PubmedBookArticle" in head:
        return "pubmed-xml"
    if re.match(r"<(?:!DOCTYPE\s+html|html)\b", head, re.IGNORECASE):
        return "html"  # a page as one document (issue 20)
    _unknown(file, "XML, but not PubMed efetch XML (no <PubmedArticleSet>)")
    raise AssertionError("unreachable")


# --- transcripts (issue 20) -------------------------------------------------------------

_SRT_CUE = re.compile(r"\d+[ \t]*\n\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")


def _looks_like_transcript(data: str) -> bool:
    """Lines opening with speaker labels ("Interviewer: ...", "P1: ...")."""
    from coder.formats.transcripts import looks_like_turns

    return looks_like_turns(data[:200_000].split("\n"))


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
        if not any(_HEADER_HINTS.search(h) for h in header) or any(h[-1] in ".?!" for h in header):
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
    return len(long_lines) >= 2 and len(long_lines) >= 0.6 * len(filled)
