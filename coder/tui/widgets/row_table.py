"""A DataTable of rows where Home and End go to the first and last row.

Textual's DataTable binds Home and End to horizontal scrolling, which does nothing in a
table that fits its width: in the row tables of phases 4 and 5 a reviewer expects them to
jump to the top and bottom of the list (Ctrl+Home / Ctrl+End still scroll)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    BINDINGS = [
        Binding("home", "first_row", "First", show=False, id="table.first",
                tooltip="Go to the first row"),
        Binding("end", "last_row", "Last", show=False, id="table.last",
                tooltip="Go to the last row"),
    ]  # fmt: skip

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
