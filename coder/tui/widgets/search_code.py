"""Search and code: find segments by words, a "phrase" or a regular expression (optionally
fuzzy), tick the hits that really mean what the code means, and apply the code to all
ticked hits in one step (``coding.apply_code_many``: one action, one audited event listing
every coding, so one undo takes the whole step back).

Hits are listed a page at a time in a DataTable, so a common word over a large project
never becomes thousands of rows; the search and the applying run in thread workers.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, DataTable, Input, Label, Static
from textual.worker import Worker, WorkerState

from coder.services.coding import apply_code_many
from coder.services.search import Hit, search_segments
from coder.services.workspace import Workspace
from coder.tui.widgets.errors import USER_ERRORS, show_error
from coder.tui.widgets.text import one_line, visible
from coder.tui.workers import keep_trying, not_saved

PAGE = 50
LIMIT = 2000
CONTEXT = 50


def hit_context(hit: Hit, context: int = CONTEXT) -> Text:
    """The hit's segment around its match, match in reverse bold, whitespace folded and
    every character shown literally."""
    start = max(0, hit.match_start - context)
    end = min(len(hit.text), hit.match_end + context)
    before = _fold(hit.text[start : hit.match_start]).lstrip()
    after = _fold(hit.text[hit.match_end : end]).rstrip()
    text = Text("…" if start else "", end="")
    text.append(before)
    text.append(_fold(hit.text[hit.match_start : hit.match_end]), style="bold reverse")
    text.append(after)
    if end < len(hit.text):
        text.append("…")
    return text


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", visible(text))


class SearchCodeScreen(ModalScreen[int | None]):
    """The search-and-code dialog. Dismisses with the number of codings added."""

    DEFAULT_CSS = """
    SearchCodeScreen { align: center middle; }
    SearchCodeScreen > Vertical {
        width: 95%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    SearchCodeScreen .dialog-title { text-style: bold; }
    SearchCodeScreen Horizontal { height: auto; }
    SearchCodeScreen #search-query { width: 1fr; }
    SearchCodeScreen #search-code { width: 1fr; }
    SearchCodeScreen Checkbox { width: auto; }
    SearchCodeScreen #search-hits { height: 1fr; }
    SearchCodeScreen #search-status { color: $text-muted; }
    SearchCodeScreen .search-label { width: auto; padding: 1 1 0 0; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="search.close", tooltip="Close search and code"),
        Binding(
            "ctrl+r",
            "toggle_regex",
            "Regex",
            id="search.regex",
            tooltip="Treat the query as a regular expression",
        ),
        Binding(
            "ctrl+f",
            "toggle_fuzzy",
            "Fuzzy",
            id="search.fuzzy",
            tooltip="Let words match near spellings",
        ),
        Binding(
            "space",
            "tick",
            "Tick",
            id="search.tick",
            tooltip="Tick or untick the hit under the cursor",
        ),
        Binding(
            "a",
            "tick_all",
            "Tick all",
            id="search.tick_all",
            tooltip="Tick every hit (or untick all)",
        ),
        Binding(
            "right_square_bracket",
            "page(1)",
            "Next page",
            id="search.next_page",
            tooltip="Next page of hits",
        ),
        Binding(
            "left_square_bracket",
            "page(-1)",
            "Prev page",
            id="search.prev_page",
            tooltip="Previous page of hits",
        ),
        Binding(
            "c", "focus_code", "Code", id="search.focus_code", tooltip="Choose the code to apply"
        ),
        Binding(
            "ctrl+s",
            "apply",
            "Apply",
            id="search.apply",
            tooltip="Apply the code to the ticked hits",
        ),
    ]

    def __init__(
        self, ws: Workspace, codes: list[str], code: str | None = None, query: str = ""
    ) -> None:
        super().__init__()
        self.ws = ws
        self.code_names = codes
        self.initial_code = code or ""
        self.initial_query = query
        self.hits: list[Hit] = []
        self.ticked: set[int] = set()
        self.page = 0
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Search and code", classes="dialog-title")
            with Horizontal():
                yield Input(
                    self.initial_query,
                    placeholder='words, "a phrase", or a regular expression',
                    id="search-query",
                )
                yield Checkbox("regex", id="search-regex")
                yield Checkbox("fuzzy", id="search-fuzzy")
            yield Static("Enter searches", id="search-status")
            table: DataTable[Text | str] = DataTable(
                id="search-hits", cursor_type="row", zebra_stripes=True
            )
            yield table
            with Horizontal():
                yield Label("code", classes="search-label")
                yield Input(
                    self.initial_code,
                    placeholder="code to apply",
                    id="search-code",
                    suggester=SuggestFromList(self.code_names, case_sensitive=False),
                )
            yield Static(
                "space ticks · a ticks all · [ ] pages · c code · Enter in code (or ctrl+s) applies · Esc closes",
                id="search-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("✓", key="tick", width=1)
        table.add_column("segment", key="ref", width=24)
        table.add_column("heading", key="heading", width=12)
        table.add_column("in context", key="context", width=max(30, self.app.size.width - 52))
        self.query_one("#search-query", Input).focus()

    # ---- searching -------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "search-query":
            self.run_search()
        else:
            self.action_apply()

    def run_search(self) -> None:
        query = self.query_one("#search-query", Input).value
        regex = self.query_one("#search-regex", Checkbox).value
        fuzzy = self.query_one("#search-fuzzy", Checkbox).value
        self._status("searching…")
        self.run_worker(
            lambda: search_segments(self.ws, query, regex=regex, fuzzy=fuzzy, limit=LIMIT),
            thread=True,
            exclusive=True,
            group="search",
            name="search",
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        name = event.worker.name
        error = event.worker.error
        if event.state == WorkerState.ERROR and error is not None:
            self.busy = False
            if isinstance(error, USER_ERRORS):
                if name == "apply":  # the ticks and the code stay: apply again to retry
                    line = not_saved(f"{self._applying} ({len(self.ticked)} ticked)", error)
                    self.notify(line, severity="error", markup=False, timeout=15)
                    self._status(line)
                    return
                show_error(self, error)
                self._status(str(error))
                return
            raise error
        if name == "search":
            self._show_hits(event.worker.result)
        elif name == "apply":
            self.busy = False
            added, code, ticked = event.worker.result
            already = ticked - added
            more = f" ({already} already had it)" if already else ""
            self.notify(f"applied {code!r} to {added} segments{more}", markup=False)
            self.dismiss(added)

    def _show_hits(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.ticked = set()
        self.page = 0
        self._fill()
        if hits:
            self.query_one(DataTable).focus()

    def _status(self, text: str) -> None:
        self.query_one("#search-status", Static).update(Text(text))

    def _pages(self) -> int:
        return max(1, (len(self.hits) + PAGE - 1) // PAGE)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        first = self.page * PAGE
        for index, hit in enumerate(self.hits[first : first + PAGE], start=first):
            table.add_row(
                "✓" if index in self.ticked else " ",
                one_line(str(hit.ref)),
                one_line(hit.heading or ""),
                hit_context(hit),
                key=str(index),
            )
        capped = f" (the first {LIMIT})" if len(self.hits) >= LIMIT else ""
        if self.hits:
            self._status(
                f"{len(self.hits)} hits{capped} · page {self.page + 1}/{self._pages()} · {len(self.ticked)} ticked"
            )
        else:
            self._status("no hits")

    # ---- ticking and paging ----------------------------------------------------------

    def _cursor_hit(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.page * PAGE + table.cursor_row

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("tick", "tick_all", "page", "focus_code"):
            return isinstance(self.focused, DataTable)
        return True

    def action_tick(self) -> None:
        index = self._cursor_hit()
        if index is None:
            return
        self.ticked ^= {index}
        table = self.query_one(DataTable)
        table.update_cell(str(index), "tick", "✓" if index in self.ticked else " ")
        self._fill_status_only()

    def action_tick_all(self) -> None:
        everything = set(range(len(self.hits)))
        self.ticked = set() if self.ticked == everything else everything
        row = self.query_one(DataTable).cursor_row
        self._fill()
        self.query_one(DataTable).move_cursor(row=row)

    def _fill_status_only(self) -> None:
        self._status(
            f"{len(self.hits)} hits · page {self.page + 1}/{self._pages()} · {len(self.ticked)} ticked"
        )

    def action_page(self, step: int) -> None:
        page = max(0, min(self._pages() - 1, self.page + step))
        if page != self.page:
            self.page = page
            self._fill()

    def action_toggle_regex(self) -> None:
        box = self.query_one("#search-regex", Checkbox)
        box.value = not box.value

    def action_toggle_fuzzy(self) -> None:
        box = self.query_one("#search-fuzzy", Checkbox)
        box.value = not box.value

    def action_focus_code(self) -> None:
        self.query_one("#search-code", Input).focus()

    # ---- applying --------------------------------------------------------------------

    def action_apply(self) -> None:
        if self.busy:
            return
        code = self.query_one("#search-code", Input).value.strip()
        if not self.ticked:
            self.notify("tick the hits to code first (space; a ticks all)", severity="warning")
            return
        if not code:
            self.notify("type the code to apply (c)", severity="warning")
            self.action_focus_code()
            return
        refs = [self.hits[i].ref for i in sorted(self.ticked)]
        self.busy = True
        self._applying = repr(code)
        self._status(f"applying {code!r} to {len(refs)} segments…")

        def progress(done: int, total: int) -> None:
            # from the worker's thread: the status line is drawn on the app's
            self.app.call_from_thread(
                self._status, f"applying {code!r}: {done:,} of {total:,} codings written…"
            )

        def apply() -> tuple[int, str, int]:
            added = keep_trying(
                self,
                lambda: apply_code_many(self.ws, refs, code, action="autocode", progress=progress),
                f"{code!r} on {len(refs)} segments",
            )
            return added, code, len(refs)

        self.run_worker(
            apply,
            thread=True,
            exclusive=True,
            group="apply",
            name="apply",
            exit_on_error=False,
        )

    def action_close(self) -> None:
        if not self.busy:
            self.dismiss(None)
