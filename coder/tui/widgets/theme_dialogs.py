"""Small keyboard dialogs for phases 3 to 6: ask for a name, confirm, pick from a list.

The picker ranks its choices with the same fuzzy matcher as the coding phase
(``coder.core.matching.filter_codes``): typing "tred carfuly" still finds "tread
carefully". In a multi-choice picker, tab marks the highlighted item (space has to stay
a space in the filter), enter takes the marked items, or the highlighted one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from coder.core.matching import filter_codes
from coder.core.model import Code
from coder.tui.phases import PHASES_CSS
from coder.tui.widgets.dialogs import confirm_discard
from coder.tui.widgets.text import one_line

Ranker = Callable[[str], list[str]]


def rank_names(names: Sequence[str]) -> Ranker:
    """A ranker over plain names (themes) using the code matcher's scoring."""
    as_codes = [Code(name=n) for n in names]
    return lambda query: [c.name for c in filter_codes(query, as_codes)]


def rank_codes(codes: Sequence[Code]) -> Ranker:
    """A ranker over codes: names first, keywords a little less."""
    return lambda query: [c.name for c in filter_codes(query, list(codes))]


class LaterDialog(ModalScreen):
    """Base of the dialogs: shared CSS, escape cancels."""

    CSS_PATH = PHASES_CSS
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without choosing")
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptDialog(LaterDialog):
    """Ask for one line of text (a theme's name); returns it, or None if nothing new was
    typed or it was discarded. Esc keeps a typed name like Enter (nothing typed is lost by
    a reflex); ctrl+g discards it, after asking."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="prompt.close", tooltip="Close, keeping a typed name"),
        Binding("ctrl+g", "discard", "Discard", id="prompt.discard", tooltip="Close without the name (asks first)"),
    ]  # fmt: skip

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label("enter or escape: OK   ctrl+g: discard", classes="dialog-help")

    @property
    def typed(self) -> str:
        return self.query_one("#prompt-input", Input).value.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if value:
            self.dismiss(value)

    def action_close(self) -> None:
        typed = self.typed
        self.dismiss(typed if typed and typed != self.value.strip() else None)

    def action_discard(self) -> None:
        confirm_discard(self, self.typed != self.value.strip(), "this name")


class ConfirmDialog(LaterDialog):
    """Ask yes or no; returns True only on y or enter."""

    BINDINGS = [
        Binding("y,enter", "confirm", "Yes", id="dialog.yes", tooltip="Go ahead"),
        Binding("n,escape", "cancel", "No", id="dialog.no", tooltip="Leave things as they are"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.question), classes="dialog-title")
            yield Label("y / enter: yes   n / escape: no", classes="dialog-help")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class PickDialog(LaterDialog):
    """Choose one item (or several, with ``multi``) from a fuzzy-filtered list.

    Returns the chosen names in list order, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without choosing"),
        Binding(
            "up", "move(-1)", "Up", show=False, id="pick.up", tooltip="Highlight the previous item"
        ),
        Binding(
            "down", "move(1)", "Down", show=False, id="pick.down", tooltip="Highlight the next item"
        ),
        Binding(
            "pageup", "move(-10)", "Page up", show=False, id="pick.pageup", tooltip="Ten items up"
        ),
        Binding(
            "pagedown",
            "move(10)",
            "Page down",
            show=False,
            id="pick.pagedown",
            tooltip="Ten items down",
        ),
        Binding(
            "tab",
            "mark",
            "Mark",
            priority=True,
            id="pick.mark",
            tooltip="Mark or unmark the highlighted item",
        ),
    ]

    def __init__(
        self,
        title: str,
        choices: Sequence[str],
        ranker: Ranker | None = None,
        multi: bool = False,
        marked: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.ranker = ranker or rank_names(self.choices)
        self.multi = multi
        self.marked: set[str] = set(marked) & set(self.choices)
        self.shown: list[str] = list(self.choices)

    def compose(self) -> ComposeResult:
        help_line = "type to filter   up/down: move   enter: choose   escape: cancel"
        if self.multi:
            help_line = (
                "type to filter   tab: mark   enter: take marked (or highlighted)   escape: cancel"
            )
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            yield Input(placeholder="filter (fuzzy)", id="pick-filter")
            yield OptionList(id="pick-list")
            yield Label(help_line, classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#pick-list", OptionList).can_focus = False
        self._fill()

    def _label(self, name: str) -> Text:
        label = one_line(name)
        if self.multi:
            label = Text.assemble(("✓ " if name in self.marked else "  ", "bold green"), label)
        return label

    def _fill(self) -> None:
        options = self.query_one("#pick-list", OptionList)
        query = self.query_one("#pick-filter", Input).value
        allowed = set(self.choices)
        self.shown = (
            [n for n in self.ranker(query) if n in allowed] if query.strip() else list(self.choices)
        )
        options.set_options([Option(self._label(n), id=str(i)) for i, n in enumerate(self.shown)])
        if self.shown:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose()

    @property
    def highlighted_name(self) -> str | None:
        index = self.query_one("#pick-list", OptionList).highlighted
        return self.shown[index] if index is not None and 0 <= index < len(self.shown) else None

    def action_move(self, delta: int) -> None:
        options = self.query_one("#pick-list", OptionList)
        if not self.shown:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    def action_mark(self) -> None:
        name = self.highlighted_name
        if not self.multi or name is None:
            return
        self.marked ^= {name}
        options = self.query_one("#pick-list", OptionList)
        index = options.highlighted or 0
        options.replace_option_prompt_at_index(index, self._label(name))
        self.action_move(1)

    def _choose(self) -> None:
        if self.multi and self.marked:
            self.dismiss([n for n in self.choices if n in self.marked])
            return
        name = self.highlighted_name
        if name is not None:
            self.dismiss([name])
