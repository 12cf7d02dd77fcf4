"""Where a list's row N begins, as a keyset cursor: the bridge from the TUI's row
indexes (a virtual list asks for rows 40,000-40,099) to queries that never use OFFSET.

A list keeps one ``PageKeys``: the cursor (the ordering columns of the row before) of
every page boundary it has passed. Reading on from a known boundary is one keyset query;
a jump beyond what is known walks the ordering index for the cursors alone (a few bytes
a row, never the rows' text), forwards from the nearest boundary or backwards from the
end if that is nearer, and remembers the boundaries it passes on the way. The cursors are
read again from scratch when the list's filter or the project changes: every change
appends an audit event, so the newest event's seq is the data's version.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

Key = Any  # a cursor: a tuple of ordering values, or a single unique one (an audit seq)
# walk(after, limit, descending) -> the cursors of up to ``limit`` rows after ``after``
Walk = Callable[[Key | None, int, bool], list[Key]]

WALK_CHUNK = 5000  # cursors fetched per query while walking


class PageKeys:
    """The known page boundaries of one list: row index -> the cursor of the row before
    it (None for row 0), valid for one filter at one version of the data."""

    def __init__(self) -> None:
        self.version: Hashable = None
        self._after: dict[int, Key | None] = {0: None}

    def check(self, version: Hashable) -> None:
        """Forget every boundary unless they were read at ``version``."""
        if version != self.version:
            self.version = version
            self._after = {0: None}

    def remember(self, index: int, key: Key) -> None:
        self._after[index] = key

    def known(self, index: int) -> bool:
        return index in self._after

    def nearest(self, index: int) -> tuple[int, Key | None]:
        """The known boundary at or before ``index``, with its cursor."""
        start = max(i for i in list(self._after) if i <= index)  # a copy: lists read in threads
        return start, self._after[start]

    def seek(
        self, index: int, total: int, walk: Walk, page_size: int, backwards: bool = True
    ) -> Key | None:
        """The cursor to read row ``index`` on from (the key of the row before it);
        ``backwards`` False for a list whose walk cannot run from the end."""
        index = max(0, min(index, total))
        start, key = self.nearest(index)
        if start == index:
            return key
        if backwards and index - start > total - index:  # nearer the end: walk back from there
            return self._walk_back(index, total, walk, page_size)
        while start < index:
            keys = walk(key, min(WALK_CHUNK, index - start), False)
            if not keys:  # fewer rows than counted (changed meanwhile): read from here
                break
            for i, found in enumerate(keys, start + 1):
                if i % page_size == 0:
                    self._after[i] = found
            start, key = start + len(keys), keys[-1]
        if start == index:
            self._after[index] = key
        return key

    def _walk_back(self, index: int, total: int, walk: Walk, page_size: int) -> Key | None:
        """From the last row back to row ``index - 1`` (row ``total - 1 - n`` is the n-th
        cursor the descending walk returns)."""
        needed = total - index + 1
        seen, key = 0, None
        while seen < needed:
            keys = walk(key, min(WALK_CHUNK, needed - seen), True)
            if not keys:
                break
            for n, found in enumerate(keys, seen):
                after_index = total - n  # this row is the one before row total - n
                if after_index % page_size == 0 or after_index == index:
                    self._after[after_index] = found
            seen, key = seen + len(keys), keys[-1]
        return self._after.get(index, key)
