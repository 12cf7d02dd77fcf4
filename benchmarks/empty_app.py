"""Textual's floor: an app with one label and one key that changes it.

Imported by the TUI benchmark (started in-process with ``run_test``) and launched as a
process (``python -m benchmarks.empty_app``) for the time-from-the-command figure."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

READY_TEXT = "empty-app-ready"


class EmptyApp(App[None]):
    BINDINGS = [Binding("enter", "bump", "Bump", id="bench.bump")]

    def compose(self) -> ComposeResult:
        yield Static(READY_TEXT, id="label")

    def action_bump(self) -> None:
        self.bumped = getattr(self, "bumped", 0) + 1
        self.query_one("#label", Static).update(f"pressed {self.bumped}")


if __name__ == "__main__":
    EmptyApp().run()
