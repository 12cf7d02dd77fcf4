"""A virtual list: as many rows as the query matches, only the visible page in memory.

ListView makes one widget per row and lags near a thousand; a 100,000-document project
needs a list that asks the store for a page when it scrolls into view. Pages are fetched
in thread workers (a filtered LIKE over 100,000 abstracts takes a moment), and the rows
of a page not yet loaded show as "…" until it arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from coder.tui.widgets.text import text_strip

T = TypeVar("T")
Fetch = Callable[[int, int], tuple[int, list[T]]]
RenderRow = Callable[[T, int], Text]


class VirtualList(ScrollView, Generic[T], can_focus=True, inherit_bindings=False):
    """Rows fetched by ``fetch(offset, limit) -> (total, items)``, drawn by ``render_row``."""

    BINDINGS = [
        Binding("down,j", "cursor_down", "Next", show=False, id="list.down", tooltip="Next row"),
        Binding("up,k", "cursor_up", "Previous", show=False, id="list.up", tooltip="Previous row"),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            show=False,
            id="list.page_down",
            tooltip="One page down",
        ),
        Binding(
            "pageup", "page_up", "Page up", show=False, id="list.page_up", tooltip="One page up"
        ),
        Binding("home", "first", "First", show=False, id="list.first", tooltip="First row"),
        Binding("end", "last", "Last", show=False, id="list.last", tooltip="Last row"),
        Binding("enter", "select", "Open", show=False, id="list.select", tooltip="Open the row"),
    ]

    COMPONENT_CLASSES = {
        "virtual-list--cursor",
        "virtual-list--cursor-blurred",
        "virtual-list--pending",
    }

    DEFAULT_CSS = """
    VirtualList { overflow-x: hidden; overflow-y: auto; scrollbar-gutter: stable; }
    VirtualList > .virtual-list--cursor { background: $primary; color: $text; text-style: bold; }
    VirtualList > .virtual-list--cursor-blurred { background: $primary 35%; }
    VirtualList > .virtual-list--pending { color: $text-muted; }
    VirtualList:nocolor > .virtual-list--cursor { text-style: reverse bold; }
    VirtualList:nocolor > .virtual-list--cursor-blurred { text-style: underline; }
    """

    cursor: reactive[int] = reactive(0, init=False)

    class Highlighted(Message):
        """The cursor rests on a loaded row."""

        def __init__(self, source: VirtualList, index: int, item: object) -> None:
            super().__init__()
            self.source, self.index, self.item = source, index, item

    class Selected(Message):
        """Enter on a row."""

        def __init__(self, source: VirtualList, index: int, item: object) -> None:
            super().__init__()
            self.source, self.index, self.item = source, index, item

    class Loaded(Message):
        """A reload finished: ``total`` rows match."""

        def __init__(self, source: VirtualList, total: int) -> None:
            super().__init__()
            self.source, self.total = source, total

    def __init__(
        self,
        fetch: Fetch[T],
        render_row: RenderRow[T],
        page_size: int = 100,
        *,
        empty: str = "nothing to show",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._fetch = fetch
        self._render_row = render_row
        self.page_size = page_size
        self.empty = empty
        self.total = 0
        self.loaded = False
        self._pages: dict[int, list[T]] = {}
        self._pending: set[int] = set()
        self._jobs: dict[Worker, tuple[int, int]] = {}
        self._generation = 0
        self._strips: dict[tuple[int, bool, bool, int, str], Strip] = {}  # drawn rows

    # ---- data ------------------------------------------------------------------------

    def reload(
        self,
        cursor: int | None = None,
        expect: Callable[[T], bool] | None = None,
        locate: Callable[[], int | None] | None = None,
    ) -> None:
        """Forget every page and fetch again (after a filter change or a data change);
        the cursor stays where it was unless ``cursor`` says otherwise.

        To put the cursor back on a remembered row: ``cursor`` is where it was, ``expect``
        says whether the row found there is still the one, and ``locate`` (only called
        when it is not) finds its index. Both run in the worker thread, so a slow lookup
        never holds up the screen."""
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self._strips.clear()
        self.loaded = False
        if cursor is not None:
            self.set_reactive(VirtualList.cursor, max(0, cursor))
        self._request(self.cursor // self.page_size, expect, locate)

    def item_at(self, index: int) -> T | None:
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    @property
    def current(self) -> T | None:
        return self.item_at(self.cursor) if self.total else None

    def set_item(self, index: int, item: T) -> None:
        """Replace a loaded row in place (e.g. after marking a document read)."""
        page = self._pages.get(index // self.page_size)
        if page is not None and index % self.page_size < len(page):
            page[index % self.page_size] = item
            self._strips.clear()
            self.refresh()

    def _request(
        self,
        page: int,
        expect: Callable[[T], bool] | None = None,
        locate: Callable[[], int | None] | None = None,
    ) -> None:
        if page in self._pending or page < 0:
            return
        self._pending.add(page)
        generation = self._generation
        size = self.page_size
        cursor = self.cursor

        def fetch() -> tuple[int | None, int, list[T]]:
            total, items = self._fetch(page * size, size)
            if expect is None or locate is None:
                return None, total, items
            offset = cursor - page * size
            if 0 <= offset < len(items) and expect(items[offset]):
                return None, total, items
            found = locate()
            if found is None or found // size == page:
                return found, total, items
            total, items = self._fetch((found // size) * size, size)
            return found, total, items

        worker = self.run_worker(
            fetch,
            thread=True,
            group="virtual-list-pages",
            exit_on_error=False,
            description=f"page {page}",
        )
        self._jobs[worker] = (generation, page)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        job = self._jobs.get(event.worker)
        if job is None or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        del self._jobs[event.worker]
        event.stop()
        generation, page = job
        if generation != self._generation:
            return
        self._pending.discard(page)
        if event.state != WorkerState.SUCCESS:
            error = event.worker.error
            if error is not None:
                self.notify(f"could not load the list: {error}", severity="error", markup=False)
            return
        found, total, items = event.worker.result
        if found is not None and found != self.cursor:
            self._pending.discard(page)
            page = found // self.page_size
            self.set_reactive(VirtualList.cursor, found)
        self._pages[page] = list(items)
        self._strips.clear()
        first_load = not self.loaded
        self.loaded = True
        if total != self.total or first_load:
            self.total = total
            self.virtual_size = Size(self.scrollable_content_region.width, total)
            if self.cursor >= total:
                self.set_reactive(VirtualList.cursor, max(0, total - 1))
            self.post_message(self.Loaded(self, total))
        if page == self.cursor // self.page_size:
            self._show_cursor()
            self._announce()
        self.refresh()

    # ---- cursor ----------------------------------------------------------------------

    def _announce(self) -> None:
        item = self.current
        if item is not None:
            self.post_message(self.Highlighted(self, self.cursor, item))
        elif self.total and self.cursor // self.page_size not in self._pages:
            self._request(self.cursor // self.page_size)  # announced when it arrives

    def _show_cursor(self) -> None:
        self.scroll_to_region(
            Region(0, self.cursor, 1, 1), animate=False, immediate=True, x_axis=False
        )

    def watch_cursor(self, old: int, new: int) -> None:
        self._show_cursor()
        self.refresh()
        if old != new:
            self._announce()

    def _move_to(self, index: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, index))

    def action_cursor_down(self) -> None:
        self._move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor - 1)

    def action_page_down(self) -> None:
        self._move_to(self.cursor + max(1, self.size.height - 1))

    def action_page_up(self) -> None:
        self._move_to(self.cursor - max(1, self.size.height - 1))

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(self.total - 1)

    def action_select(self) -> None:
        item = self.current
        if item is not None:
            self.post_message(self.Selected(self, self.cursor, item))

    def on_click(self, event: events.Click) -> None:
        self._move_to(self.scroll_offset.y + event.y)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ---- rendering -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= self.total:
            if index == 0 and self.loaded:
                text = Text(self.empty, end="")
                text.stylize(self.get_component_rich_style("virtual-list--pending"))
                return text_strip(text, self.app.console, style).crop_extend(0, width, style)
            return Strip.blank(width, style)
        item = self.item_at(index)
        key = (index, index == self.cursor, self.has_focus, width, self.app.theme)
        if item is not None and key in self._strips:
            return self._strips[key]
        if item is None:
            self._request(index // self.page_size)
            text = Text("…", end="", style=self.get_component_rich_style("virtual-list--pending"))
        else:
            text = self._render_row(item, width)
            text.end = ""
            text.no_wrap = True
            text.truncate(width, overflow="ellipsis")
        if index == self.cursor:
            component = "virtual-list--cursor" if self.has_focus else "virtual-list--cursor-blurred"
            text.pad_right(max(0, width - text.cell_len))
            text.stylize_before(self.get_component_rich_style(component))
        text.stylize_before(style)
        strip = text_strip(text, self.app.console, style).crop_extend(0, width, style)
        if item is not None:
            if len(self._strips) > 4 * max(1, self.size.height):
                self._strips.clear()
            self._strips[key] = strip
        return strip
