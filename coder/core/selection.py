"""Selecting a span inside a segment by keyboard: the motions, as pure functions.

A selection has two handles, each on a word (an index into the segment's words); the
span runs from the first word of the lower handle to the last of the higher. A handle
moves by word, sentence, clause or to either end of the segment; the start handle may pass
the end handle. Each handle keeps its identity (the key that moved it keeps moving it, so
no press jumps to the other side), and the span is normalised: it always reads forward.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from enum import Enum

_WORD = re.compile(r"\S+")
# A word that closes a sentence or a clause (closing quotes and brackets may follow).
_CLOSERS = re.escape("\"'”’»)]")
# Found in the whole text at once (C speed), at the end of a word.
_SENTENCE_END = re.compile(rf"[.!?…][{_CLOSERS}]*(?=\s|$)")
_CLAUSE_END = re.compile(rf"(?:[,;:.!?…][{_CLOSERS}]*|[—–]|--?)(?=\s|$)")

Word = tuple[int, int]  # (start, end) offsets of one word


class Motion(Enum):
    WORD = "word"
    CLAUSE = "clause"
    SENTENCE = "sentence"
    SEGMENT = "segment"


def words_of(text: str, offset: int = 0) -> list[Word]:
    """(start, end) of each run of non-space characters, shifted by ``offset``."""
    return [(m.start() + offset, m.end() + offset) for m in _WORD.finditer(text)]


def unit_ranges(text: str, words: list[Word], motion: Motion, offset: int = 0) -> list[Word]:
    """(first, last) word index of each sentence or clause of ``text``, whose words are
    ``words`` (in document offsets; ``text`` starts at ``offset``)."""
    if motion is Motion.SEGMENT:
        return [(0, len(words) - 1)] if words else []
    if motion is Motion.WORD:
        return [(i, i) for i in range(len(words))]
    ends = _SENTENCE_END if motion is Motion.SENTENCE else _CLAUSE_END
    starts = [start for start, _end in words]
    ranges: list[Word] = []
    first = 0
    for match in ends.finditer(text):
        index = bisect_right(starts, match.end() - 1 + offset) - 1
        if index >= first:
            ranges.append((first, index))
            first = index + 1
    if first < len(words):
        ranges.append((first, len(words) - 1))
    return ranges


@dataclass(frozen=True)
class Selection:
    """Two handles (word indices) and which one the unit motions move (0: start, 1: end)."""

    start: int
    end: int
    active: int = 1

    def span(self, words: list[Word]) -> Word:
        """The selected text's (start, end) offsets, in reading order whichever handle
        leads."""
        low, high = sorted((self.start, self.end))
        return words[low][0], words[high][1]

    def swapped(self) -> Selection:
        return Selection(self.start, self.end, 1 - self.active)

    def move(
        self,
        handle: int,
        motion: Motion,
        direction: int,
        text: str,
        words: list[Word],
        offset: int = 0,
        ranges: list[Word] | None = None,
    ) -> Selection:
        """Move ``handle`` (0: start, 1: end) one ``motion`` in ``direction`` (+1/-1).

        The start handle lands on a unit's first word, the end on its last, so a
        sentence motion selects whole sentences. ``ranges``: the motion's units, when
        the caller keeps them (a long segment's are worth computing once)."""
        if not words:
            return self
        current = self.start if handle == 0 else self.end
        last = len(words) - 1
        if motion is Motion.WORD:
            target = current + direction
        else:
            if ranges is None:
                ranges = unit_ranges(text, words, motion, offset)
            stops = [first if handle == 0 else end for first, end in ranges]
            if direction > 0:
                target = min((s for s in stops if s > current), default=last)
            else:
                target = max((s for s in stops if s < current), default=0)
        target = max(0, min(last, target))
        if handle == 0:
            return Selection(target, self.end, 0)
        return Selection(self.start, target, 1)


def snap_to_words(words: list[Word], start: int, end: int) -> Selection | None:
    """The selection of the words that [start, end) touches (a mouse drag's characters,
    snapped outward to whole words); None when it touches none."""
    touched = [i for i, (a, b) in enumerate(words) if a < max(end, start + 1) and b > start]
    if not touched:
        # Between words (a click on a space): the next word, else the last one.
        after = [i for i, (a, _b) in enumerate(words) if a >= start]
        if not after and not words:
            return None
        touched = [after[0] if after else len(words) - 1]
    return Selection(touched[0], touched[-1], 1)
