"""Cutting abstracts into headed sections and reading units (sentences, paragraphs).

Coders tag units, and a unit that starts mid-sentence or swallows the next sentence
makes every coding on it wrong, so the sentence splitter errs on the side of *not*
breaking at full stops that belong to abbreviations, initials and citations.

Offsets are Unicode code points into the document text, which is always
``"\\n\\n".join(section texts)`` so that a span found here means the same thing in the
store, the TUI and the exporters.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from coder.core.model import Section, SegmentSpan

MODES = ("sentence", "section", "paragraph", "whole", "turn")

# Tokens before a full stop that never end a sentence ("e.g. The" is rare; "et al. (2019)"
# and "J. Smith" are common).
_NEVER_BREAK = {"e.g", "i.e", "al", "vs", "cf", "viz", "approx", "ca", "resp", "incl", "n.b"}
# Titles are always followed by a name.
_TITLES = {"dr", "mr", "mrs", "ms", "prof", "st", "mt", "rev", "hon", "sgt", "capt"}
# Abbreviations that end sentences too ("for 30 min. Results"), so they only hold when a
# number follows ("No. 5", "pp. 81", "Fig. 2").
_BEFORE_NUMBER = {"no", "nos", "p", "pp", "vol", "vols", "fig", "figs", "eq", "eqs", "ref"}
_BEFORE_NUMBER |= {"refs", "sec", "ch", "para", "min", "max", "art", "n"}

_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*")
_WORD_BEFORE = re.compile(r"([\w.]*\w)\.$")
_OPENERS = "\"'\u201c\u2018([\u00ab"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in ``text``, trimmed of surrounding whitespace.

    Line breaks always end a sentence: readers keep hard line breaks only where the
    source had separate paragraphs or lines.
    """
    spans: list[tuple[int, int]] = []
    for block in re.finditer(r"[^\n]+", text):
        start = block.start()
        for cut in _boundaries(block.group(), block.start()):
            _add_trimmed(spans, text, start, cut)
            start = cut
        _add_trimmed(spans, text, start, block.end())
    return spans


def _boundaries(line: str, offset: int) -> list[int]:
    """Offsets (into the whole text) just after each sentence-final punctuation run."""
    cuts = []
    for m in _END.finditer(line):
        end = m.end()
        if end >= len(line) or not line[end].isspace():
            continue  # "3.5", "U.K.-based", "unknown.Methods" (the latter is a heading case)
        nxt = line[end : end + 40].lstrip()
        if not nxt or not _starts_sentence(nxt):
            continue
        punctuation = m.group()
        if (
            punctuation[0] == "."
            and punctuation.rstrip("\"'\u201d\u2019)]") == "."
            and _abbreviation(line[max(0, m.start() - 40) : m.start() + 1], nxt)
        ):
            continue
        cuts.append(offset + end)
    return cuts


def _starts_sentence(nxt: str) -> bool:
    first = nxt[0]
    if first.isupper() or first.isdigit():
        return True
    if first in _OPENERS:
        inner = nxt[1:].lstrip(_OPENERS)
        return bool(inner) and (inner[0].isupper() or inner[0].isdigit())
    return False


def _abbreviation(upto_stop: str, nxt: str) -> bool:
    """Whether the full stop ending ``upto_stop`` belongs to an abbreviation or initial."""
    m = _WORD_BEFORE.search(upto_stop)
    if not m:
        return False
    word = m.group(1)
    if len(word) == 1 and word.isupper():
        return True  # an initial: "J. Smith", "John Q. Hodges"
    low = word.lower()
    if low in _NEVER_BREAK or low in _TITLES:
        return True
    return low in _BEFORE_NUMBER and nxt[0].isdigit()


def _add_trimmed(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def segment_text(record_sections: list[Section], mode: str) -> tuple[str, list[SegmentSpan]]:
    """The document text and its reading units, in reading order, each with its heading.

    ``mode`` is how finely the reviewer wants to code: by sentence, by section, by
    paragraph (line), the whole abstract as one unit, or by turn (a transcript's speaker
    turns; a document without speakers goes by paragraph).
    """
    text, spans = segment_spans(record_sections, mode)
    return text, [SegmentSpan(a, b, heading) for a, b, heading in spans]


def segment_spans(
    record_sections: list[Section], mode: str
) -> tuple[str, list[tuple[int, int, str | None]]]:
    """``segment_text`` with each unit as a ``(start, end, heading)`` tuple: an import
    makes a dozen units a record and writes them straight out as rows, so it skips the
    frozen dataclass, whose construction costs more than the tuple it holds."""
    if mode not in MODES:
        raise ValueError(f"unknown segmenting mode {mode!r}; use one of {', '.join(MODES)}")
    sections = [s for s in record_sections if s.text]
    text = "\n\n".join(s.text for s in sections)
    if mode == "whole":
        spans: list[tuple[int, int]] = []
        _add_trimmed(spans, text, 0, len(text))
        heading = sections[0].heading if len(sections) == 1 else None
        return text, [(a, b, heading) for a, b in spans]
    result: list[tuple[int, int, str | None]] = []
    offset = 0
    for section in sections:
        skip = section.label_length if section.speaker is not None else 0
        body = section.text[skip:] if skip else section.text
        if mode == "sentence":
            local = split_sentences(body)
        elif mode == "paragraph" or (mode == "turn" and section.speaker is None):
            local = []
            for m in re.finditer(r"[^\n]+", body):
                _add_trimmed(local, body, m.start(), m.end())
        else:
            local = []
            _add_trimmed(local, body, 0, len(body))
        heading = section.heading
        start = offset + skip
        result.extend([(start + a, start + b, heading) for a, b in local])
        offset += len(section.text) + 2
    return text, result


Turn = tuple[str | None, int | None, int | None]


def span_turns(
    record_sections: list[Section], spans: list[tuple[int, int, str | None]]
) -> list[Turn] | None:
    """The speaker and times (``(speaker, start_ms, end_ms)``) of the turn each span lies
    in, for spans from ``segment_spans`` of the same sections; None when no section has a
    speaker or a time (every abstract), so the import's hot path pays one scan."""
    sections = [s for s in record_sections if s.text]
    if not any(s.speaker is not None or s.start_ms is not None for s in sections):
        return None
    ends: list[int] = []
    offset = 0
    for section in sections:
        offset += len(section.text)
        ends.append(offset)
        offset += 2
    out: list[Turn] = []
    i = 0
    for start, _end, _heading in spans:
        while i < len(ends) - 1 and start >= ends[i]:
            i += 1
        s = sections[i]
        out.append((s.speaker, s.start_ms, s.end_ms))
    return out


# --- headed sections written inline ("Background: ... Methods: ...") -----------------

# Headings of structured abstracts (IMRaD, CONSORT/PRISMA-style, Emerald's). Matched
# case-insensitively but must start with a capital, so "results:" mid-sentence stays text.
_PHRASES = [
    "background",
    "aim",
    "aims",
    "aim of the study",
    "aims and objectives",
    "objective",
    "objectives",
    "purpose",
    "purposes",
    "introduction",
    "context",
    "rationale",
    "hypothesis",
    "goal",
    "goals",
    "question",
    "questions",
    "problem",
    "method",
    "methods",
    "methodology",
    "design",
    "study design",
    "setting",
    "settings",
    "participants",
    "patients",
    "subjects",
    "sample",
    "population",
    "interventions",
    "intervention",
    "measures",
    "main outcome measures",
    "main outcomes and measures",
    "outcome",
    "outcomes",
    "outcome measures",
    "exposure",
    "exposures",
    "analysis",
    "data sources",
    "study selection",
    "data extraction",
    "data synthesis",
    "eligibility criteria",
    "evidence acquisition",
    "evidence synthesis",
    "materials and methods",
    "methods and materials",
    "methods and findings",
    "methods and results",
    "design and methods",
    "design and setting",
    "design, setting, and participants",
    "setting and participants",
    "case presentation",
    "case description",
    "case report",
    "results",
    "findings",
    "key findings",
    "discussion",
    "conclusion",
    "conclusions",
    "conclusions and relevance",
    "conclusion and implications",
    "implications",
    "implications for practice",
    "clinical implications",
    "practical implications",
    "social implications",
    "policy implications",
    "research limitations/implications",
    "limitations",
    "strengths and limitations",
    "originality/value",
    "value",
    "design/methodology/approach",
    "approach",
    "significance",
    "relevance",
    "importance",
    "impact",
    "interpretation",
    "summary",
    "trial registration",
    "registration",
    "funding",
    "level of evidence",
    "levels of evidence",
    "recommendations",
    "lessons learned",
    "experimental design",
    "clinical relevance",
]


def _phrase_pattern(phrase: str) -> str:
    parts = re.split(r"(\s+|/|,)", phrase)
    out = []
    for part in parts:
        if part == "/":
            out.append(r"\s*/\s*")
        elif part == ",":
            out.append(r",")
        elif part.isspace():
            out.append(r"\s+")
        elif part:
            out.append(re.escape(part))
    return "".join(out)


_KNOWN = "|".join(_phrase_pattern(p) for p in sorted(_PHRASES, key=len, reverse=True))
_CAPS = r"[A-Z][A-Z]{2,}(?:(?:\s+|\s*[,/&]\s*)[A-Z]{2,})*"
_KNOWN_FULL = re.compile(rf"(?i:{_KNOWN})")
# Separators are rare, so the scan looks for them and then for a heading just before
# each one, instead of trying the long heading alternation at every character.
_SEPARATORS = ":\u2013\u2014-"
_HEADING_START = r"(?:^|(?<=[\s.?!)\]\u201d\u2019\"']))"
_HEADING_BEFORE = re.compile(rf"{_HEADING_START}(?P<h>(?i:{_KNOWN})|{_CAPS})$")


def _last_word(phrase: str) -> str:
    return re.split(r"[\s/,]+", phrase)[-1]


# A heading before a separator ends in the word that ends the text before it: a known
# phrase's last word or an all-caps word. Looking that word up first skips most colons
# and dashes at once, and the search that remains tries only the phrases ending in it
# (plus all caps), not the whole alternation at each of the 64 characters before.
_BEFORE_BY_LAST_WORD = {
    word: re.compile(
        rf"{_HEADING_START}(?P<h>(?i:"
        + "|".join(
            _phrase_pattern(p)
            for p in sorted(_PHRASES, key=len, reverse=True)
            if _last_word(p) == word
        )
        + rf")|{_CAPS})$"
    )
    for word in {_last_word(p) for p in _PHRASES}
}
_CAPS_BEFORE = re.compile(rf"{_HEADING_START}(?P<h>{_CAPS})$")
_LONGEST_HEADING = 64
# Headings pasted without punctuation ("Background The Millennium ... Methods We ...") or
# with a full stop ("BACKGROUND. The ..."), as Crossref and Embase deliver them. Trusted
# only when the text opens with one and has at least two.
_BARE = re.compile(rf"(?P<h>(?i:{_KNOWN}))(?P<sep>\.?[ \t]+)(?=[A-Z\d])")
_SENTENCE_GAP = re.compile(r"[.?!][\"'\u201d\u2019)\]]*\s+")
_LEADING_ABSTRACT = re.compile(r"^\s*abstract\b\s*[:.\u2013\u2014-]?\s*(?=\S)", re.IGNORECASE)


class _Hit(NamedTuple):
    """A heading found in running text."""

    start: int  # first character of the heading
    body: int  # first character of the section text after the separator
    heading: str
    separator: str


def is_heading(line: str) -> bool:
    """Whether a whole line is a known structured-abstract heading ("Findings")."""
    return bool(_KNOWN_FULL.fullmatch(line.strip().rstrip(":")))


@lru_cache(maxsize=4096)
def tidy_heading(heading: str) -> str:
    """One spelling per heading: spaces collapsed, ALL CAPS turned to sentence case.
    Cached: an import meets the same few dozen headings in every structured abstract."""
    heading = re.sub(r"\s+", " ", heading.strip().rstrip(":").strip())
    heading = re.sub(r"\s*/\s*", "/", heading)
    if heading.isupper():
        heading = heading[:1] + heading[1:].lower()
    return heading


def strip_abstract_label(text: str) -> str:
    """Drop a leading "Abstract" label that some databases paste before the text."""
    return _LEADING_ABSTRACT.sub("", text, count=1)


def split_inline_sections(text: str) -> list[Section]:
    """Sections of an abstract whose headings are written inline.

    Handles "Background: ... Methods: ..." (also without a space after the full stop, as
    scraped pages have), MEDLINE's "BACKGROUND: ..." and Emerald's "Purpose – ...". A
    single heading counts only at the very start, so a stray "Results:" in an unstructured
    abstract does not cut it. Text without headings comes back as one unheaded section.
    """
    text = strip_abstract_label(text.strip())
    if not text:
        return []
    hits = [h for h in _separated(text) if _heading_context(text, h)]
    if len(hits) < 2:
        hits = [h for h in hits if h.start == 0 and _KNOWN_FULL.fullmatch(h.heading)]
    if not hits:
        bare = [h for h in _bare(text) if _heading_context(text, h, bare=True)]
        if len(bare) >= 2 and bare[0].start == 0:
            hits = bare
    if not hits:
        return [Section(None, text)]
    sections = []
    lead = text[: hits[0].start].strip()
    if lead:
        sections.append(Section(None, lead))
    for i, hit in enumerate(hits):
        end = hits[i + 1].start if i + 1 < len(hits) else len(text)
        body = text[hit.body : end].strip()
        if body:
            sections.append(Section(tidy_heading(hit.heading), body))
    return sections


def _separated(text: str) -> list[_Hit]:
    """Headings followed by a colon ("Methods: ...") or a spaced dash ("Purpose – ...")."""
    hits: list[_Hit] = []
    floor = 0
    for at in _separator_positions(text):
        start, end = at, at + 1
        while start > floor and text[start - 1] in " \t":
            start -= 1
        if text[at] != ":" and (start == at or end >= len(text) or text[end] not in " \t"):
            continue  # a hyphen inside a word ("one-to-one") is no separator
        while end < len(text) and text[end] in " \t":
            end += 1
        if end >= len(text) or text[end].isspace():
            continue
        pattern = _heading_pattern(text, start)
        if pattern is None:
            continue
        m = pattern.search(text, max(floor, start - _LONGEST_HEADING), start)
        if m:
            hits.append(_Hit(m.start(), end, m.group("h"), text[start:end]))
            floor = end
    return hits


def _separator_positions(text: str) -> list[int]:
    """Where the separator characters are, in text order. ``str.find`` per character
    scans several times faster than a regex character class, and a dash that cannot
    occur in the text (an en dash in pure ASCII) costs nothing."""
    found = []
    for char in _SEPARATORS:
        at = text.find(char)
        while at >= 0:
            found.append(at)
            at = text.find(char, at + 1)
    found.sort()
    return found


def _heading_pattern(text: str, end: int) -> re.Pattern[str] | None:
    """The search for a heading ending at ``end``, narrowed by the word that ends there;
    None when no heading can end there. Any heading's last word is a whole run of letters
    (a space, "/", "," or the heading's own start comes before it), so the run of letters
    before ``end`` (or before a newline there, which the search's "$" also allows) is that
    word. Runs with other than ASCII letters, which a case-insensitive match may still
    equate with a phrase ("ſ" is "s"), get the full search."""
    if end and text[end - 1] == "\n":
        end -= 1  # the search's "$" also matches before a newline that ends the text
    begin, limit = end, max(0, end - _LONGEST_HEADING - 1)
    while begin > limit and text[begin - 1].isalpha():
        begin -= 1
    word = text[begin:end]
    if not word or (begin == limit > 0):
        return None  # no word, or one longer than any heading could be
    if not word.isascii():
        return _HEADING_BEFORE
    pattern = _BEFORE_BY_LAST_WORD.get(word.lower())
    if pattern is not None:
        return pattern
    return _CAPS_BEFORE if len(word) >= 2 and word.isupper() else None


def _bare(text: str) -> list[_Hit]:
    """Known headings followed by a space (or full stop) at the start of sentences."""
    starts = [0, *(m.end() for m in _SENTENCE_GAP.finditer(text))]
    hits = []
    for start in starts:
        m = _BARE.match(text, start)
        if m:
            hits.append(_Hit(start, m.end(), m.group("h"), m.group("sep")))
    return hits


def _heading_context(text: str, hit: _Hit, bare: bool = False) -> bool:
    """A heading starts the text, follows a sentence end, or (dash form) follows a space.
    A bare heading must also be a capitalised word or all caps, not "Design Thinking"."""
    h = hit.heading
    if not h[0].isupper() or (bare and not (h.isupper() or h[1:] == h[1:].lower())):
        return False
    if hit.start == 0:
        return True
    prev = text[hit.start - 1]
    if prev.isalnum():
        return False
    before = text[max(0, hit.start - 20) : hit.start].rstrip()
    if before and before[-1] in ".?!)]\u201d\u2019\"'":
        return True
    dash = ":" not in hit.separator
    return not bare and dash and prev.isspace() and bool(_KNOWN_FULL.fullmatch(h))
