"""The shell around the phases: a header with project and coder, and the phase stepper.

Braun and Clarke's phases are recursive, not a wizard, so the stepper shows all six with
their progress and any one can be opened at any time. Progress comes from a handful of
COUNT queries (``views.phase_counts``), run in a thread worker on start and after each change,
never per keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from coder.core.phases import PHASES
from coder.services import views
from coder.services.views import Totals
from coder.services.workspace import Workspace
from coder.tui.widgets.text import one_line

# The key shown on each step: F2..F7 open phases 1..6 (F1 is help).
PHASE_KEYS = {n: f"F{n + 1}" for n in PHASES}


@dataclass(frozen=True)
class PhaseProgress:
    """What the stepper shows for one phase."""

    text: str
    status: str = ""  # the coder-set phase status: "", "in progress", "done"
    short: str = ""  # for a narrow terminal: the figures alone ("9/133"); the name says of what


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def compact(n: int) -> str:
    """A count in at most five characters, for a step on a narrow terminal: 9028, 67.5k, 1.2M."""
    if n < 10_000:
        return str(n)
    if n < 100_000:
        return f"{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M"


def phase_progress(
    ws: Workspace, coder_id: int | None, totals: Totals | None = None
) -> tuple[dict[int, PhaseProgress], Totals]:
    """Progress of every phase from COUNT queries (safe to run in a thread); ``totals``
    reuses an earlier corpus count. Returns the progress and the totals used."""
    totals = totals or views.count_totals(ws)
    counts = views.phase_counts(ws, coder_id)
    read, coded, unassigned = counts.read, counts.coded, counts.unassigned_codes
    statuses, marked = counts.theme_statuses, counts.marked
    themes = sum(statuses.values())
    reviewed = statuses.get("reviewed", 0) + statuses.get("defined", 0)
    defined = statuses.get("defined", 0)
    texts = {
        1: f"{read}/{totals.documents} read",
        2: f"{coded}/{totals.segments} segments",
        3: f"{_plural(themes, 'theme')}, {_plural(unassigned, 'unassigned code')}",
        4: f"{reviewed}/{themes} reviewed",
        5: f"{defined}/{themes} defined",
        6: "",
    }
    shorts = {
        1: f"{compact(read)}/{compact(totals.documents)}",
        2: f"{compact(coded)}/{compact(totals.segments)}",
        3: f"{themes}, {unassigned} unassigned",
        4: f"{reviewed}/{themes}",
        5: f"{defined}/{themes}",
        6: "",
    }
    progress = {n: PhaseProgress(texts[n], marked.get(n, ""), shorts[n]) for n in PHASES}
    return progress, totals


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
        text = self.progress.short if narrow else self.progress.text
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

    def __init__(self, ws: Workspace) -> None:
        super().__init__(id="shell-header")
        self.ws = ws

    def _title(self, presence: str = "") -> Text:
        title = Text(end="")
        title.append("coder", style="bold")
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
