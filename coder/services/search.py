"""Search and code: find segments by words, a phrase or a regular expression (optionally
fuzzy), to code every hit in one step."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from rapidfuzz import fuzz

from coder.services.coding import UnitRef
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q

SNIPPET = 60


@dataclass
class Hit:
    ref: UnitRef
    heading: str | None
    text: str
    match_start: int  # offset of the match within ``text``
    match_end: int

    @property
    def snippet(self) -> str:
        start = max(0, self.match_start - SNIPPET)
        end = min(len(self.text), self.match_end + SNIPPET)
        prefix = "…" if start else ""
        suffix = "…" if end < len(self.text) else ""
        return prefix + " ".join(self.text[start:end].split()) + suffix


def _terms(query: str) -> list[str]:
    try:
        return [t for t in shlex.split(query) if t.strip()]
    except ValueError:
        return query.split()


def search_segments(
    ws: Workspace, query: str, regex: bool = False, fuzzy: bool = False, limit: int | None = None
) -> list[Hit]:
    """Every reading unit that matches: all terms (words or quoted phrases) present, or the
    regular expression found. Case-insensitive. Fuzzy lets a term match a near word."""
    query = query.strip()
    if not query:
        raise ServiceError("the search query is empty")
    if regex:
        try:
            pattern = re.compile(query, re.IGNORECASE)
        except re.error as exc:
            raise ServiceError(f"not a valid regular expression: {exc}") from exc
        terms: list[str] = []
    else:
        terms = [t.lower() for t in _terms(query)]
        pattern = None
    hits: list[Hit] = []
    prefilter = [] if (regex or fuzzy) else terms
    with ws.read() as session:
        for key, text, units in q.iter_units_with_text(session, ws.project.id, like=prefilter):
            for unit in units:
                seg_text = text[unit.start : unit.end]
                found = _match(seg_text, pattern, terms, fuzzy)
                if found is not None:
                    ref = UnitRef(key, unit.ordinal, segment=unit.id)
                    hits.append(Hit(ref, unit.heading, seg_text, *found))
                    if limit and len(hits) >= limit:
                        return hits
    return hits


_WORDS = re.compile(r"\w+")
FUZZY_CUTOFF = 80


def _fuzzy_find(term: str, text: str) -> tuple[int, int] | None:
    """The best run of as many words as the term has, if it is close enough (typos)."""
    size = max(1, len(term.split()))
    words = list(_WORDS.finditer(text))
    best: tuple[float, int, int] | None = None
    for i in range(len(words) - size + 1):
        start, end = words[i].start(), words[i + size - 1].end()
        score = fuzz.ratio(term, text[start:end])
        if score >= FUZZY_CUTOFF and (best is None or score > best[0]):
            best = (score, start, end)
    return (best[1], best[2]) if best else None


def _match(
    text: str, pattern: re.Pattern | None, terms: list[str], fuzzy: bool
) -> tuple[int, int] | None:
    if pattern is not None:
        m = pattern.search(text)
        return (m.start(), m.end()) if m else None
    lower = text.lower()
    first: tuple[int, int] | None = None
    for term in terms:
        pos = lower.find(term)
        if pos >= 0:
            span = (pos, pos + len(term))
        elif fuzzy:
            found = _fuzzy_find(term, lower)
            if found is None:
                return None
            span = found
        else:
            return None
        if first is None or span[0] < first[0]:
            first = span
    return first
