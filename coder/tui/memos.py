"""The memo browser: every memo and note of the project in one place (F10, or the palette).

Memos live on many things (the journal on the project, familiarisation notes on
documents, memos on codes, themes and codings: phase 2's ``m`` keeps those on the coding
itself), and an analyst writing up needs to read them side by side: so one table lists
them all, newest first (``notes.list_memos``, which ``coder memo list`` reads too),
filtered by what they are on, by coder, by phase and by words in their text. Enter jumps
to the passage a memo is about (phase 2 at its document and unit); e edits a memo in place
and Esc saves it (``notes.edit_memo``, or ``coding.set_coding_memo`` for a coding memo,
audited like every change).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static, TextArea

from coder.core.model import Memo
from coder.core.phases import CODING_MEMO, PHASES, phase_label
from coder.services.coding import UnitRef, set_coding_memo
from coder.services.notes import TARGETS, edit_memo, list_memos, memo_coders, memo_phases
from coder.services.workspace import Workspace
from coder.tui.journal import when
from coder.tui.messages import DataChanged
from coder.tui.widgets.errors import USER_ERRORS, attempt, show_error
from coder.tui.widgets.row_table import RowTable
from coder.tui.widgets.text import literal, one_line

ON = {"project": "journal", "document": "document", "code": "code", "theme": "theme",
      "coding": "coded passage"}  # fmt: skip


def memo_place(memo: Memo) -> str:
    """What a memo is on, as the user knows it: "journal, phase 2 Code" (the phase it was
    written in), "code: us and them", "gray2024:3"."""
    if memo.target_type == "project":
        return f"journal, {phase_label(memo.phase)}" if memo.kind == "journal" else "journal"
    place = f"{ON.get(memo.target_type, memo.target_type)}: {memo.label or memo.target or '?'}"
    return f"{place} ({memo.code})" if memo.kind == CODING_MEMO else place


def unit_ref(label: str) -> UnitRef:
    """A coding's unit from its label: "key:3", or "key@10-42" for a span."""
    key, at, span = label.partition("@")
    start, _, end = span.partition("-")
    if at and start.isdigit() and end.isdigit():
        return UnitRef(key, start=int(start), end=int(end))
    return UnitRef.parse(label)


class MemoScreen(ModalScreen[None]):
    """Browse, search and edit all memos; jump to what a memo is about."""

    DEFAULT_CSS = """
    MemoScreen { align: center middle; }
    MemoScreen > Vertical {
        width: 95%; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    MemoScreen #memo-title { text-style: bold; }
    MemoScreen #memo-search { height: 3; }
    MemoScreen #memo-table { height: 1fr; }
    MemoScreen #memo-text { height: auto; max-height: 8; border-top: solid $primary; }
    MemoScreen #memo-edit { height: 8; display: none; }
    MemoScreen #memo-edit.editing { display: block; }
    MemoScreen #memo-hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("t", "cycle_target", "On", id="memos.target", tooltip="Show memos on one kind of thing, then the next, then all"),
        Binding("o", "cycle_coder", "Coder", id="memos.coder", tooltip="Show one coder's memos, then the next, then all"),
        Binding("p", "cycle_phase", "Phase", id="memos.phase", tooltip="Show one phase's memos, then the next, then all"),
        Binding("slash", "search", "Search", id="memos.search", tooltip="Find words in the memos' text"),
        Binding("e", "edit", "Edit", id="memos.edit", tooltip="Edit the memo in place (Esc saves)"),
        Binding("enter", "jump", "Go to", id="memos.jump", tooltip="Open the passage or document the memo is about"),
        Binding("escape", "close", "Close", id="memos.close", tooltip="Save an edit, clear the search, or close"),
    ]  # fmt: skip

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self.target: str | None = None
        self.coder: str | None = None
        self.phase: int | None = None
        self.memos: list[Memo] = []
        self.editing: Memo | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Memos and notes", id="memo-title")
            yield Input(placeholder="/ search the memos' text", id="memo-search")
            yield RowTable(id="memo-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="memo-text")
            yield TextArea(id="memo-edit", soft_wrap=True, tab_behavior="focus")
            yield Static(
                "t: on (journal, document, code, theme, coded passage) · o: coder · p: phase · "
                "/: search · "
                "e: edit (Esc saves) · Enter: go to · Esc: close",
                id="memo-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one("#memo-table", RowTable)
        for label, width in (("when", 16), ("coder", 10), ("on", 22), ("memo", 16)):
            table.add_column(label, width=width)
        table.grow(3)  # the memo's text takes the rest of the width, not a scroll off-screen
        table.focus()
        self.refresh_memos()

    def refresh_memos(self) -> None:
        search = self.query_one("#memo-search", Input).value
        try:
            self.memos = list_memos(
                self.ws, target_type=self.target, coder=self.coder, phase=self.phase,
                search=search, limit=500,
            )  # fmt: skip
        except USER_ERRORS as error:
            show_error(self, error)
            return
        table = self.query_one("#memo-table", DataTable)
        table.clear()
        for memo in self.memos:
            table.add_row(
                Text(when(memo.created_at)[:16]),
                one_line(memo.coder),
                one_line(memo_place(memo)),
                one_line(memo.text[:200]),
            )
        filters = [f"on {ON.get(self.target, self.target)}" if self.target else "",
                   f"by {self.coder}" if self.coder else "",
                   f"phase {self.phase} {PHASES[self.phase]}" if self.phase else "",
                   f"matching {search!r}" if search.strip() else ""]  # fmt: skip
        title = f"Memos and notes: {len(self.memos)} shown"
        if any(filters):
            title += " (" + ", ".join(f for f in filters if f) + ")"
        self.query_one("#memo-title", Label).update(title)
        self.show_current()

    def current(self) -> Memo | None:
        table = self.query_one("#memo-table", DataTable)
        if not self.memos or not 0 <= table.cursor_row < len(self.memos):
            return None
        return self.memos[table.cursor_row]

    def show_current(self) -> None:
        memo = self.current()
        text = Text("No memo here.", "dim") if memo is None else literal(memo.text)
        self.query_one("#memo-text", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_current()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_jump()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_memos()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#memo-table", DataTable).focus()

    def action_cycle_target(self) -> None:
        choices: list[str | None] = [None, *TARGETS]
        self.target = choices[(choices.index(self.target) + 1) % len(choices)]
        self.refresh_memos()

    def action_cycle_coder(self) -> None:
        choices: list[str | None] = [None, *memo_coders(self.ws)]
        at = choices.index(self.coder) if self.coder in choices else 0
        self.coder = choices[(at + 1) % len(choices)]
        self.refresh_memos()

    def action_cycle_phase(self) -> None:
        """The phases that have memos, in order, then all again."""
        choices: list[int | None] = [None, *memo_phases(self.ws)]
        at = choices.index(self.phase) if self.phase in choices else 0
        self.phase = choices[(at + 1) % len(choices)]
        self.refresh_memos()

    def action_search(self) -> None:
        self.query_one("#memo-search", Input).focus()

    def action_edit(self) -> None:
        memo = self.current()
        if memo is None:
            return
        self.editing = memo
        area = self.query_one("#memo-edit", TextArea)
        area.load_text(memo.text)
        area.add_class("editing")
        area.focus()

    def save_edit(self) -> None:
        memo, self.editing = self.editing, None
        area = self.query_one("#memo-edit", TextArea)
        area.remove_class("editing")
        self.query_one("#memo-table", DataTable).focus()
        if memo is None or area.text.strip() == memo.text.strip():
            return
        if not area.text.strip():
            self.notify(
                "an empty memo is not saved: the memo is kept as it was", severity="warning"
            )
            return
        if memo.kind == CODING_MEMO:  # kept on the coding: its coder's own to change
            ref = unit_ref(memo.label or "")
            ok, _ = attempt(self, set_coding_memo, self.ws, ref, memo.code, area.text)
        else:
            ok, _ = attempt(self, edit_memo, self.ws, memo.id, area.text)
        if ok:
            self.notify(f"memo on {memo_place(memo)} saved", markup=False)
            self.app.post_message(DataChanged(refresh_phase=False))
            self.refresh_memos()

    def action_close(self) -> None:
        search = self.query_one("#memo-search", Input)
        if self.editing is not None:
            self.save_edit()
        elif search.value:
            search.value = ""
            self.query_one("#memo-table", DataTable).focus()
        else:
            self.dismiss(None)

    def action_jump(self) -> None:
        memo = self.current()
        if memo is None or memo.target_type not in ("document", "coding"):
            self.notify("this memo is not on a passage or a document", severity="warning")
            return
        label = memo.label or ""
        key, _, unit = label.partition(":") if memo.target_type == "coding" else (label, "", "")
        key = key.split("@")[0]
        ordinal = int(unit) if unit.isdigit() else 1
        opener = getattr(self.app, "open_passage", None)
        self.dismiss(None)
        if callable(opener):
            opener(key, ordinal)
