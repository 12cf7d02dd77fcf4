"""Where a list's row N begins, as a keyset cursor: the bridge from the TUI's row
indexes (a virtual list asks for rows 40,000-40,099) to queries that never use OFFSET.

A list keeps one ``PageKeys``: the cursor (the ordering columns of the row before) of
every page boundary it has passed. Reading on from a known boundary is one keyset query;
a jump beyond what is known walks the ordering index in SQL (never the rows' text) from
the nearest known boundary, forwards, or backwards from one after it or from the end if
that is nearer, and gets back the cursor of each page boundary it passes, one a page.
The cursors are read again from scratch when the list's filter or the project changes:
every change appends an audit event, so the newest event's seq is the data's version.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

Key = Any  # a cursor: a tuple of ordering values, or a single unique one (an audit seq)
# walk(after, limit, descending, every, phase) -> (n, cursor) of the n-th rows after
# ``after`` up to the ``limit``-th: those whose n leaves ``phase`` over when divided by
# ``every``, and the last (store.queries.keyset.sparse)
Walk = Callable[[Key | None, int, bool, int, int], list[tuple[int, Key]]]


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
                key = self._after[upper] if above else None
                # the n-th row walked is row first_row - n + 1: the one row first_row - n + 2
                # is read after
                needed = first_row - index + 2
                phase = (first_row + 2) % page_size
                for n, found in walk(key, needed, True, page_size, phase):
                    self._after[first_row - n + 2] = found
                return self._after.get(index)
        # the n-th row walked is row start + n - 1: the one row start + n is read after
        found_key = key
        for n, found in walk(key, index - start, False, page_size, -start % page_size):
            self._after[start + n] = found
            found_key = found
        return self._after.get(index, found_key)
