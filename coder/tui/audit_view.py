"""The audit trail, read-only: who did what, when, and what it changed.

Events are listed newest first, one page at a time (``views.audit_page``), filtered by
coder, action and target. The highlighted event's before and after rows are shown as
pretty JSON, literally (a coded extract may hold "[bold]"). ``v`` verifies the whole
hash chain and replays it against the tables in a thread worker; when the check fails,
``j`` jumps to the first event that does not check out.
"""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select, Static

from coder.core.model import AuditEvent
from coder.services import history, views
from coder.services.views import VerifyResult
from coder.services.workspace import Workspace
from coder.tui.phases import PHASES_CSS
from coder.tui.widgets.errors import USER_ERRORS, show_error
from coder.tui.widgets.extract_table import clip
from coder.tui.widgets.footer import KeyFooter
from coder.tui.widgets.text import literal, one_line
from coder.tui.workers import read_then_show

PAGE_SIZE = 100
DETAIL_CHARS = 20000


def pretty(rows: dict) -> Text:
    """An event's before or after as indented JSON, shown literally, cut if huge."""
    text = json.dumps(rows, indent=2, ensure_ascii=False, sort_keys=True)
    if len(text) > DETAIL_CHARS:
        text = text[:DETAIL_CHARS] + f"\n… ({len(text) - DETAIL_CHARS} more characters)"
    return literal(text)


def short_time(iso: str) -> str:
    """ "2024-05-01T09:30:12.123456+00:00" -> "2024-05-01 09:30:12" (UTC)."""
    return iso[:19].replace("T", " ")


class AuditScreen(Screen):
    """A paged, filterable, read-only view of the project's audit trail."""

    CSS_PATH = PHASES_CSS
    BINDINGS = [
        Binding("escape", "close", "Close", id="audit.close", tooltip="Back to the phases"),
        Binding(
            "v",
            "verify",
            "Verify",
            id="audit.verify",
            tooltip="Check the hash chain and replay the trail",
        ),
        Binding(
            "j",
            "jump",
            "Jump to problem",
            id="audit.jump",
            tooltip="Show the first event that fails the check",
        ),
        Binding("slash", "filter", "Filter", id="audit.filter", tooltip="Filter by target text"),
        Binding("r", "reload", "Reload", id="audit.reload", tooltip="Read the trail again"),
        Binding(
            "right_square_bracket",
            "page(1)",
            "Older",
            id="audit.next_page",
            tooltip="Next (older) page",
        ),
        Binding(
            "left_square_bracket",
            "page(-1)",
            "Newer",
            id="audit.prev_page",
            tooltip="Previous (newer) page",
        ),
    ]

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self.page = 0
        self.total = 0
        self.page_keys = views.PageKeys()  # boundaries of the pages read (keyset cursors)
        self.events: list[AuditEvent] = []
        self.result: VerifyResult | None = None

    def compose(self) -> ComposeResult:
        yield Label("Audit trail (read-only, newest first)", classes="pane-title")
        with Horizontal(id="audit-filters"):
            yield Select([], prompt="any coder", id="audit-coder")
            yield Select([], prompt="any action", id="audit-action")
            yield Input(placeholder="/ target contains …", id="audit-target")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Label("", classes="status-line", id="audit-page")
        with Horizontal(id="audit-detail"):
            with VerticalScroll(id="audit-before-scroll"):
                yield Static(id="audit-before")
            with VerticalScroll(id="audit-after-scroll"):
                yield Static(id="audit-after")
        yield Static(Text("v: verify the trail", "dim"), id="audit-verify")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        for label, width in (
            ("#", 6),
            ("time (UTC)", 19),
            ("coder", 12),
            ("action", 16),
            ("target", None),
        ):
            table.add_column(label, width=width)
        coders, actions = views.audit_filter_choices(self.ws)
        with self.prevent(Select.Changed):
            self.query_one("#audit-coder", Select).set_options([(one_line(c), c) for c in coders])
            self.query_one("#audit-action", Select).set_options([(Text(a), a) for a in actions])
        self.load()
        table.focus()

    # ---- filters and pages ----------------------------------------------------------

    @property
    def filters(self) -> dict[str, str | None]:
        coder = self.query_one("#audit-coder", Select).value
        action = self.query_one("#audit-action", Select).value
        target = self.query_one("#audit-target", Input).value.strip()
        return {
            "coder": coder if isinstance(coder, str) else None,
            "action": action if isinstance(action, str) else None,
            "target": target or None,
        }

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    def load(self, page: int | None = None, row: int = 0) -> None:
        """Read one page of events matching the filters (newest first)."""
        try:
            read = views.audit_page(
                self.ws,
                self.page if page is None else page,
                PAGE_SIZE,
                keys=self.page_keys,
                **self.filters,
            )
        except USER_ERRORS as error:
            show_error(self, error)
            return
        self.total, self.page, self.events = read.total, read.page, read.events
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        for event in self.events:
            table.add_row(
                Text(str(event.seq), justify="right"),
                Text(short_time(event.time)),
                one_line(event.coder),
                one_line(event.action),
                clip(one_line(event.target), 120),
                key=str(event.seq),
            )
        if self.events:
            table.move_cursor(row=min(row, len(self.events) - 1), animate=False)
        first = self.page * PAGE_SIZE + 1 if self.events else 0
        last = self.page * PAGE_SIZE + len(self.events)
        self.query_one("#audit-page", Label).update(
            Text(
                f"events {first}-{last} of {self.total} (page {self.page + 1}/{self.pages})   [ newer   ] older"
            )
        )
        self._show_detail()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.load(page=0)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "audit-target":
            self.load(page=0)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "audit-target":
            self.query_one("#audit-table", DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#audit-target", Input).focus()

    def action_page(self, delta: int) -> None:
        target = self.page + delta
        if 0 <= target < self.pages:
            self.load(page=target)

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.app.pop_screen()

    # ---- the highlighted event ------------------------------------------------------

    def current(self) -> AuditEvent | None:
        row = self.query_one("#audit-table", DataTable).cursor_row
        return self.events[row] if self.events and 0 <= row < len(self.events) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        event = self.current()
        before = self.query_one("#audit-before", Static)
        after = self.query_one("#audit-after", Static)
        if event is None:
            before.update(Text("No event.", "dim"))
            after.update(Text(""))
            return
        head = Text(f"#{event.seq} before", "bold")
        head.append(f"  {short_time(event.time)}  ", "dim")
        head.append_text(one_line(event.action, "bold"))
        head.append("\n")
        head.append_text(pretty(event.before))
        before.update(head)
        tail = Text(f"#{event.seq} after", "bold")
        tail.append("  hash ", "dim")
        tail.append(event.hash[:16] + "…", "dim")
        tail.append("\n")
        tail.append_text(pretty(event.after))
        after.update(tail)

    # ---- verify ---------------------------------------------------------------------

    def action_verify(self) -> None:
        status = self.query_one("#audit-verify", Static)
        status.remove_class("ok", "failed")
        status.update(Text("verifying the trail …", "dim"))
        ws = self.ws
        read_then_show(self, lambda: history.verify(ws), self._show_verify, group="audit-verify")

    def _show_verify(self, result: VerifyResult) -> None:
        self.result = result
        status = self.query_one("#audit-verify", Static)
        status.set_class(result.ok, "ok")
        status.set_class(not result.ok, "failed")
        text = Text("✓ " if result.ok else "✗ ")
        text.append_text(one_line(result.message))
        if not result.ok and result.seq is not None:
            text.append(f"   (j: show event #{result.seq})", "dim")
        status.update(text)
        self.app.notify(
            result.message, severity="information" if result.ok else "error", markup=False
        )

    def action_jump(self) -> None:
        """Show the first event the check found wrong: filters cleared, its page opened."""
        if self.result is None or self.result.ok or self.result.seq is None:
            self.app.notify(
                "Run the check first (v); it found nothing to jump to.", severity="warning"
            )
            return
        with self.prevent(Select.Changed, Input.Changed):
            self.query_one("#audit-coder", Select).clear()
            self.query_one("#audit-action", Select).clear()
            self.query_one("#audit-target", Input).value = ""
        newest = views.count_audit_events(self.ws)
        offset = max(0, newest - self.result.seq)
        self.load(page=offset // PAGE_SIZE, row=offset % PAGE_SIZE)
