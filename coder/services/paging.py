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
        self.total: int | None = None  # the list's length at this version, once counted

    def check(self, version: Hashable) -> None:
        """Forget every boundary (and the count) unless they were read at ``version``."""
        if version != self.version:
            self.version = version
            self._after = {0: None}
            self.total = None

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
        """The cursor to read row ``index`` on from (the key of the row before it), walked
        from the nearest known boundary before it, or (``backwards``, for lists whose
        walk runs both ways) after it or from the end if one of those is nearer."""
        index = max(0, min(index, total))
        start, key = self.nearest(index)
        if start == index:
            return key
        if backwards:
            above = [i for i in list(self._after) if index < i <= total]
            upper = min(above) if above else total
            first_row = upper - 2 if above else total - 1  # the first row walked back
            if first_row - index + 2 < index - start:
                return self._walk_back(index, upper if above else None, first_row, walk, page_size)
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

    def _walk_back(
        self, index: int, upper: int | None, first_row: int, walk: Walk, page_size: int
    ) -> Key | None:
        """Walk backwards from the boundary ``upper`` (None: from the end) to row
        ``index - 1``; the n-th cursor walked is row ``first_row - n``, the key that
        row ``first_row - n + 1`` is read after."""
        needed = first_row - index + 2
        key = self._after[upper] if upper is not None else None
        seen = 0
        while seen < needed:
            keys = walk(key, min(WALK_CHUNK, needed - seen), True)
            if not keys:
                break
            for n, found in enumerate(keys, seen):
                boundary = first_row - n + 1
                if boundary % page_size == 0 or boundary == index:
                    self._after[boundary] = found
            seen, key = seen + len(keys), keys[-1]
        return self._after.get(index, key)
