"""What phases 3 to 6 share: their stylesheet, reads in a thread, service calls that
never crash the app, and the "data changed" signal the shell's stepper listens to.

Every write goes through a service; a ServiceError (or a store problem such as a
read-only file) becomes one notification line, and a successful write posts the shell's
``DataChanged`` message so the phase stepper catches up. A phase re-reads the store in a
thread worker (``read_data``) and only then touches its widgets (``show_data``): on a
100,000-document project the grouped counts take about a second, which must not freeze
the keyboard.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from textual import work
from textual.containers import Vertical
from textual.worker import get_current_worker

from coder.services.workspace import Workspace
from coder.tui.app import DataChanged
from coder.tui.widgets.errors import USER_ERRORS, show_error

CSS_FILE = Path(__file__).resolve().parents[1] / "phase_later.tcss"
LATER_CSS = CSS_FILE.read_text(encoding="utf-8")

T = TypeVar("T")
PaletteCommand = tuple[str, Callable[[], object], str]


class Failed:
    """Marks a service call that failed (its error was already shown)."""

    def __bool__(self) -> bool:
        return False


FAILED = Failed()


class LaterPhase(Vertical):
    """Base of the phase 3-6 containers: a workspace, safe writes, the shared CSS."""

    DEFAULT_CSS = LATER_CSS
    SCOPED_CSS = False

    def __init__(self, ws: Workspace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.ws = ws

    def show_error(self, error: Exception) -> None:
        """A user error as one line; never markup (names come from users' files)."""
        show_error(self, error)

    def service(
        self, fn: Callable[..., T], *args: Any, done: str | None = None, **kwargs: Any
    ) -> T | Failed:
        """Call a service that writes. On success: tell the shell (``DataChanged``),
        reload this phase and show ``done``; on a user error: show it, return FAILED."""
        try:
            result = fn(self.ws, *args, **kwargs)
        except USER_ERRORS as error:
            self.show_error(error)
            return FAILED
        self.data_changed()
        self.refresh_data()
        if done:
            self.app.notify(done, markup=False)
        return result

    def data_changed(self) -> None:
        """Tell the shell its stepper is out of date; this phase has already reloaded
        what it shows, so the shell need not refresh it again."""
        self.post_message(DataChanged(refresh_phase=False))

    def refresh_data(self) -> None:
        """Re-read the store (the shell calls this on showing the phase and after undo)."""
        self._read_in_thread()

    @work(thread=True, exclusive=True, group="phase-data")
    def _read_in_thread(self) -> None:
        worker = get_current_worker()
        try:
            data = self.read_data()
        except USER_ERRORS as error:
            if not worker.is_cancelled:
                self.app.call_from_thread(self.show_error, error)
            return
        if not worker.is_cancelled:  # a newer read is on its way: this one is stale
            self.app.call_from_thread(self.show_data, data)

    def read_data(self) -> Any:  # pragma: no cover - every phase overrides it
        """Read what the phase shows. Runs in a thread: reads only, no widgets."""
        raise NotImplementedError

    def show_data(self, data: Any) -> None:  # pragma: no cover - every phase overrides it
        """Show what ``read_data`` returned (on the app's thread)."""
        raise NotImplementedError

    def palette_commands(self) -> list[PaletteCommand]:
        return []
