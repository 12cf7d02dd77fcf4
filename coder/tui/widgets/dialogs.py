"""Small modal dialogs shared by the phases: pick one of a few items, edit a text, create
a code. They return values to the phase, which makes the service call; only the new-code
dialog calls back before closing, so a refused name (a duplicate) keeps what was typed.
Esc never throws typed text away: it keeps it; discarding is its own key (ctrl+g) and asks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from coder.tui.widgets.text import literal, one_line

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 80%; max-width: 100; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 1 2;
}}
{name} .dialog-title {{ text-style: bold; margin-bottom: 1; }}
{name} .dialog-hint {{ color: $text-muted; margin-top: 1; }}
{name} .dialog-error {{ color: $error; }}
"""


class ChoiceScreen(ModalScreen[int | None]):
    """Choose one of a few labelled items; returns its index or None."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ChoiceScreen")
        + "ChoiceScreen OptionList { height: auto; max-height: 20; }"
    )
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without choosing")
    ]

    def __init__(self, title: str, items: list[Text]) -> None:
        super().__init__()
        self.title_text = title
        self.items = items

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            yield OptionList(*[Option(item) for item in self.items], id="choices")
            yield Static("Enter chooses · Esc cancels", classes="dialog-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DiscardScreen(ModalScreen[bool]):
    """Asks before throwing away what was typed: discarding is never one stray key."""

    DEFAULT_CSS = DIALOG_CSS.format(name="DiscardScreen")
    BINDINGS = [
        Binding("y", "answer(True)", "Discard", id="discard.yes", tooltip="Throw the text away"),
        Binding("n,escape", "answer(False)", "Keep", id="discard.no", tooltip="Go back to the text"),
    ]  # fmt: skip

    def __init__(self, what: str = "what you typed") -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Discard {self.what}?"), classes="dialog-title")
            yield Static("y discards · n or Esc goes back to the text", classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def confirm_discard(screen: ModalScreen, changed: bool, what: str = "what you typed") -> None:
    """Close ``screen`` with None, asking first when something typed would be lost."""
    if not changed:
        screen.dismiss(None)
        return

    def answered(yes: bool | None) -> None:
        if yes:
            screen.dismiss(None)

    screen.app.push_screen(DiscardScreen(what), answered)


class TextScreen(ModalScreen[str | None]):
    """Edit a multi-line text (a memo). Esc, like ctrl+s, keeps what was typed: nothing
    typed is lost by a reflex; throwing an edit away is ctrl+g, and asks first.

    Returns the text, or None when nothing changed or the edit was discarded."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TextScreen") + "TextScreen TextArea { height: 10; }"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="dialog.save", tooltip="Keep the text"),
        Binding("escape", "close", "Save+close", id="dialog.close", tooltip="Close, keeping what was typed"),
        Binding("ctrl+g", "discard", "Discard", id="dialog.discard", tooltip="Throw away what was typed (asks first)"),
    ]  # fmt: skip

    def __init__(
        self,
        title: str,
        text: str = "",
        hint: str = "Esc or ctrl+s saves · ctrl+g discards (asks first)",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.initial = text
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(one_line(self.title_text), classes="dialog-title")
            yield TextArea(self.initial, id="dialog-text", soft_wrap=True, tab_behavior="focus")
            yield Static(Text(self.hint), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @property
    def changed(self) -> bool:
        return self.query_one(TextArea).text != self.initial

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_close(self) -> None:
        self.dismiss(self.query_one(TextArea).text if self.changed else None)

    def action_discard(self) -> None:
        confirm_discard(self, self.changed, "this edit")


# (name, definition, parent or None) -> an error line to show, or None when done.
CreateCode = Callable[[str, str, str | None], str | None]


@dataclass(frozen=True)
class NewCode:
    """What the new-code dialog did: the code it created, and whether to apply it."""

    name: str
    apply: bool


class NewCodeScreen(ModalScreen[NewCode | None]):
    """Name and define a new code: top level unless a parent is chosen, applied only when
    asked (Enter), created only with ctrl+s; Esc with a name typed creates it too (what
    was typed is never lost), ctrl+g discards after asking."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NewCodeScreen")
    BINDINGS = [
        Binding("ctrl+s", "create(False)", "Create only", id="dialog.save", tooltip="Create the code without applying it"),
        Binding("escape", "close", "Close", id="dialog.close", tooltip="Close; a named code is created (not applied)"),
        Binding("ctrl+g", "discard", "Discard", id="dialog.discard", tooltip="Close without creating (asks first)"),
        Binding("ctrl+t", "under_highlighted", "Under highlighted", id="newcode.under",
                tooltip="Make it a sub-code of the code highlighted in the codebook"),
    ]  # fmt: skip

    def __init__(
        self,
        create: CreateCode,
        parent: str | None = None,
        name: str = "",
        codes: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.create = create
        self.highlighted_code = parent
        self.initial_name = name
        self.codes = list(codes)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New code", classes="dialog-title")
            yield Input(self.initial_name, placeholder="name", id="new-code-name")
            yield Input(placeholder="definition (what the code captures)", id="new-code-definition")
            suggester = SuggestFromList(self.codes, case_sensitive=False) if self.codes else None
            yield Input(
                placeholder="parent code (empty: top level; → completes a name)",
                id="new-code-parent",
                suggester=suggester,
            )
            yield Static("", id="new-code-error", classes="dialog-error")
            hint = "Enter creates and applies · ctrl+s creates only · Tab next field"
            if self.highlighted_code:
                hint += " · ctrl+t under the highlighted code"
            hint += " · Esc closes (a named code is created) · ctrl+g discards"
            yield Static(Text(hint), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#new-code-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create(True)

    def action_under_highlighted(self) -> None:
        if self.highlighted_code:
            self.query_one("#new-code-parent", Input).value = self.highlighted_code

    def _value(self, field: str) -> str:
        return self.query_one(f"#new-code-{field}", Input).value.strip()

    def action_create(self, apply: bool) -> None:
        name = self._value("name")
        parent = self._value("parent") or None
        error = (
            self.create(name, self._value("definition"), parent) if name else "a code needs a name"
        )
        if error:
            self.query_one("#new-code-error", Static).update(literal(error))
            return
        self.dismiss(NewCode(name, apply))

    def action_close(self) -> None:
        if self._value("name"):
            self.action_create(False)
        else:
            self.dismiss(None)

    def action_discard(self) -> None:
        typed = any(self._value(f) for f in ("name", "definition", "parent"))
        confirm_discard(self, typed, "this new code")
