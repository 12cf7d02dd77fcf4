"""A reader for one document: wrapped text on the line API, with marked spans.

It is a ScrollView that renders only the visible lines (each drawn on demand, from a slice
of the plain text, and cached until the marks change), so a very long text costs no more
than a short one to draw or scroll. Wrapping keeps only (block, start, end) per line and
runs at C speed for plain text (``wrap_offsets``), so a 1,000,000-character abstract wraps
in milliseconds; a line is looked up by offset with a binary search. It knows which
wrapped line holds each code-point offset of the document, which is what lets the coding
phase keep the current segment in view, paint highlights and sub-span selections without
re-wrapping, and turn a mouse drag into a span of the document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from coder.tui.widgets.text import text_strip, wrap_offsets


@dataclass
class Block:
    """A run of text shown as its own paragraph(s).

    ``offset`` is where ``text`` starts in the document's stored text (None for headings
    and metadata), so marks given in document offsets land on the right characters.
    """

    text: Text
    offset: int | None = None
    style: str | None = None  # a component style for the whole block: "heading", "label"


@dataclass(frozen=True)
class Mark:
    """A span of the document (code-point offsets) painted with a component style
    ("highlight", "selection", "coded") or an explicit Rich style."""

    start: int
    end: int
    style: str | Style


class TextReader(ScrollView, can_focus=True, inherit_bindings=False):
    """Shows blocks of literal text; ``set_marks`` restyles without re-wrapping."""

    BINDINGS = [
        Binding("up", "scroll_up", "Scroll up", show=False, id="reader.scroll_up", tooltip="Scroll the text up"),
        Binding("down", "scroll_down", "Scroll down", show=False, id="reader.scroll_down", tooltip="Scroll the text down"),
        Binding("pageup", "page_up", "Page up", show=False, id="reader.page_up", tooltip="Scroll the text a page up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="reader.page_down", tooltip="Scroll the text a page down"),
        Binding("home", "scroll_home", "Top", show=False, id="reader.top", tooltip="Scroll to the top of the text"),
        Binding("end", "scroll_end", "Bottom", show=False, id="reader.bottom", tooltip="Scroll to the end of the text"),
    ]  # fmt: skip

    COMPONENT_CLASSES = {
        "reader--heading",
        "reader--label",
        "reader--highlight",
        "reader--selection",
        "reader--coded",
        "reader--found",
    }

    DEFAULT_CSS = """
    TextReader {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        padding: 0 1;
    }
    TextReader > .reader--heading { text-style: bold; color: $accent; }
    TextReader > .reader--label { color: $text-muted; }
    TextReader > .reader--highlight { background: $primary 40%; }
    TextReader > .reader--selection { background: $warning 60%; text-style: underline; }
    TextReader > .reader--coded { text-style: underline; }
    TextReader > .reader--found { background: $warning 50%; text-style: bold; }
    /* NO_COLOR: shades of grey alone are too faint; mark the spans by text style too. */
    TextReader:nocolor > .reader--highlight { text-style: bold; }
    TextReader:nocolor > .reader--found { text-style: reverse; }
    TextReader:nocolor > .reader--selection { text-style: reverse underline; }
    """

    class SpanPicked(Message):
        """The mouse picked document text: a drag over [start, end), or a shift+click at
        ``start`` (``extend``: move the selection's end there)."""

        def __init__(self, start: int, end: int, extend: bool = False) -> None:
            super().__init__()
            self.start = start
            self.end = end
            self.extend = extend

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._blocks: list[Block] = []
        self._marks: list[Mark] = []
        self._lines: list[tuple[int, int, int]] = []  # (block index, start, end) within block
        # Document offset where each line of a block with an offset starts, and its line.
        self._doc_starts: list[int] = []
        self._doc_lines: list[int] = []
        self._wrap_width = 0
        self._cache: dict[int, Strip] = {}
        self._drag_from: int | None = None
        self._search = ""
        # Per block: the (start, end) of each match of the search term, and their ends.
        self._found: dict[int, tuple[list[tuple[int, int]], list[int]]] = {}

    # ---- content ---------------------------------------------------------------------

    @property
    def plain_lines(self) -> list[str]:
        """The wrapped lines as plain text (what a test or a screen reader would read)."""
        return [self._blocks[b].text.plain[a:e] for b, a, e in self._lines]

    @property
    def marks(self) -> list[Mark]:
        return list(self._marks)

    def set_blocks(
        self, blocks: list[Block], marks: list[Mark] | None = None, keep_scroll: bool = False
    ) -> None:
        self._blocks = blocks
        self._marks = list(marks or [])
        self._find()
        self._rewrap(force=True)
        if not keep_scroll:
            self.scroll_to(0, 0, animate=False, immediate=True)

    def set_marks(self, marks: list[Mark]) -> None:
        self._marks = list(marks)
        self._cache.clear()
        self.refresh()

    @property
    def search(self) -> str:
        return self._search

    def set_search(self, term: str) -> None:
        """Highlight every occurrence of ``term`` (case-insensitive, as the document
        search matches) in every block, title and metadata included; "" clears it."""
        term = term.strip()
        if term == self._search:
            return
        self._search = term
        self._find()
        self._cache.clear()
        self.refresh()

    def found_spans(self) -> list[tuple[int, list[tuple[int, int]]]]:
        """(block index, matches in it) for blocks with a match (for tests)."""
        return [(b, spans) for b, (spans, _ends) in sorted(self._found.items())]

    def _find(self) -> None:
        self._found = {}
        if not self._search:
            return
        pattern = re.compile(re.escape(self._search), re.IGNORECASE)
        for index, block in enumerate(self._blocks):
            spans = [m.span() for m in pattern.finditer(block.text.plain)]
            if spans:
                self._found[index] = (spans, [end for _start, end in spans])

    def line_of(self, offset: int) -> int | None:
        """The wrapped line that shows document offset ``offset`` (a binary search)."""
        at = bisect_right(self._doc_starts, offset) - 1
        if at < 0:
            return None
        return self._doc_lines[at]

    def offset_at(self, x: int, y: int) -> int | None:
        """The document offset shown at content cell (x, y) of the visible window (past a
        line's end: its end); None on a heading or a blank line."""
        index = self.scroll_offset.y + y
        if not 0 <= index < len(self._lines):
            return None
        block_index, start, end = self._lines[index]
        block = self._blocks[block_index]
        if block.offset is None:
            return None
        plain = block.text.plain
        column, cells = 0, 0
        for column, char in enumerate(plain[start:end]):  # noqa: B007 - used after the loop
            cells += cell_len(char)
            if cells > x:
                return block.offset + start + column
        return block.offset + end

    def show_span(self, start: int, end: int) -> None:
        """Scroll the least needed to bring document span [start, end) into view."""
        first = self.line_of(start)
        last = self.line_of(max(start, end - 1))
        if first is None or last is None:
            return
        region = Region(0, first, max(1, self._wrap_width), last - first + 1)
        self.scroll_to_region(
            region, spacing=Spacing(1, 0, 1, 0), animate=False, immediate=True, x_axis=False
        )

    # ---- layout ----------------------------------------------------------------------

    def _content_width(self) -> int:
        return max(10, self.scrollable_content_region.width)

    def _rewrap(self, force: bool = False) -> None:
        width = self._content_width() if self.is_mounted else 80
        if not force and width == self._wrap_width:
            return
        self._wrap_width = width
        lines: list[tuple[int, int, int]] = []
        doc_starts: list[int] = []
        doc_lines: list[int] = []
        for index, block in enumerate(self._blocks):
            for start, end in wrap_offsets(block.text.plain, width):
                if block.offset is not None:
                    doc_starts.append(block.offset + start)
                    doc_lines.append(len(lines))
                lines.append((index, start, end))
        self._doc_starts, self._doc_lines = doc_starts, doc_lines
        self._lines = lines
        self._cache.clear()
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def on_resize(self) -> None:
        self._rewrap()

    # ---- the mouse: drag or shift+click to pick text ------------------------------------

    def _offset_of(self, event: events.MouseEvent) -> int | None:
        at = event.get_content_offset(self)
        if at is None:
            return None
        return self.offset_at(at.x, at.y)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = self._offset_of(event)
        if offset is None:
            return
        if event.shift:
            self.post_message(self.SpanPicked(offset, offset, extend=True))
            return
        self._drag_from = offset
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_from is None:
            return
        offset = self._offset_of(event)
        if offset is not None and offset != self._drag_from:
            low, high = sorted((self._drag_from, offset))
            self.post_message(self.SpanPicked(low, high))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag_from is None:
            return
        start, self._drag_from = self._drag_from, None
        self.release_mouse()
        offset = self._offset_of(event)
        if offset is not None and offset != start:
            low, high = sorted((start, offset))
            self.post_message(self.SpanPicked(low, high))

    def on_mount(self) -> None:
        self._rewrap(force=True)

    # ---- rendering -------------------------------------------------------------------

    def _mark_style(self, style: str | Style) -> Style:
        if isinstance(style, Style):
            return style
        return self.get_component_rich_style(f"reader--{style}")

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base_style = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base_style)
        strip = self._cache.get(index)
        if strip is None:
            strip = self._render_index(index, base_style)
            self._cache[index] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base_style)

    def _render_index(self, index: int, base_style: Style) -> Strip:
        block_index, start, end = self._lines[index]
        block = self._blocks[block_index]
        # A slice of the plain text, not of the Text: slicing a Text copies the rest of it,
        # which for a 1,000,000-character block is a copy per line drawn.
        line = Text(block.text.plain[start:end], style=block.text.style, end="")
        for span in block.text.spans:
            if span.start < end and span.end > start:
                line.stylize(span.style, max(0, span.start - start), min(end, span.end) - start)
        if block.offset is not None:
            for mark in self._marks:
                lo = max(mark.start - block.offset, start)
                hi = min(mark.end - block.offset, end)
                if lo < hi:
                    line.stylize(self._mark_style(mark.style), lo - start, hi - start)
        found = self._found.get(block_index)
        if found is not None:
            spans, ends = found
            style = self._mark_style("found")
            for lo, hi in spans[bisect_right(ends, start) :]:
                if lo >= end:
                    break
                line.stylize(style, max(lo, start) - start, min(hi, end) - start)
        if block.style:
            line.stylize_before(self._mark_style(block.style))
        line.stylize_before(base_style)
        line.end = ""
        return text_strip(line, self.app.console, base_style)


class SegmentReader(TextReader, inherit_bindings=False):
    """The coding phase's reader: arrows and page keys belong to the phase (they move
    between segments and documents), so the text scrolls with shift+up/down only; the
    current segment is kept in view anyway (home and end scroll to the text's top and end)."""

    BINDINGS = [
        Binding("shift+up", "scroll_up", "Scroll up", show=False, id="code.scroll_up", tooltip="Scroll the text up"),
        Binding("shift+down", "scroll_down", "Scroll down", show=False, id="code.scroll_down", tooltip="Scroll the text down"),
        Binding("home", "scroll_home", "Top", show=False, id="code.scroll_top", tooltip="Scroll to the top of the text"),
        Binding("end", "scroll_end", "Bottom", show=False, id="code.scroll_bottom", tooltip="Scroll to the end of the text"),
    ]  # fmt: skip
