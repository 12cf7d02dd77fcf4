"""Word frequencies and keyword-in-context over texts, for reading the data set (phase 1)
and a theme's extracts (phase 4) from another angle.

Pure functions over strings: the services feed them texts streamed from the store.
Words are runs of letters (apostrophes and hyphens inside a word kept: "don't",
"peer-led"), compared in lower case; numbers are not words here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")


def words(text: str) -> list[str]:
    """The words of ``text`` in lower case."""
    return [w.lower().replace("\u2019", "'") for w in _WORD.findall(text)]


def parse_stopwords(text: str) -> set[str]:
    """A stop-word list: one word a line, blank lines and ``#`` comments ignored."""
    out = set()
    for line in text.split("\n"):
        line = line.split("#", 1)[0].strip().lower()
        if line:
            out.add(line)
    return out


@dataclass(frozen=True)
class WordCount:
    word: str
    count: int  # occurrences
    texts: int  # texts (units or extracts) it occurs in


def word_frequencies(
    texts: Iterable[str], stopwords: set[str], min_length: int = 3, top: int | None = 50
) -> list[WordCount]:
    """The most frequent words, most frequent first (ties alphabetically)."""
    counts: Counter[str] = Counter()
    spread: Counter[str] = Counter()
    for text in texts:
        found = [w for w in words(text) if len(w) >= min_length and w not in stopwords]
        counts.update(found)
        spread.update(set(found))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if top is not None:
        ranked = ranked[:top]
    return [WordCount(w, n, spread[w]) for w, n in ranked]


@dataclass(frozen=True)
class Concordance:
    """One occurrence of a term with the words around it."""

    source: str  # the document key (and speaker) it comes from
    left: str
    match: str
    right: str


def term_pattern(term: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive match; a trailing ``*`` matches any ending
    ("support*" finds "supportive"), and a phrase matches across any spacing."""
    term = term.strip()
    stem = term[:-1] if term.endswith("*") else term
    body = r"\s+".join(re.escape(part) for part in stem.split())
    tail = r"[\w'\u2019-]*" if term.endswith("*") else ""
    return re.compile(rf"(?<![\w]){body}{tail}(?![\w])", re.IGNORECASE)


def keyword_in_context(
    texts: Iterable[tuple[str, str]], term: str, width: int = 40, limit: int | None = 500
) -> list[Concordance]:
    """Every occurrence of ``term`` in ``(source, text)`` pairs, with ``width``
    characters of context each side (cut at a word boundary, line breaks as spaces)."""
    if not term.strip() or term.strip() == "*":
        raise ValueError("give a word or phrase to look for")
    pattern = term_pattern(term)
    out: list[Concordance] = []
    for source, text in texts:
        for m in pattern.finditer(text):
            left = " ".join(text[max(0, m.start() - width) : m.start()].split())
            right = " ".join(text[m.end() : m.end() + width].split())
            if m.start() > width and " " in left:
                left = left.split(" ", 1)[1]
            if m.end() + width < len(text) and " " in right:
                right = right.rsplit(" ", 1)[0]
            out.append(Concordance(source, left, " ".join(m.group().split()), right))
            if limit is not None and len(out) >= limit:
                return out
    return out
