"""A DataTable of rows where Home and End go to the first and last row.

Textual's DataTable binds Home and End to horizontal scrolling, which does nothing in a
table that fits its width: in the row tables of phases 4 and 5 a reviewer expects them to
jump to the top and bottom of the list (Ctrl+Home / Ctrl+End still scroll).

A column can also be made to take the width the table has to spare (``grow``): a theme's
name is cut to its column's width at 80 columns, but on a big terminal it shows whole
instead of leaving the rest of the pane empty."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class RowTable(DataTable):
    BINDINGS = [
        Binding("home", "first_row", "First", show=False, id="table.first",
                tooltip="Go to the first row"),
        Binding("end", "last_row", "Last", show=False, id="table.last",
                tooltip="Go to the last row"),
    ]  # fmt: skip

    _grow: int | None = None  # the index of the column that takes spare width
    _grow_base = 0  # its width when there is none to spare

    def grow(self, index: int) -> None:
        """Let the (fixed-width) column at ``index`` take whatever width is spare."""
        self._grow = index
        self._grow_base = list(self.columns.values())[index].width
        self.call_after_refresh(self._fit_columns)

    _fit_pending = False

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns()

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        # The scroll bar takes columns from the content without a Resize: fit again once
        # it is laid out, or the last column is pushed off (a race on a busy machine).
        if self._grow is not None:
            self.call_after_refresh(self._fit_columns)

    def add_row(self, *cells: Any, **kwargs: Any) -> RowKey:
        """A row, and (once per batch of rows) a new fit: counts size their own columns."""
        key = super().add_row(*cells, **kwargs)
        if self._grow is not None and not self._fit_pending:
            self._fit_pending = True
            self.call_after_refresh(self._fit_columns)
        return key

    def _fit_columns(self) -> None:
        self._fit_pending = False
        columns = list(self.columns.values())
        if self._grow is None or self._grow >= len(columns):
            return
        column = columns[self._grow]
        others = sum(c.get_render_width(self) for c in columns if c is not column)
        spare = self.scrollable_content_region.width - others - 2 * self.cell_padding
        width = max(self._grow_base, spare)
        if width != column.width:
            column.width = width
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh()

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
