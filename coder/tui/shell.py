"""The shell around the phases: a header with project and coder, and the phase stepper.

Braun and Clarke's phases are recursive, not a wizard, so the stepper shows all six with
their progress and any one can be opened at any time. Progress comes from a handful of
COUNT queries (``deferred.phase_progress``), run in a thread worker on start and after each
change, never per keystroke.

The shell is drawn before the project is open (coder.tui.deferred): nothing here imports
the services, and the header says which project is opening until ``set_workspace``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from coder.core.phases import PHASES
from coder.tui.widgets.text import one_line

if TYPE_CHECKING:  # the shell paints before the store is imported (coder.tui.deferred)
    from coder.services.workspace import Workspace

# The key shown on each step: F2..F7 open phases 1..6 (F1 is help).
PHASE_KEYS = {n: f"F{n + 1}" for n in PHASES}


@dataclass(frozen=True)
class PhaseProgress:
    """What the stepper shows for one phase."""

    text: str
    status: str = ""  # the coder-set phase status: "", "in progress", "done"
    short: str = ""  # for a narrow terminal: the figures alone ("9/133"); the name says of what


def compact(n: int) -> str:
    """A count in at most five characters, for a step on a narrow terminal: 9028, 67.5k, 1.2M."""
    if n < 10_000:
        return str(n)
    if n < 100_000:
        return f"{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M"


class PhaseStep(Static):
    """One phase in the stepper; clicking it opens the phase."""

    class Clicked(Message):
        def __init__(self, phase: int) -> None:
            super().__init__()
            self.phase = phase

    def __init__(self, phase: int) -> None:
        super().__init__(id=f"step-{phase}", classes="phase-step")
        self.phase = phase
        self.progress = PhaseProgress("")
        self.narrow = False

    def show(self, progress: PhaseProgress) -> None:
        self.progress = progress
        self._fit()
        self.update(self._text())

    def _fit(self) -> None:
        """Where the full step does not fit its width (80 columns, or a long count), it
        drops its F key and the words of its progress, so the name and the figures show
        whole instead of being cut."""
        width = self.content_region.width
        if not width:
            return
        lines = self._text(narrow=False).plain.split("\n")
        self.narrow = any(cell_len(line) > width for line in lines)

    def on_resize(self, event: events.Resize) -> None:
        narrow = self.narrow
        self._fit()
        if narrow != self.narrow:
            self.update(self._text())

    def _text(self, narrow: bool | None = None) -> Text:
        narrow = self.narrow if narrow is None else narrow
        name = Text(end="")
        name.append(f"{self.phase} {PHASES[self.phase]}", style="bold")
        if self.progress.status == "done":
            name.append(" ✓")
        if not narrow:
            name.append(f"  {PHASE_KEYS[self.phase]}", style="dim")
        name.append("\n")
        text = (self.progress.short or self.progress.text) if narrow else self.progress.text
        name.append_text(one_line(text or "\u00a0"))
        return name

    def on_mount(self) -> None:
        self.update(self._text())

    def on_click(self) -> None:
        self.post_message(self.Clicked(self.phase))


class PhaseStepper(Horizontal):
    """All six phases, the current one marked."""

    def compose(self) -> ComposeResult:
        for phase in PHASES:
            yield PhaseStep(phase)

    def set_current(self, phase: int) -> None:
        for step in self.query(PhaseStep):
            step.set_class(step.phase == phase, "-current")

    def show(self, progress: dict[int, PhaseProgress]) -> None:
        for step in self.query(PhaseStep):
            if step.phase in progress:
                step.show(progress[step.phase])

    def text_of(self, phase: int) -> str:
        """The step's text as shown (for tests and the palette's help)."""
        step = self.query_one(f"#step-{phase}", PhaseStep)
        return f"{phase} {PHASES[phase]} {step.progress.text}".strip()


def database_name(label: str) -> str:
    """A file's name (not its folder, which says little and changes between machines), or
    the URL of a server database without its password."""
    return label if "://" in label else Path(label).name


class ShellHeader(Vertical):
    """Project, coder, database; then the stepper. No clock: nothing time-dependent."""

    def __init__(self, ws: Workspace | None, opening: str = "") -> None:
        super().__init__(id="shell-header")
        self.ws = ws
        self.opening = opening  # what the command named, shown until the project is open

    def set_workspace(self, ws: Workspace) -> None:
        """The project is open: its name, the coder and the database replace 'opening'."""
        self.ws = ws
        self.query_one("#shell-title", Static).update(self._title())

    def _title(self, presence: str = "") -> Text:
        title = Text(end="")
        title.append("coder", style="bold")
        if self.ws is None:
            title.append("  ·  opening ")
            title.append_text(one_line(self.opening or "the project", style="dim"))
            title.append(" …")
            return title
        title.append("  ·  ")
        title.append_text(one_line(self.ws.project.name, style="bold"))
        title.append("  ·  coder ")
        title.append_text(one_line(self.ws.coder, style="bold"))
        title.append("  ·  ")
        title.append_text(one_line(database_name(self.ws.db.label), style="dim"))
        if presence:
            title.append("  ·  ")
            title.append_text(one_line(presence, style="italic"))
        return title

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="shell-title")
        yield PhaseStepper(id="stepper")

    def show_presence(self, text: str) -> None:
        """Who else has the project open and where ('also here: bob (code: gray2024)'),
        or that the database is out of reach; nothing when the coder is alone."""
        self.query_one("#shell-title", Static).update(self._title(text))
