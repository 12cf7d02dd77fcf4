"""The help screen: every key that works where the coder is, with its binding id.

It lists the bindings active on the screen underneath (the focused widget, its phase,
the app), after the user's keymap was applied, so it never documents a key that the
keys file changed. The id column is what goes into keys.yaml to remap a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from coder.tui.keymap import keymap_path


@dataclass(frozen=True)
class HelpRow:
    keys: str
    description: str
    binding_id: str
    enabled: bool = True


def binding_rows(screen: Screen) -> list[HelpRow]:
    """The screen's active bindings, one row per action with all its keys."""
    app = screen.app
    grouped: dict[tuple[str, str], tuple[list[str], Binding, bool]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system:
            continue
        group = (binding.id or binding.action, binding.action)
        keys, _binding, enabled = grouped.setdefault(group, ([], binding, active.enabled))
        shown = app.get_key_display(binding.with_key(key))
        if shown not in keys:
            keys.append(shown)
    rows = [
        HelpRow(
            ", ".join(keys),
            binding.tooltip or binding.description or binding.action,
            binding.id or "",
            enabled,
        )
        for keys, binding, enabled in grouped.values()
    ]
    # Ours by id (grouped by area); Textual's own keys, which have no id, last.
    return sorted(rows, key=lambda r: (not r.binding_id, r.binding_id, r.keys))


class HelpScreen(ModalScreen[None]):
    """Keys of the current screen; Esc, F1 or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 120; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; }
    HelpScreen DataTable { height: 1fr; }
    HelpScreen #help-note { color: $text-muted; }
    """

    BINDINGS = [
        Binding(
            "escape,f1,question_mark,q", "close", "Close", id="help.close", tooltip="Close the help"
        )
    ]

    def __init__(self, rows: list[HelpRow], context: str) -> None:
        super().__init__()
        self.rows = rows
        self.context = context

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Keys: {self.context}"), id="help-title")
            table: DataTable[Text] = DataTable(
                id="help-keys", cursor_type="row", zebra_stripes=True
            )
            yield table
            yield Static(
                Text(
                    "Phases: F2-F7 (or alt+1..alt+6). Remap any key by its id in "
                    f"{keymap_path()} (one 'id: key' per line; see docs/keys.md)."
                ),
                id="help-note",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("keys", key="keys")
        table.add_column("what it does", key="what")
        table.add_column("id", key="id")
        for row in self.rows:
            style = "" if row.enabled else "dim"
            table.add_row(
                Text(row.keys, style=f"bold {style}"),
                Text(row.description, style=style),
                Text(row.binding_id, style="dim"),
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
