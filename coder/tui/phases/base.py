"""What every phase shares: its keys as data, its palette entries, safe service calls and
reads in a thread.

A phase lists its keys once, as ``Key`` records (``KEYS``); the Textual bindings and the
command palette's "category: verb" entries are both made from that list, so a key and its
palette entry cannot drift apart. Every write goes through a service (``service``); a
user's error (ServiceError, a read-only store, a conflict) becomes one notification line,
and a write posts ``DataChanged`` so the shell's stepper catches up. Reads that can take a
moment on a 100,000-document project run through ``read_then_show``: read in a thread
worker, then show on the app's thread, never touching a widget from the thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, TypeVar

from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Input, TextArea

from coder.core.phases import PHASE_SLUGS
from coder.services.errors import USER_ERRORS
from coder.services.workspace import Workspace
from coder.tui.messages import DataChanged
from coder.tui.widgets.errors import show_error
from coder.tui.workers import read_then_show, report_failure, write_then_show

__all__ = ["FAILED", "Failed", "Key", "PaletteCommand", "Phase", "read_then_show"]

T = TypeVar("T")
PaletteCommand = tuple[str, Callable[[], object], str]


@dataclass(frozen=True)
class Key:
    """One key of a phase: its binding, and (when ``palette`` names it) its palette entry."""

    keys: str
    action: str
    label: str
    id: str
    tooltip: str
    show: bool = True
    palette: str | None = None  # "category: verb" in the command palette
    palette_help: str | None = None  # the palette's help line; the tooltip if None
    # Footer order (coder.tui.widgets.footer): lower first; the footer shows the keys that
    # fit at the terminal's width and leaves the rest to the help key (?).
    rank: int = 5

    def binding(self) -> Binding:
        return Binding(
            self.keys, self.action, self.label, show=self.show, id=self.id, tooltip=self.tooltip
        )


class Failed:
    """Marks a service call that failed (its error was already shown)."""

    def __bool__(self) -> bool:
        return False


FAILED = Failed()


class Phase(Container):
    """Base of the six phase containers, which the shell mounts in its ContentSwitcher.

    The shell relies on: ``refresh_data`` (re-read the store: on showing the phase and
    after undo), ``save_pending`` (save what is being typed: before quitting),
    ``palette_commands`` and, when defined, ``focus_target`` (what to focus on opening)."""

    NUMBER: ClassVar[int] = 0  # 1..6, Braun and Clarke's order (coder.core.phases)
    SLUG: ClassVar[str] = ""  # set from coder.core.phases.PHASE_SLUGS: "code"
    KEYS: ClassVar[tuple[Key, ...]] = ()
    FOOTER_RANKS: ClassVar[dict[str, int]] = {}  # binding id -> Key.rank, made from KEYS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before Textual's own hook, which merges the class's BINDINGS as it is created.
        if "KEYS" in cls.__dict__:
            cls.BINDINGS = [key.binding() for key in cls.KEYS]
            cls.FOOTER_RANKS = {key.id: key.rank for key in cls.KEYS}
        if cls.NUMBER in PHASE_SLUGS:
            cls.SLUG = PHASE_SLUGS[cls.NUMBER]
        super().__init_subclass__(**kwargs)

    def __init__(self, ws: Workspace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.ws = ws

    # ---- the contract with the shell ---------------------------------------------------

    def refresh_data(self) -> None:
        """Re-read the store in a thread, then show it (``read_data`` / ``show_data``)."""
        read_then_show(self, self.read_data, self.show_data, group="phase-data")

    def read_data(self) -> Any:  # pragma: no cover - phases using refresh_data override it
        """Read what the phase shows. Runs in a thread: reads only, no widgets."""
        raise NotImplementedError

    def show_data(self, data: Any) -> None:  # pragma: no cover - see read_data
        """Show what ``read_data`` returned (on the app's thread)."""
        raise NotImplementedError

    def save_pending(self) -> None:
        """Save anything typed but not yet saved (the shell calls this before quitting)."""

    # ---- other coders' work, live (coder.tui.live) ---------------------------------------

    def live_refresh(self, views: frozenset[str]) -> None:
        """Other coders changed what ``views`` names (coder.services.live). By default the
        phase re-reads, unless the coder is typing in it: reloading would replace the text
        box under their fingers, so it waits for the next change or the next visit."""
        focused = self.app.focused
        if isinstance(focused, Input | TextArea) and self in focused.ancestors:
            return
        self.refresh_data()

    def presence_document(self) -> str | None:
        """The key of the document this phase shows, for other coders' headers."""
        return None

    def palette_commands(self) -> list[PaletteCommand]:
        """The palette entries of the keys that name one, then ``extra_palette_commands``."""
        commands: list[PaletteCommand] = []
        for key in self.KEYS:
            if key.palette is not None:
                _destination, name, params = parse_action(key.action)
                callback = partial(getattr(self, f"action_{name}"), *params)
                commands.append((key.palette, callback, key.palette_help or key.tooltip))
        return commands + self.extra_palette_commands()

    def extra_palette_commands(self) -> list[PaletteCommand]:
        """Palette entries with no key of their own."""
        return []

    # ---- writes ------------------------------------------------------------------------

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

    def write(
        self,
        fn: Callable[..., T],
        *args: Any,
        done: str | None = None,
        then: Callable[[T], object] | None = None,
        failed: Callable[[], object] | None = None,
        **kwargs: Any,
    ) -> None:
        """``service`` for a write that is not text being typed (a status, a merge, a
        theme's codes): it runs in a write worker, so a busy project never freezes the
        screen (the worker waits, saying for whom). On success the shell and this phase
        are told, ``done`` is shown and ``then(result)`` runs; on failure the error line
        ("not saved: ..." when the project stayed busy) and ``failed()``."""
        what = fn.__name__.replace("_", " ")

        def show(result: T) -> None:
            self.data_changed()
            self.refresh_data()
            if done:
                self.app.notify(done, markup=False)
            if then is not None:
                then(result)

        def fail(error: Exception) -> None:
            report_failure(self, what, error)
            if failed is not None:
                failed()

        write_then_show(self, partial(fn, self.ws, *args, **kwargs), show, what=what, on_fail=fail)

    def data_changed(self) -> None:
        """Tell the shell its stepper is out of date; this phase has already updated what
        it shows, so the shell need not refresh it again."""
        self.post_message(DataChanged(refresh_phase=False))

    def remember(self, values: dict[str, str]) -> None:
        """Note where the coder is, for the next start (when the app keeps such notes)."""
        remember = getattr(self.app, "remember", None)
        if remember is not None:
            remember(values)

    def focus_target(self) -> Widget | None:
        """What the shell focuses on opening the phase; None: the first focusable widget
        that is not a text box."""
        return None
