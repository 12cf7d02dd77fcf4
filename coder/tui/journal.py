"""The reflexive journal: the project's stream of dated entries, reachable from anywhere.

Reflexive thematic analysis asks the researcher to record how their own position shapes
what they see, as they go; so the journal is one key away on every screen, newest entry
first, and an entry is written in a multi-line box and saved with one service call
(``notes.add_memo`` with kind "journal").
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from coder.core.model import Memo
from coder.core.phases import phase_label
from coder.services import views
from coder.services.notes import add_memo
from coder.services.workspace import Workspace
from coder.tui.messages import DataChanged
from coder.tui.widgets.dialogs import DiscardScreen
from coder.tui.widgets.errors import USER_ERRORS, attempt, show_error
from coder.tui.widgets.text import literal, one_line

SHOWN = 200  # newest entries listed; the rest stay in the store (and in `coder memo` output)


def when(stamp: str) -> str:
    """An ISO UTC time as "2024-05-01 14:03 UTC"; unparsable text is shown as it is."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def entry_text(memo: Memo) -> Text:
    text = Text(end="")
    text.append(when(memo.created_at), style="bold")
    text.append("  ")
    text.append_text(one_line(memo.coder, style="dim"))
    text.append(f"  {phase_label(memo.phase)}", style="dim")
    text.append("\n")
    text.append_text(literal(memo.text))
    return text


class JournalScreen(ModalScreen[None]):
    """Write a journal entry (ctrl+s) and read earlier ones, newest first."""

    DEFAULT_CSS = """
    JournalScreen { align: center middle; }
    JournalScreen > Vertical {
        width: 90%; max-width: 120; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    JournalScreen #journal-title { text-style: bold; }
    JournalScreen #journal-new { height: 8; }
    JournalScreen #journal-hint { color: $text-muted; }
    JournalScreen #journal-entries { height: 1fr; border-top: solid $primary; }
    JournalScreen .journal-entry { margin-bottom: 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "add", "Add entry", id="journal.add", tooltip="Save the entry to the journal"),
        Binding("escape", "close", "Close", id="journal.close", tooltip="Close the journal, adding the entry being written"),
        Binding("ctrl+g", "discard", "Discard", id="journal.discard", tooltip="Throw away the entry being written (asks first)"),
    ]  # fmt: skip

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Reflexive journal", id="journal-title")
            # A half-written entry survives Esc: the app keeps it until it is added.
            draft = str(getattr(self.app, "journal_draft", ""))
            yield TextArea(draft, id="journal-new", soft_wrap=True, tab_behavior="focus")
            yield Static(
                "ctrl+s adds the entry · Esc adds it and closes · ctrl+g discards it",
                id="journal-hint",
            )
            yield VerticalScroll(id="journal-entries")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self.show_entries()

    def entries(self) -> list[Memo]:
        return views.journal_entries(self.ws, SHOWN)

    def show_entries(self) -> None:
        box = self.query_one("#journal-entries", VerticalScroll)
        box.remove_children()
        try:
            memos = self.entries()
        except USER_ERRORS as error:
            show_error(self, error)
            return
        if not memos:
            box.mount(Static(Text("No entries yet.", style="dim")))
            return
        box.mount_all(Static(entry_text(m), classes="journal-entry") for m in memos)

    def action_add(self) -> None:
        area = self.query_one(TextArea)
        if not area.text.strip():
            self.notify("the entry is empty", severity="warning")
            return
        ok, _ = attempt(self, self._add, area.text)
        if not ok:
            return
        area.load_text("")
        self._keep_draft("")
        self.show_entries()
        self.app.post_message(DataChanged(refresh_phase=False))

    def _add(self, text: str) -> int:
        """Add the entry with the phase the researcher is in (the app's visible phase), so
        the memo browser and ``coder memo list --phase`` can place it."""
        phase = getattr(self.app, "phase", None)
        return add_memo(
            self.ws, text, "project", None, "journal", phase if isinstance(phase, int) else None
        )

    def action_close(self) -> None:
        """Esc keeps what was typed: a written entry is added before closing (if the store
        refuses it, the draft is kept for next time and the journal stays open)."""
        area = self.query_one(TextArea)
        if area.text.strip():
            ok, _ = attempt(self, self._add, area.text)
            if not ok:
                self._keep_draft(area.text)
                return
            self._keep_draft("")
            self.app.post_message(DataChanged(refresh_phase=False))
        else:
            self._keep_draft("")
        self.dismiss(None)

    def action_discard(self) -> None:
        area = self.query_one(TextArea)
        if not area.text.strip():
            return

        def answered(yes: bool | None) -> None:
            if yes:
                area.load_text("")
                self._keep_draft("")

        self.app.push_screen(DiscardScreen("this entry"), answered)

    def _keep_draft(self, text: str) -> None:
        if hasattr(self.app, "journal_draft"):
            self.app.journal_draft = text  # type: ignore[attr-defined]
