"""Readers for search-result pages saved as plain text (the three seed layouts).

A page copied from a literature database mixes records with the site's own words:
result counts, navigation, field labels, download counts and the site describing
itself. None of that may become a document or leak into an abstract, because coders
would then code it. The rules here recognise site text by its *shape* (a count, a label,
a short line that is not a sentence, a paragraph about an organisation) rather than by
the exact strings of one site, so that a page saved next month still reads cleanly.

- ``listing``: plain abstracts, one per line (scite-style).
- ``results``: type / "Publication date:" / authors / teaser / Abstract / Details /
  Keywords blocks (Emerald-style).
- ``citations``: "2016 ◽" / "Vol 20 (3) ◽" / "pp. 149-152" / "Author(s):" blocks with
  optional title lines and inline-headed abstracts (Scilit/Crossref-style).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from coder.core.model import DocumentRecord, Section
from coder.core.segmenting import is_heading, split_inline_sections, tidy_heading
from coder.formats.records import (
    OnError,
    abstract_sections,
    normalise_doi,
    normalise_issn,
    oversized,
    parse_date,
    squash,
    type_name,
)

_BOX = "\u25fd"  # the "◽" separator of the citations layout
_SENTENCE_END = ".?!\u2026\"'\u201d\u2019)"

# --- site text ------------------------------------------------------------------------

_RESULT_COUNT = re.compile(
    r"^(?:showing\s+)?(?:results?\s+)?\d[\d,.]*\s*(?:[\u2013\u2014-]|to)\s*\d[\d,.]*\s+of\s+"
    r"(?:over\s+|about\s+|approx(?:\.|imately)?\s+|more than\s+)?[\d,.]+\+?(?:\s+results?)?$",
    re.IGNORECASE,
)
_NAV_WORDS = re.compile(
    r"^(?:search results?|sign in|sign up|sign out|log in|log out|register|"
    r"export(?: citations?)?(?: format)?|citation format|share(?: document| this)?|"
    r"download(?: pdf| citation)?|pdf|full text|view(?: article| abstract| pdf| more)?|"
    r"cite|save|print|email|next|previous|prev|back to top|show more|load more|more|"
    r"filter(?:s| results)?|sort by.*|page \d+(?: of \d+)?|\d+ results?|menu|home|"
    r"add to (?:list|library|favou?rites)|related articles|cited by(?: \d+)?)$",
    re.IGNORECASE,
)
_SELF_NAME = re.compile(r"^(?P<name>[\w.-]+(?: [A-Z][\w.-]*){0,2}) (?:is|was) (?:a|an|the)\b")
_ORG_WORDS = re.compile(
    r"\b(?:organi[sz]ation|company|start-?up|non-?profit|platform|website|search engine|"
    r"[A-Z]\w+-based)\b"
)
_SITE_PHRASES = (
    re.compile(r"\bhelps? (?:researchers|scientists|students|users|you|people)\b", re.I),
    re.compile(r"\bused by (?:students|researchers|scientists|millions|thousands)\b", re.I),
    re.compile(r"\b(?:funded|backed|supported) in part by\b", re.I),
    re.compile(r"\b(?:founded|launched) in (?:1[89]|20)\d\d\b", re.I),
    re.compile(r"\b(?:our|we) (?:mission|help|offer|index|provide)\b", re.I),
    re.compile(
        r"©|\ball rights reserved\b|\bcookies?\b|\bprivacy policy\b|\bterms of (?:use|service)\b",
        re.I,
    ),
)

# Words of a study report. An abstract about an app or a charity can read like a site's
# self-description; its methods and results vocabulary gives it away.
_RESEARCH_WORDS = re.compile(
    r"\b(?:this study|the study|our study|participants|patients|respondents|interviews?|"
    r"qualitative|quantitative|trial|randomi[sz]ed|methods?|results|findings|conclusions?|"
    r"significant(?:ly)?|analy[sz]ed|analysis|sample|cohort|survey(?:ed)?|we found)\b",
    re.IGNORECASE,
)


def is_site_line(line: str) -> bool:
    """A result count or navigation line ("1 – 10 of over 73000", "Sign in / Sign up")."""
    line = squash(line)
    if not line:
        return False
    if _RESULT_COUNT.match(line):
        return True
    pieces = [p.strip() for p in re.split(r"\s*[/|\u00b7\u2022]\s*", line) if p.strip()]
    return bool(pieces) and all(_NAV_WORDS.match(p) for p in pieces)


def is_self_description(paragraph: str) -> bool:
    """Whether a paragraph is the site describing itself rather than an abstract.

    Several weak signals must agree: it opens "X is a/an ..." and names X again, it calls
    itself an organisation or platform, it talks of helping researchers, of its users or
    funders, or carries legal boilerplate. Abstracts rarely score more than one, and any
    text using the words of a study report is never taken for site text.
    """
    text = squash(paragraph)
    if len({w.lower() for w in _RESEARCH_WORDS.findall(text)}) >= 2:
        return False
    score = 0
    m = _SELF_NAME.match(text)
    if m:
        score += 1
        if re.search(rf"[.!?]\s+{re.escape(m.group('name'))}\b", text):
            score += 1
    if _ORG_WORDS.search(text):
        score += 1
    score += sum(1 for pattern in _SITE_PHRASES if pattern.search(text))
    return score >= 3


def _is_sentence_text(paragraph: str) -> bool:
    """Prose a record could contain: a sentence, or at least a long run of words."""
    text = squash(paragraph)
    return text[-1:] in _SENTENCE_END or len(text.split()) > 12


def _is_edge_site_text(paragraph: str) -> bool:
    return (
        is_site_line(paragraph)
        or is_self_description(paragraph)
        or not _is_sentence_text(paragraph)
    )


# --- listing ----------------------------------------------------------------------------


def read_listing(
    text: str, file: str, on_error: OnError, limit: int | None = None
) -> Iterator[DocumentRecord]:
    """One abstract per line; site text at the top and bottom of the page is dropped.
    A line over ``limit`` characters is left out and reported."""
    lines = []
    for i, ln in enumerate(text.split("\n"), 1):
        if limit is not None and len(ln) > limit:
            on_error(oversized(file, len(ln), limit, i))
        elif ln.strip():
            lines.append((i, ln.strip()))
    lines = [(i, ln) for i, ln in lines if not is_site_line(ln)]
    while lines and _is_edge_site_text(lines[-1][1]):
        lines.pop()
    while lines and _is_edge_site_text(lines[0][1]):
        lines.pop(0)
    for number, line in lines:
        yield DocumentRecord(sections=abstract_sections(line), line=number)


# --- results ----------------------------------------------------------------------------

_PUBLICATION_DATE = re.compile(r"^Publication date:\s*(?P<date>.+)$", re.IGNORECASE)
_LABELS = {"abstract", "details", "keywords"}
_SOURCE = re.compile(
    r"^(?P<journal>.+?),\s*vol\.\s*(?P<volume>\S+?)(?:,?\s*no\.\s*(?P<issue>\S+?))?"
    r"(?:,?\s*pp\.\s*(?P<pages>\S+?))?\s*$",
    re.IGNORECASE,
)
_NOT_A_NUMBER = {"ahead-of-print", "ahead of print", "n/a", "-"}
_DOWNLOAD_COUNT = re.compile(r"^[\d,.]+[kKmM]?$")


@dataclass
class _Line:
    number: int
    text: str


def read_results(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """A database results page: each record starts with its type line, which is followed
    by "Publication date:"; everything before the first record is page header."""
    lines = [
        _Line(i, ln.strip())
        for i, ln in enumerate(text.split("\n"), 1)
        if ln.strip() and not is_site_line(ln)
    ]
    starts = [
        k
        for k in range(len(lines) - 1)
        if _PUBLICATION_DATE.match(lines[k + 1].text)
        and lines[k].text.lower() not in _LABELS
        and not _PUBLICATION_DATE.match(lines[k].text)
    ]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        yield _results_record(lines[start:end])


def _results_record(lines: list[_Line]) -> DocumentRecord:
    record = DocumentRecord(type=type_name(lines[0].text), line=lines[0].number)
    date_text = _PUBLICATION_DATE.match(lines[1].text).group("date")  # type: ignore[union-attr]
    record.year, record.date = parse_date(date_text)
    blocks: dict[str, list[str]] = {"": []}
    current = ""
    for line in lines[2:]:
        label = line.text.lower()
        if label in _LABELS and label not in blocks:
            current = label
            blocks[current] = []
        else:
            blocks[current].append(line.text)
    before = blocks[""]
    if before and _looks_like_authors(before[0]):
        record.authors = _split_authors(before.pop(0))
    teaser = [ln for ln in before if not _DOWNLOAD_COUNT.match(ln)]
    if "abstract" in blocks:
        record.sections = _headed_lines(blocks["abstract"])
    elif teaser and not teaser[-1].endswith(("\u2026", "...")):
        # A teaser is the abstract's opening; only a complete one may stand in for it.
        record.sections = abstract_sections("\n\n".join(teaser))
    _read_details(record, blocks.get("details", []))
    record.keywords = [k for k in (squash(x) for x in blocks.get("keywords", [])) if k]
    return record


def _looks_like_authors(line: str) -> bool:
    """Names, not a sentence: no final full stop or ellipsis, no digits, short parts."""
    if line[-1:] in _SENTENCE_END or any(c.isdigit() for c in line):
        return False
    parts = _split_authors(line)
    return bool(parts) and all(len(p.split()) <= 6 for p in parts)


def _split_authors(line: str) -> list[str]:
    parts = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", line)
    return [squash(p) for p in parts if squash(p)]


def _headed_lines(lines: list[str]) -> list[Section]:
    """Sections whose headings stand on their own lines ("Purpose", "Findings", ...)."""
    sections: list[Section] = []
    heading: str | None = None
    body: list[str] = []

    def flush() -> None:
        if not body:
            return
        joined = "\n".join(body)
        if heading is None and len(body) == 1:
            sections.extend(split_inline_sections(joined))
        else:
            sections.append(Section(heading, joined))
        body.clear()

    for i, line in enumerate(lines):
        if i + 1 < len(lines) and _is_heading_line(line):
            flush()
            heading = tidy_heading(line)
        else:
            body.append(squash(line))
    flush()
    return sections


def _is_heading_line(line: str) -> bool:
    if is_heading(line):
        return True
    words = line.split()
    return len(words) <= 5 and line[:1].isupper() and line[-1:] not in _SENTENCE_END + ",;:"


def _read_details(record: DocumentRecord, lines: list[str]) -> None:
    for i, line in enumerate(lines):
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "issn" and value:
            record.issn = normalise_issn(value)
        elif key == "doi" or "doi.org/" in line:
            record.doi = normalise_doi(line)
        elif key in {"type", "isbn", "eisbn", "eissn"}:
            continue
        elif i == 0:
            m = _SOURCE.match(line)
            if m:
                record.journal = squash(m.group("journal"))
                record.volume = _number(m.group("volume"))
                record.issue = _number(m.group("issue"))
                record.pages = _number(m.group("pages"))
            else:
                record.journal = squash(line)


def _number(value: str | None) -> str | None:
    value = squash(value).strip(",")
    return None if not value or value.lower() in _NOT_A_NUMBER else value


# --- citations --------------------------------------------------------------------------

_YEAR_LINE = re.compile(rf"^(?P<year>\d{{4}})\s*{_BOX}?\s*$")
_VOLUME_LINE = re.compile(
    rf"^Vol(?:ume)?\.?\s*(?P<volume>[^\s({_BOX}]+)\s*(?:\((?P<issue>[^)]*)\))?\s*{_BOX}?\s*$",
    re.IGNORECASE,
)
_PAGES_LINE = re.compile(rf"^pp?\.\s*(?P<pages>[^\s{_BOX}]+)\s*{_BOX}?\s*$", re.IGNORECASE)
_AUTHORS_LABEL = re.compile(r"^Author\(s\):\s*(?P<rest>.*)$", re.IGNORECASE)


def read_citations(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """A citation list: metadata blocks anchored on "year ◽" lines. Whatever lies between
    one record's author list and the next anchor is that record's abstract, except a
    title-like last line, which is the next record's title."""
    lines = [ln.strip() for ln in text.split("\n")]
    anchors = [i for i in range(len(lines)) if _is_anchor(lines, i)]
    previous: DocumentRecord | None = None
    meta_end = 0
    for anchor in anchors:
        gap = _paragraphs(lines, meta_end, anchor)
        title = _take_title(gap)
        if previous is not None:
            previous.sections = _gap_abstract(gap)
            yield previous
        previous, meta_end = _citation_meta(lines, anchor)
        if title:
            previous.line, previous.title = title
    if previous is not None:
        previous.sections = _gap_abstract(_paragraphs(lines, meta_end, len(lines)))
        yield previous


def _is_anchor(lines: list[str], i: int) -> bool:
    m = _YEAR_LINE.match(lines[i])
    if not m:
        return False
    if _BOX in lines[i]:
        return True
    following = next((ln for ln in lines[i + 1 :] if ln), "")
    return bool(
        _VOLUME_LINE.match(following)
        or _PAGES_LINE.match(following)
        or _AUTHORS_LABEL.match(following)
    )


def _citation_meta(lines: list[str], anchor: int) -> tuple[DocumentRecord, int]:
    """The record's year, volume, pages and authors; returns where its metadata ends."""
    record = DocumentRecord(year=int(lines[anchor][:4]), line=anchor + 1)
    i = anchor + 1
    while i < len(lines):
        line = lines[i]
        if m := _VOLUME_LINE.match(line):
            record.volume = m.group("volume")
            record.issue = squash(m.group("issue")) or None
        elif m := _PAGES_LINE.match(line):
            record.pages = m.group("pages")
        elif m := _AUTHORS_LABEL.match(line):
            record.authors = _box_names(m.group("rest"))
            i += 1
            while i < len(lines) and lines[i] and _is_author_line(lines, i):
                record.authors += _box_names(lines[i])
                i += 1
            return record, i
        else:
            return record, i
        i += 1
    return record, i


def _is_author_line(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _is_anchor(lines, i):
        return False
    name = line.rstrip(f" {_BOX}")
    return name in {"...", "\u2026"} or (len(name.split()) <= 6 and name[-1:] not in ".?!:")


def _box_names(line: str) -> list[str]:
    """Names from a "◽"-separated line; the "..." that marks a cut list is not a name."""
    names = [squash(p) for p in line.split(_BOX)]
    return [n for n in names if n and n.strip(".\u2026 ")]


def _paragraphs(lines: list[str], start: int, end: int) -> list[tuple[int, str]]:
    """Blank-line separated paragraphs of lines[start:end] with their 1-based first line."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    first = start
    for i in range(start, end):
        if lines[i]:
            if not buf:
                first = i
            buf.append(lines[i])
        elif buf:
            out.append((first + 1, " ".join(buf)))
            buf = []
    if buf:
        out.append((first + 1, " ".join(buf)))
    return [(n, p) for n, p in out if not is_site_line(p)]


def _take_title(gap: list[tuple[int, str]]) -> tuple[int, str] | None:
    """Pop the gap's last paragraph if it reads as a title of the record that follows."""
    if not gap:
        return None
    number, paragraph = gap[-1]
    words = paragraph.split()
    if (
        2 <= len(words) <= 30
        and paragraph[-1:] not in ".\u2026"
        and not is_self_description(paragraph)
    ):
        gap.pop()
        return number, squash(paragraph)
    return None


def _gap_abstract(gap: list[tuple[int, str]]) -> list[Section]:
    body = [p for _, p in gap if _is_sentence_text(p) and not is_self_description(p)]
    return abstract_sections("\n\n".join(body))
