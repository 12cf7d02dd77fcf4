"""Sub-span coding in phase 2: select words inside the current segment, by keyboard.

``v`` selects the segment's first word; l/h make the selection a word longer or shorter,
L/H move its start; Esc leaves it. While a selection is on, a code applies to the
selected words instead of the whole segment (``CodePhase.target``). Kept apart from the
phase so the selection's rules can grow (issue: span selection) without touching loading,
showing or applying.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coder.tui.widgets.text import word_spans

if TYPE_CHECKING:
    from coder.core.model import Segment


class WordSelection:
    """Mixin of ``CodePhase``: the word selection's state and its four actions.

    The host provides ``current`` (the segment) and ``_show(scroll)`` (redraw)."""

    words: list[tuple[int, int]]  # (start, end) of each word of the current segment
    selection: tuple[int, int] | None  # first and last selected word, inclusive

    if TYPE_CHECKING:
        current: Segment | None

        def _show(self, scroll: bool = True) -> None: ...
        def refresh_bindings(self) -> None: ...

    def _selection_span(self) -> tuple[int, int] | None:
        """The selection as text offsets (start, end), or None when nothing is selected."""
        if self.selection is None or not self.words:
            return None
        first, last = self.selection
        return self.words[first][0], self.words[last][1]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys that change a selection work only while there is one."""
        if action in ("extend", "move_start", "cancel_selection"):
            return self.selection is not None
        return True

    def action_select(self) -> None:
        unit = self.current
        if unit is None:
            return
        self.words = word_spans(unit.text, unit.start)
        if not self.words:
            return
        self.selection = (0, 0)
        self._show(scroll=False)
        self.refresh_bindings()

    def action_extend(self, step: int) -> None:
        if self.selection is None:
            return
        first, last = self.selection
        self.selection = (first, max(first, min(len(self.words) - 1, last + step)))
        self._show(scroll=False)

    def action_move_start(self, step: int) -> None:
        if self.selection is None:
            return
        first, last = self.selection
        first = max(0, min(last, first + step))
        self.selection = (first, last)
        self._show(scroll=False)

    def action_cancel_selection(self) -> None:
        self.selection = None
        self._show(scroll=False)
        self.refresh_bindings()
