"""Sub-span coding in phase 2: select any span inside a segment, by keyboard or mouse.

``v`` selects the segment's first word. The selection has two handles: l/h move the end
a word, L/H the start; ( ) move the active handle a sentence, [ ] a clause, 0/$ (home/end)
to the segment's start or end, and o makes the other handle active. The start may pass
the end (the span is normalised, ``coder.core.selection``). A mouse drag in the reader, or
a shift+click, selects the words it touches. The selection and its length are shown live;
Enter opens a code picker on it, and the code applied is the one picked there. Esc
leaves the selection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from coder.core.selection import Motion, Selection, snap_to_words, unit_ranges, words_of
from coder.tui.widgets.reader import TextReader
from coder.tui.widgets.text import one_line

if TYPE_CHECKING:
    from coder.core.model import Segment
    from coder.services.views import DocView

SELECTION_PREVIEW = 60
SELECTING_ACTIONS = {"extend", "move_start", "cancel_selection", "select_by", "other_end"}


class WordSelection:
    """Mixin of ``CodePhase``: the selection's state, its motions and the mouse.

    The host provides ``view``, ``index``, ``current`` (the segment) and ``_show(scroll)``
    (redraw)."""

    words: list[tuple[int, int]]  # (start, end) of each word of the current segment
    selection: Selection | None
    # Words and sentence/clause ranges of the segments selected in (by document, span):
    # a 1,000,000-character segment's are worth computing once, not at each key.
    _words_cache: dict[tuple[str, int, int], list[tuple[int, int]]]
    _ranges_cache: dict[tuple[str, int, int, Motion], list[tuple[int, int]]]

    def _unit_key(self) -> tuple[str, int, int]:
        unit = self.current
        assert unit is not None and self.view is not None
        return (self.view.doc.key, unit.start, unit.end)

    if TYPE_CHECKING:
        view: DocView | None
        index: int
        current: Segment | None

        def _show(self, scroll: bool = True) -> None: ...
        def refresh_bindings(self) -> None: ...

    def _selection_span(self) -> tuple[int, int] | None:
        """The selection as text offsets (start, end), or None when nothing is selected."""
        if self.selection is None or not self.words:
            return None
        return self.selection.span(self.words)

    def selection_line(self) -> Text | None:
        """What is selected, how long it is, and the keys: shown live while selecting."""
        span = self._selection_span()
        if span is None or self.view is None or self.selection is None:
            return None
        low, high = sorted((self.selection.start, self.selection.end))
        text = self.view.doc.text[span[0] : span[1]]
        preview = text if len(text) <= SELECTION_PREVIEW else text[: SELECTION_PREVIEW - 1] + "…"
        words = high - low + 1
        line = Text(end="")
        line.append(
            f"Selected {words} word{'s' if words != 1 else ''}, {len(text)} characters: “",
            style="bold",
        )
        line.append_text(one_line(preview))
        line.append("”\n", style="bold")
        active = "start" if self.selection.active == 0 else "end"
        line.append(
            f"l/h end · L/H start · ( ) sentence · [ ] clause · 0/$ segment ends ({active}; o "
            "other end) · ⏎ choose a code · esc leave",
            style="dim",
        )
        return line

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys that change a selection work only while there is one."""
        if action in SELECTING_ACTIONS:
            return self.selection is not None
        return True

    def _start_words(self) -> bool:
        unit = self.current
        if unit is None:
            return False
        if not hasattr(self, "_words_cache") or len(self._words_cache) > 64:
            self._words_cache, self._ranges_cache = {}, {}
        words = self._words_cache.get(self._unit_key())
        if words is None:
            words = self._words_cache[self._unit_key()] = words_of(unit.text, unit.start)
        self.words = words
        return bool(self.words)

    def action_select(self) -> None:
        if not self._start_words():
            return
        self.selection = Selection(0, 0)
        self._selection_changed()

    def _move(self, handle: int, motion: Motion, direction: int) -> None:
        unit = self.current
        if self.selection is None or unit is None:
            return
        ranges = None
        if motion in (Motion.SENTENCE, Motion.CLAUSE):
            key = (*self._unit_key(), motion)
            ranges = self._ranges_cache.get(key)
            if ranges is None:
                ranges = self._ranges_cache[key] = unit_ranges(
                    unit.text, self.words, motion, unit.start
                )
        self.selection = self.selection.move(
            handle, motion, direction, unit.text, self.words, unit.start, ranges
        )
        self._show(scroll=False)

    def action_extend(self, step: int) -> None:
        self._move(1, Motion.WORD, step)

    def action_move_start(self, step: int) -> None:
        self._move(0, Motion.WORD, step)

    def action_select_by(self, motion: str, direction: int) -> None:
        if self.selection is not None:
            self._move(self.selection.active, Motion(motion), direction)

    def action_other_end(self) -> None:
        if self.selection is not None:
            self.selection = self.selection.swapped()
            self._show(scroll=False)

    def action_cancel_selection(self) -> None:
        self.selection = None
        self._selection_changed()

    def _selection_changed(self) -> None:
        self._show(scroll=False)
        self.refresh_bindings()

    # ---- the mouse -------------------------------------------------------------------

    def on_text_reader_span_picked(self, event: TextReader.SpanPicked) -> None:
        """A drag or a shift+click in the reader: select the words it touches, inside the
        segment where it started (made current)."""
        event.stop()
        if self.view is None or not self.view.units:
            return
        if event.extend and self.selection is not None and self.current is not None:
            unit = self.current
            if not unit.start <= event.start <= unit.end:
                return  # a shift+click outside the segment being selected
            snapped = snap_to_words(self.words, event.start, event.end)
            if snapped is not None:
                self.selection = Selection(self.selection.start, snapped.start, 1)
                self._selection_changed()
            return
        at = event.start
        units = self.view.units
        found = next((i for i, unit in enumerate(units) if unit.start <= at < unit.end), None)
        if found is None:
            return
        self.index, unit = found, units[found]
        if not self._start_words():
            return
        self.selection = snap_to_words(self.words, event.start, min(event.end, unit.end))
        self._selection_changed()
