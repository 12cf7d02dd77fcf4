"""Suggestions that learn: rank codes by how like a segment is to what was already coded
with each code.

Each code keeps a profile: how many extracts were coded with it and the summed counts of
the words in them. A segment is scored against a profile by cosine similarity of its words
to the profile's, with each word weighted by its inverse document frequency over all
coded extracts (words every code shares, such as "peer", count for little). Profiles are
updated incrementally (``add``/``remove`` on apply/remove), so keeping them current costs
one extract's words, and scoring a segment costs its words times the codes that share a
word with it, however many documents the project holds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[^\W\d_]{3,}")
STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "that",
        "with",
        "this",
        "from",
        "were",
        "was",
        "are",
        "have",
        "has",
        "had",
        "not",
        "but",
        "its",
        "their",
        "they",
        "them",
        "been",
        "which",
        "who",
        "also",
        "into",
        "such",
        "than",
        "more",
        "other",
        "our",
        "can",
        "may",
        "all",
        "one",
        "two",
    ]
)
MAX_TOKENS = 400  # words of a segment looked at: the first ones (a long segment's start)


def tokens(text: str) -> Counter[str]:
    """The content words of ``text`` (lower case, 3+ letters, no stop words)."""
    found = (t.lower() for t in _TOKEN.findall(text[: MAX_TOKENS * 12]))
    return Counter(t for t in found if t not in STOP)


@dataclass
class Profile:
    extracts: int = 0
    words: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Learned:
    """A code suggested by likeness, with its score (0..100) and the reason shown."""

    code: str
    score: float
    extracts: int

    @property
    def reason(self) -> str:
        plural = "s" if self.extracts != 1 else ""
        return f"like {self.extracts} extract{plural} coded '{self.code}'"


class ExampleIndex:
    """Per-code word profiles of coded extracts, updated incrementally."""

    def __init__(self) -> None:
        self.profiles: dict[str, Profile] = {}
        self.doc_freq: Counter[str] = Counter()  # extracts each word appears in
        self.extracts = 0
        self.by_word: dict[str, set[str]] = {}  # word -> codes whose profile has it
        # Each profile's vector length, kept until that profile changes (other codes'
        # changes move the word weights a little; the ranking does not need more).
        self._norms: dict[str, float] = {}

    @classmethod
    def build(cls, pairs: list[tuple[str, str]]) -> ExampleIndex:
        index = cls()
        for code, text in pairs:
            index.add(code, text)
        return index

    def add(self, code: str, text: str) -> None:
        words = tokens(text)
        profile = self.profiles.setdefault(code, Profile())
        self._norms.pop(code, None)
        profile.extracts += 1
        profile.words.update(words)
        self.extracts += 1
        self.doc_freq.update(words.keys())
        for word in words:
            self.by_word.setdefault(word, set()).add(code)

    def remove(self, code: str, text: str) -> None:
        profile = self.profiles.get(code)
        if profile is None or profile.extracts == 0:
            return
        words = tokens(text)
        self._norms.pop(code, None)
        profile.extracts -= 1
        profile.words.subtract(words)
        self.extracts = max(0, self.extracts - 1)
        self.doc_freq.subtract(words.keys())
        for word in words:
            if profile.words[word] <= 0:
                del profile.words[word]
                codes = self.by_word.get(word)
                if codes is not None:
                    codes.discard(code)
            if self.doc_freq[word] <= 0:
                del self.doc_freq[word]
        if profile.extracts == 0:
            del self.profiles[code]

    def _idf(self, word: str) -> float:
        return math.log((1 + self.extracts) / (1 + self.doc_freq.get(word, 0))) + 1

    def rank(self, text: str, limit: int = 9, cutoff: float = 15.0) -> list[Learned]:
        """The codes whose extracts ``text`` is most like (score 0..100, best first)."""
        words = tokens(text)
        if not words or not self.profiles:
            return []
        weights = {w: n * self._idf(w) for w, n in words.items()}
        norm = math.sqrt(sum(v * v for v in weights.values()))
        candidates: set[str] = set()
        for word in words:
            candidates |= self.by_word.get(word, set())
        found = []
        for code in candidates:
            profile = self.profiles[code]
            dot = 0.0
            for word, weight in weights.items():
                count = profile.words.get(word)
                if count:
                    dot += weight * count * self._idf(word)
            if not dot:
                continue
            p_norm = self._norm(code, profile)
            score = 100 * dot / (norm * p_norm) if p_norm and norm else 0.0
            if score >= cutoff:
                found.append(Learned(code, score, profile.extracts))
        found.sort(key=lambda item: (-item.score, item.code))
        return found[:limit]

    def _norm(self, code: str, profile: Profile) -> float:
        norm = self._norms.get(code)
        if norm is None:
            norm = math.sqrt(
                sum((n * self._idf(w)) ** 2 for w, n in profile.words.items() if n > 0)
            )
            self._norms[code] = norm
        return norm
