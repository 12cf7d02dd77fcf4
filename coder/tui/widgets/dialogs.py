"""Small modal dialogs shared by the phases: pick one of a few items, edit a text, create
a code. They return values to the phase, which makes the service call; only the new-code
dialog calls back before closing, so a refused name (a duplicate) keeps what was typed."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList, Static, TextArea
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


class TextScreen(ModalScreen[str | None]):
    """Edit a multi-line text (a memo); ctrl+s keeps it, Esc drops the edit."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TextScreen") + "TextScreen TextArea { height: 10; }"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="dialog.save", tooltip="Keep the text"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self, title: str, text: str = "", hint: str = "ctrl+s saves · Esc cancels"
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

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


# (name, definition, parent or None) -> an error line to show, or None when done.
CreateCode = Callable[[str, str, str | None], str | None]


class NewCodeScreen(ModalScreen[str | None]):
    """Name and define a new code (under the highlighted one, unless unticked)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NewCodeScreen")
    BINDINGS = [
        Binding(
            "ctrl+s", "create", "Create", id="dialog.save", tooltip="Create the code and apply it"
        ),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without creating"),
    ]

    def __init__(self, create: CreateCode, parent: str | None = None, name: str = "") -> None:
        super().__init__()
        self.create = create
        self.parent_code = parent
        self.initial_name = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New code", classes="dialog-title")
            yield Input(self.initial_name, placeholder="name", id="new-code-name")
            yield Input(placeholder="definition (what the code captures)", id="new-code-definition")
            if self.parent_code:
                label = Text("a sub-code of ")
                label.append_text(one_line(self.parent_code))
                yield Checkbox(label, value=True, id="new-code-parent")
            yield Static("", id="new-code-error", classes="dialog-error")
            yield Static(
                "Enter moves on and creates · ctrl+s creates · Esc cancels", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#new-code-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "new-code-name":
            self.query_one("#new-code-definition", Input).focus()
        else:
            self.action_create()

    def action_create(self) -> None:
        name = self.query_one("#new-code-name", Input).value.strip()
        definition = self.query_one("#new-code-definition", Input).value.strip()
        parent = None
        if self.parent_code and self.query_one("#new-code-parent", Checkbox).value:
            parent = self.parent_code
        error = self.create(name, definition, parent) if name else "a code needs a name"
        if error:
            self.query_one("#new-code-error", Static).update(literal(error))
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
