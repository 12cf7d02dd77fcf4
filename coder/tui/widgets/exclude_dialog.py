"""The dialog for setting records aside in phase 1: a reason from the project's short list
(or a new one, which joins the list) and a note in the researcher's own words.

It only returns the choice; the phase makes the service calls, so a refused choice (no
reason and no note) is said here, before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from coder.tui.widgets.dialogs import DIALOG_CSS
from coder.tui.widgets.text import one_line

NO_REASON = "(no reason from the list: the note says why)"


@dataclass(frozen=True)
class ExcludeChoice:
    reason: str | None
    new_reason: bool  # the reason was typed here and must join the project's list first
    note: str


class ExcludeScreen(ModalScreen[ExcludeChoice | None]):
    """Pick a reason (Enter moves on to the note), type a note, ctrl+s sets aside."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ExcludeScreen")
        + "ExcludeScreen OptionList { height: auto; max-height: 12; }"
    )
    BINDINGS = [
        Binding("ctrl+s", "save", "Set aside", id="dialog.save", tooltip="Set the record(s) aside"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without changing"),
    ]

    def __init__(self, title: str, reasons: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.reasons = reasons

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(one_line(self.title_text), classes="dialog-title")
            options = [Option(one_line(r)) for r in self.reasons] + [Option(Text(NO_REASON, "dim"))]
            yield OptionList(*options, id="exclude-reasons")
            yield Input(placeholder="or a new reason (joins the project's list)", id="exclude-new")
            yield Input(placeholder="note: why, in your own words (optional)", id="exclude-note")
            yield Static("", id="exclude-error", classes="dialog-error")
            yield Static(
                "Enter moves on · ctrl+s (or Enter in the note) sets aside · Esc cancels",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#exclude-note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "exclude-new":
            self.query_one("#exclude-note", Input).focus()
        else:
            self.action_save()

    def choice(self) -> ExcludeChoice | None:
        new = " ".join(self.query_one("#exclude-new", Input).value.split())
        note = self.query_one("#exclude-note", Input).value.strip()
        if new:
            return ExcludeChoice(new, new not in self.reasons, note)
        index = self.query_one(OptionList).highlighted
        reason = self.reasons[index] if index is not None and index < len(self.reasons) else None
        if reason is None and not note:
            return None
        return ExcludeChoice(reason, False, note)

    def action_save(self) -> None:
        choice = self.choice()
        if choice is None:
            self.query_one("#exclude-error", Static).update(
                Text("Say why: choose or type a reason, or write a note.")
            )
            self.query_one("#exclude-note", Input).focus()
            return
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
