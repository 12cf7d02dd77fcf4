"""The Textual app: the shell, the six phases, the journal, help, palette and keymap.

One factory (``make_app``) serves the tests and the benchmarks on an open project; the CLI
starts the app on the project it names (``open_and_run``) and ``run_app`` on one it opened
(the demo). The app never writes analysis data itself: phases call the services, then post
``DataChanged`` (``coder.tui.messages``) so the stepper (and, when asked, the visible
phase) re-read the store. It reads and writes only through ``coder.services``.

Paint first, then load: this module imports Textual and the shell only. Started from the
command, the app draws the header, the stepper, an empty pane and the footer, then a thread
worker imports ``coder.tui.deferred`` (services, store, phases), opens the project and the
app mounts the phase where the coder left off. On an SQLite project the thread first
reads that phase's first screen with sqlite3 alone (``coder.tui.preview``), drawn
read-only in the empty pane long before SQLModel is imported; the phase replaces it once
it has drawn its own data. Until then only quitting works; the other keys show disabled in
the footer, and a key pressed meanwhile is not applied (the app says which, once open).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input
from textual.worker import Worker, WorkerState

from coder.core.phases import PHASE_SLUGS, PHASES
from coder.tui.crash import crash_message, write_crash_log
from coder.tui.messages import DataChanged
from coder.tui.palette import CoderCommands
from coder.tui.phases import PHASES_CSS
from coder.tui.preview import OpeningPane, read_first_frame
from coder.tui.shell import PhaseStep, PhaseStepper, ShellHeader
from coder.tui.widgets.footer import KeyFooter

if TYPE_CHECKING:  # the first frame goes out before these are imported
    from textual.geometry import Size

    from coder.services.listing import FirstFrame
    from coder.services.views import Totals
    from coder.services.workspace import Workspace
    from coder.tui.deferred import Opened
    from coder.tui.live import TeamLink
    from coder.tui.phases.base import Phase


def deferred() -> ModuleType:
    """The services, the phases and the screens (``coder.tui.deferred``).

    The one deferred import in coder.tui: the loading thread makes it after the first
    frame (the store costs twice what Textual needs to paint); once loaded it is a lookup
    in ``sys.modules``. tests/tui/test_import_graph.py allows this import and no other."""
    from coder.tui import deferred as module

    return module


@dataclass(frozen=True)
class ProjectArgs:
    """The project a command names (``--db``, ``--coder``, ``--project``), not yet open."""

    db: str | None
    coder: str | None
    project: str | None


HERE = Path(__file__).resolve().parent
SHELL_CSS = HERE / "shell.tcss"  # all the first frame needs
PHASE_CSS = [HERE / "app.tcss", PHASES_CSS]  # read once the project is open

PREVIEW_WAIT = 0.3  # seconds the loading thread waits for the preview to be drawn
REVEAL_WAIT = 1.0  # seconds a newly opened phase may take to draw its data, hidden
REVEAL_POLL = 0.02
STATE_DELAY = 0.5  # seconds: where-you-left-off is saved once movement pauses
PROGRESS_DELAY = 0.25  # seconds: the stepper recounts once a burst of changes pauses


def _phase_binding(n: int) -> Binding:
    return Binding(
        f"f{n + 1},alt+{n}",
        f"phase({n})",
        PHASES[n],
        show=False,
        id=f"phase.{PHASE_SLUGS[n]}",
        tooltip=f"Open phase {n}: {PHASES[n]}",
    )


SHORT = 32  # rows: below this, secondary panes collapse
NARROW = 110  # columns: below this, side panes narrow


class CoderApp(App[None]):
    """The workbench on one open project (``self.ws``)."""

    CSS_PATH = [SHELL_CSS, *PHASE_CSS]
    TITLE = "coder"
    COMMANDS = App.COMMANDS | {CoderCommands}

    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="help.keys", tooltip="Show the keys of this screen"),
        *[_phase_binding(n) for n in PHASES],
        Binding("ctrl+z", "undo", "Undo", id="history.undo", tooltip="Undo your last change"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="history.redo", tooltip="Redo what you undid"),
        Binding("f10", "memos", "Memos", show=False, id="memos.open", tooltip="Browse, search and edit all memos and notes"),
        Binding("f8,ctrl+o", "journal", "Journal", id="journal.open", tooltip="Open the reflexive journal"),
        Binding("f9,ctrl+t", "audit", "Audit", show=False, id="audit.view", tooltip="Open the audit trail"),
        Binding("ctrl+p", "command_palette", "Palette", show=False, id="app.palette", priority=True, tooltip="Open the command palette"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, tooltip="Save where you are and quit"),
    ]  # fmt: skip
    # The app's keys come after a phase's own in the footer (coder.tui.widgets.footer).
    FOOTER_RANKS = {"history.undo": 6, "journal.open": 7, "app.quit": 8}

    ws: Workspace  # set once the project is open (``opened``)
    team: TeamLink | None = None  # presence and the live view of other coders' work

    def __init__(
        self, ws: Workspace | None = None, *, opening: ProjectArgs | None = None, **kwargs: Any
    ) -> None:
        """On an open project (``ws``: tests, benchmarks, the demo), or on the one
        ``opening`` names, opened in a thread after the first frame (the command)."""
        if opening is not None and "css_path" not in kwargs:
            kwargs["css_path"] = [SHELL_CSS]  # the phases' rules come with the phases
        super().__init__(**kwargs)
        if (ws is None) == (opening is None):
            raise TypeError("CoderApp needs an open project or the arguments to open one")
        self.opening = opening
        self.open_error: Exception | None = None  # the user's error that stopped opening
        self.opened_here: Workspace | None = None  # the project this app opened (and closes)
        self.freeze_on_open = False  # the process is this app's: see freeze_loaded_objects
        self.journal_draft = ""
        self.coder_id: int | None = None
        self.ui_state: dict[str, str] = {}
        self.phase = 1
        self._pending_state: dict[str, str] = {}
        self._state_timer: Timer | None = None
        self._progress_timer: Timer | None = None
        self._totals: Totals | None = None
        self._revealed = opening is None  # the phase replaced the shell's pane (and preview)
        self.unapplied: list[str] = []  # keys pressed while the project was opening
        if ws is not None:  # everything is imported already: no reason to wait
            self._take(deferred().prepare(ws))

    @property
    def opened(self) -> bool:
        """Whether the project is open and its phase shown (or about to be)."""
        return self.team is not None

    @property
    def loading(self) -> bool:
        """Whether the shell's pane (empty, or the read-only preview) is still what shows:
        keys do nothing yet."""
        return not (self.opened and self._revealed)

    def _take(self, opened: Opened) -> None:
        self.ws = opened.ws
        self.coder_id = opened.coder_id
        self.ui_state = opened.ui_state
        saved = self.ui_state.get("phase", "1")
        self.phase = int(saved) if saved.isdigit() and int(saved) in PHASES else 1
        self.team = deferred().TeamLink(self)

    # ---- an unexpected error ----------------------------------------------------------

    crash_log: Path | None = None  # where the traceback of a crash was written

    def _fatal_error(self) -> None:
        """Textual's end for an unhandled exception, with the traceback sent to a log file
        and one short message on the terminal instead of a screenful of internals."""
        error = self._exception
        if error is None:
            super()._fatal_error()
            return
        where = self.ws.db.label if self.opened else "while opening the project"
        try:
            self.crash_log = write_crash_log(error, f"in {where}")
        except OSError:
            super()._fatal_error()
            return
        self.bell()
        self._exit_renderables.append(crash_message(self.crash_log, error))
        self._close_messages_no_wait()

    # ---- start -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.opened:
            yield ShellHeader(self.ws)
            with ContentSwitcher(initial=f"phase-{self.phase}", id="phases"):
                yield self._make_phase(self.phase)
        else:
            assert self.opening is not None
            yield ShellHeader(None, opening=self.opening.db or "")
            with ContentSwitcher(initial="phase-opening", id="phases"):
                # The empty pane of the first frame, then the read-only preview.
                yield OpeningPane(id="phase-opening")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._size_classes()
        if self.opened:
            self._started()
        else:
            self.call_after_refresh(self._start_opening)

    def _start_opening(self) -> None:
        """After the first frame: import the rest and open the project in a thread."""
        self.run_worker(self._open, thread=True, name="open", group="open")

    def _open(self) -> Opened | Exception:
        """In the loading thread: import what the phases need, open the project, read
        where the coder left off. A user's error (no project there, an unreachable
        server) is returned, to end the app with its one line."""
        assert self.opening is not None
        args = self.opening
        self._preview(read_first_frame(args.db, args.coder, args.project))
        more = deferred()
        try:
            ws = more.open_project(args.db, args.coder, args.project)
        except more.USER_ERRORS as error:
            return error
        self.opened_here = ws
        try:
            opened = more.prepare(ws)
        except more.USER_ERRORS as error:
            return error
        if self.freeze_on_open:  # the modules just imported live as long as the process
            freeze_loaded_objects()
        return opened

    def _preview(self, frame: FirstFrame | None) -> None:
        """In the loading thread: have the preview drawn, and let the frame go out before
        the imports take the interpreter's lock (PREVIEW_WAIT at most)."""
        if frame is None:
            return
        drawn = threading.Event()
        try:
            self.call_from_thread(self._show_preview, frame, drawn.set)
        except RuntimeError:  # the app is ending
            return
        drawn.wait(PREVIEW_WAIT)

    def _show_preview(self, frame: FirstFrame, drawn: Callable[[], object]) -> None:
        if self.opened or not self.query("#phase-opening"):
            drawn()
            return
        self.query_one(OpeningPane).show(frame, drawn)

    async def _show_opened(self, opened: Opened) -> None:
        """The project is open: the header names it; its phase is mounted hidden and
        replaces the shell's pane (the preview) once it has drawn its data."""
        self._take(opened)
        self._add_phase_css()
        self.query_one(ShellHeader).set_workspace(self.ws)
        switcher = self.query_one("#phases", ContentSwitcher)
        widget = self._make_phase(self.phase)
        widget.display = False
        await switcher.mount(widget)
        since = time.monotonic()

        async def reveal_when_drawn() -> None:
            if not has_data(widget) and time.monotonic() - since < REVEAL_WAIT:
                self.set_timer(REVEAL_POLL, reveal_when_drawn)
                return
            await self._reveal()

        await reveal_when_drawn()

    async def _reveal(self) -> None:
        """The phase replaces the shell's pane; the keys work from now on."""
        switcher = self.query_one("#phases", ContentSwitcher)
        switcher.current = f"phase-{self.phase}"
        await switcher.query_one("#phase-opening").remove()
        self._revealed = True
        self._started()
        if self.unapplied:
            keys = " ".join(self.unapplied)
            self.notify(
                f"not applied (pressed while the project was opening): {keys}",
                markup=False,
                timeout=6,
            )

    def on_key(self, event: events.Key) -> None:
        """A key no binding took while the project opens: not applied, and said so."""
        if self.loading and self.opening is not None:
            self.unapplied.append(event.key)
            pane = self.query("#phase-opening")
            if pane and isinstance(pane.first(), OpeningPane):
                pane.first(OpeningPane).note_unapplied(self.unapplied)

    def _add_phase_css(self) -> None:
        """The phases' rules, left out of the first frame (parsing them costs about as
        much as drawing it)."""
        missing = [path for path in PHASE_CSS if Path(path) not in map(Path, self.css_path)]
        if not missing:
            return
        self.stylesheet.read_all(missing)
        self.stylesheet.parse()
        self.css_path = [*self.css_path, *missing]
        self.stylesheet.update(self)
        for screen in self.screen_stack:
            self.stylesheet.update(screen)

    def _started(self) -> None:
        """What follows the first frame with the project open."""
        assert self.team is not None
        self._load_keymap()
        self.refresh_bindings()
        self.query_one(PhaseStepper).set_current(self.phase)
        self.call_after_refresh(self._focus_phase, self._phase_widget(self.phase))
        self.refresh_progress(recount=True, delay=PROGRESS_DELAY)  # after the first frame
        self.team.start()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Until the project is open and its phase shown only quitting works; the rest
        shows disabled."""
        return True if not self.loading or action == "quit" else None

    def on_unmount(self) -> None:
        if self.team is not None:
            self.team.stop()

    def close_project(self) -> None:
        """Close the project this app opened (after it ends); one it was given stays open."""
        if self.opened_here is not None:
            self.opened_here.close()
            self.opened_here = None

    def show_presence(self, text: str) -> None:
        """Who else is here (or that the database is out of reach), in the header."""
        self.query_one(ShellHeader).show_presence(text)

    def _load_keymap(self) -> None:
        more = deferred()
        path = more.keymap_path()
        if not path.is_file():
            return
        try:
            keymap, warnings = more.load_keymap(path, known=more.binding_ids(binding_classes()))
        except more.FormatError as error:
            more.show_error(self, error)
            return
        for warning in warnings:
            self.notify(warning, severity="warning", markup=False, timeout=30)
        if keymap:
            self.set_keymap(keymap)

    # ---- phases ----------------------------------------------------------------------

    def _make_phase(self, n: int) -> Phase:
        return deferred().PHASE_CLASSES[n](self.ws, id=f"phase-{n}")

    def _phase_widget(self, n: int) -> Widget | None:
        switcher = self.query_one("#phases", ContentSwitcher)
        for child in switcher.children:
            if child.id == f"phase-{n}":
                return child
        return None

    @property
    def visible_phase(self) -> Widget | None:
        return self._phase_widget(self.phase)

    async def show_phase(self, n: int) -> None:
        """Open phase ``n`` (mounting it the first time, refreshing it after that)."""
        if n not in PHASES or not self.opened:
            return
        switcher = self.query_one("#phases", ContentSwitcher)
        reading = self._document_being_read() if n == 2 and self.phase == 1 else None
        if reading and self.ui_state.get("code.document") != reading:
            # From reading to coding: phase 2 opens the document being read (at its start).
            self.ui_state.update({"code.document": reading, "code.segment": "1"})
        widget = self._phase_widget(n)
        if widget is None:
            widget = self._make_phase(n)
            await switcher.mount(widget)
        elif n != self.phase:
            self._refresh_phase(widget)
            if reading and hasattr(widget, "show_document"):
                widget.show_document(reading)
        switcher.current = f"phase-{n}"
        self.phase = n
        self.query_one(PhaseStepper).set_current(n)
        self.remember({"phase": str(n)})
        self._focus_phase(widget)
        self.refresh_progress(recount=True)

    def on_resize(self, event: events.Resize) -> None:
        # The event's size: this handler runs before Textual's own records the new size,
        # so ``self.size`` is still the old one (growing to 200x60 kept the 80x24 layout).
        self._size_classes(event.size)

    def _size_classes(self, size: Size | None = None) -> None:
        """``-short`` and ``-narrow`` on the app below SHORT rows and NARROW columns: the
        phases' CSS collapses secondary panes under them, so every phase stays usable on
        an 80x24 terminal (the default of many SSH sessions)."""
        width, height = size or self.size
        self.set_class(height < SHORT, "-short")
        self.set_class(width < NARROW, "-narrow")

    def _document_being_read(self) -> str | None:
        """The key of the document open in phase 1, if phase 1 is showing one."""
        doc = getattr(self._phase_widget(1), "doc", None)
        return getattr(doc, "key", None)

    async def action_phase(self, n: int) -> None:
        await self.show_phase(n)

    def _focus_phase(self, widget: Widget | None) -> None:
        if widget is None:
            return
        target = getattr(widget, "focus_target", None)
        chosen = target() if callable(target) else None
        if chosen is None:
            focusable = [w for w in widget.query("*") if w.focusable]
            chosen = next((w for w in focusable if not isinstance(w, Input)), None) or next(
                iter(focusable), None
            )
        if chosen is not None:
            chosen.focus()

    def _refresh_phase(self, widget: Widget | None) -> None:
        refresh = getattr(widget, "refresh_data", None)
        if refresh is not None:
            refresh()

    async def on_phase_step_clicked(self, event: PhaseStep.Clicked) -> None:
        await self.show_phase(event.phase)

    # ---- data changes and progress ---------------------------------------------------

    def on_data_changed(self, event: DataChanged) -> None:
        if not self.opened:
            return
        if event.recount:
            self._totals = None
        if event.refresh_phase:
            self._refresh_phase(self.visible_phase)
        self.refresh_progress(delay=PROGRESS_DELAY)

    def refresh_progress(self, recount: bool = False, delay: float = 0.0) -> None:
        """Recount every phase's progress in a thread; the stepper updates when done.

        ``delay`` lets a burst of key presses finish (and their frames be drawn) before
        counting; ``recount`` counts the corpus size again (start, phase switch)."""
        if recount:
            self._totals = None
        if self._progress_timer is not None:
            self._progress_timer.stop()
            self._progress_timer = None
        if delay:
            self._progress_timer = self.set_timer(delay, self.refresh_progress)
            return
        self.run_worker(
            partial(deferred().phase_progress, self.ws, self.coder_id, self._totals),
            thread=True,
            exclusive=True,
            group="stepper",
            name="stepper",
            exit_on_error=False,
        )

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == "open" and event.state == WorkerState.SUCCESS:
            result = event.worker.result
            if isinstance(result, Exception):
                self.open_error = result  # the command prints it once the screen is restored
                self.exit()
            elif result is not None:
                await self._show_opened(result)
        if event.worker.name != "stepper":
            return
        if event.state == WorkerState.SUCCESS:
            progress, self._totals = event.worker.result
            self.query_one(PhaseStepper).show(progress)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            deferred().show_error(self, event.worker.error)

    # ---- where the coder left off ----------------------------------------------------

    def remember(self, values: dict[str, str]) -> None:
        """Note where the coder is (phase, document, segment); saved once movement
        pauses and on quit, never one write per key."""
        self._pending_state.update(values)
        self.ui_state.update(values)
        if self._state_timer is not None:
            self._state_timer.stop()
        self._state_timer = self.set_timer(STATE_DELAY, self.flush_state)

    def flush_state(self) -> None:
        if self._state_timer is not None:
            self._state_timer.stop()
            self._state_timer = None
        if not self._pending_state or self.coder_id is None:
            return
        values, self._pending_state = self._pending_state, {}
        more = deferred()
        try:
            saved = more.ui_state.save_ui_state(self.ws, self.coder_id, values)
        except more.USER_ERRORS as error:
            more.show_error(self, error)
            return
        if not saved:  # another writer holds the project: keep them for the next save
            self._pending_state = {**values, **self._pending_state}

    def save_all(self) -> None:
        """Save unsaved edits of every mounted phase, then where the coder is."""
        if not self.opened:
            return
        for child in self.query_one("#phases", ContentSwitcher).children:
            save = getattr(child, "save_pending", None)
            if save is not None:
                save()
        self.flush_state()

    async def action_quit(self) -> None:
        self.save_all()
        if self.opened and not await deferred().writes_landed(self):
            return  # a coding was not saved: stay, so the user sees which and can retry
        if self.team is not None:
            self.team.stop()
        self.exit()

    # ---- history, journal, audit, help -----------------------------------------------

    def _history(self, step: Callable[[Workspace], Any], what: str, verb: str) -> None:
        """Undo or redo in the write worker, after every write asked before it (an undo
        pressed right after a coding undoes that coding)."""
        more = deferred()

        def done(event: Any) -> None:
            if event is not None:
                self.notify(f"{verb} #{event.seq} {event.action} {event.target}", markup=False)
                self.post_message(DataChanged())

        more.write_then_show(
            self,
            partial(step, self.ws),
            done,
            what=what,
            on_fail=partial(more.report_failure, self, what),
        )

    def action_undo(self) -> None:
        self._history(deferred().history.undo, "undo", "undid")

    def action_redo(self) -> None:
        self._history(deferred().history.redo, "redo", "redid")

    def action_journal(self) -> None:
        if not isinstance(self.screen, deferred().JournalScreen):
            self.push_screen(deferred().JournalScreen(self.ws))

    def action_memos(self) -> None:
        if not isinstance(self.screen, deferred().MemoScreen):
            self.push_screen(deferred().MemoScreen(self.ws))

    def open_passage(self, key: str, ordinal: int = 1) -> None:
        """Phase 2 at a document's unit (the memo browser's Enter)."""
        self.ui_state.update({"code.document": key, "code.segment": str(ordinal)})

        async def go() -> None:
            await self.show_phase(2)
            widget = self._phase_widget(2)
            if hasattr(widget, "show_document"):
                widget.show_document(key, ordinal)

        self.call_later(go)

    def action_audit(self) -> None:
        if not isinstance(self.screen, deferred().AuditScreen):
            self.push_screen(deferred().AuditScreen(self.ws))

    # ---- queries and attributes (docs/interviews.md), from the palette ----------------

    def action_matrix(self) -> None:
        if not isinstance(self.screen, deferred().MatrixScreen):
            self.push_screen(deferred().MatrixScreen(self.ws))

    def action_words(self) -> None:

        more = deferred()
        if not isinstance(self.screen, more.WordsScreen):
            names = [t.name for t in more.list_themes(self.ws)]
            self.push_screen(more.WordsScreen(self.ws, names))

    def action_attributes(self) -> None:
        if not isinstance(self.screen, deferred().AttributesScreen):
            key = getattr(self.visible_phase, "current_document_key", None)
            self.push_screen(deferred().AttributesScreen(self.ws, key() if callable(key) else None))

    def action_help(self) -> None:
        if isinstance(self.screen, deferred().HelpScreen):
            return
        if self.screen is self.screen_stack[0]:
            context = f"phase {self.phase}, {PHASES[self.phase]}"
        else:
            context = type(self.screen).__name__.removesuffix("Screen").lower() or "this screen"
        self.push_screen(deferred().HelpScreen(deferred().binding_rows(self.screen), context))

    def open_disagreements(self) -> None:
        self.push_screen(deferred().DisagreementScreen(self.ws))

    def set_phase_mark(self, status: str) -> None:
        more = deferred()
        phase = self.phase

        def marked(_result: object) -> None:
            self.notify(f"phase {phase} {PHASES[phase]}: {status}")
            self.post_message(DataChanged(refresh_phase=False))

        what = f"the mark of phase {phase}"
        more.write_then_show(
            self,
            partial(more.set_phase_status, self.ws, phase, status),
            marked,
            what=what,
            on_fail=partial(more.report_failure, self, what),
        )

    # ---- palette ---------------------------------------------------------------------

    def palette_commands_for(self, screen: object) -> list[tuple[str, Callable[[], object], str]]:
        """Global commands, plus the visible phase's when the palette opened over it."""
        commands: list[tuple[str, Callable[[], object], str]] = [
            (
                f"phase: {PHASE_SLUGS[n]}",
                partial(self.show_phase, n),
                f"Open phase {n}, {PHASES[n]}",
            )
            for n in PHASES
        ]
        commands += [
            ("journal: open", self.action_journal, "Write in or read the reflexive journal"),
            (
                "memos: browse",
                self.action_memos,
                "All memos and notes: filter, search, edit, go to",
            ),
            ("history: undo", self.action_undo, "Undo your last change"),
            ("history: redo", self.action_redo, "Redo what you undid"),
            ("audit: view", self.action_audit, "Browse the audit trail"),
            (
                "query: matrix",
                self.action_matrix,
                "Codes or themes by attribute, with the extracts behind a cell",
            ),
            ("query: words", self.action_words, "Word frequency and keyword in context"),
            ("attributes: view", self.action_attributes, "Attributes of documents and speakers"),
            (
                "agreement: disagreement queue",
                self.open_disagreements,
                "Step through two coders' disagreements and record a consensus",
            ),
            ("help: keys", self.action_help, "Show the keys of this screen"),
            ("phase: mark done", partial(self.set_phase_mark, "done"), "Record this phase as done"),
            (
                "phase: mark in progress",
                partial(self.set_phase_mark, "in progress"),
                "Record this phase as in progress",
            ),
        ]
        phase = self.visible_phase
        own = getattr(phase, "palette_commands", None)
        if own is not None and screen is self.screen_stack[0]:
            commands += list(own())
        return commands

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands, renamed: "theme" is an analytic theme here."""
        yield SystemCommand(
            "ui theme: change", "Change the colours of the interface", self.action_change_theme
        )
        yield SystemCommand("app: quit", "Save where you are and quit", self.action_quit)
        yield SystemCommand(
            "app: screenshot",
            "Save an SVG screenshot of the screen",
            lambda: self.set_timer(0.1, self.deliver_screenshot),
        )


def has_data(phase: Widget) -> bool:
    """Whether a phase mounted hidden has drawn its first data (phase 1: a page of the
    list and the document on its cursor; phase 2: the document to code); other phases
    draw theirs as they mount."""
    doc_list = phase.query("#fam-list")
    if doc_list:
        first = doc_list.first()
        return bool(getattr(first, "loaded", False)) and (
            getattr(phase, "doc", None) is not None or not getattr(first, "total", 0)
        )
    if phase.id == "phase-2":
        return getattr(phase, "view", None) is not None
    return True


def binding_classes() -> list[type]:
    """Every class whose bindings can be remapped (for checking a keys file)."""
    return [CoderApp, *deferred().binding_classes()]


def make_app(ws: Workspace) -> CoderApp:
    """The one factory for the CLI, the tests and the benchmarks."""
    return CoderApp(ws)


def freeze_loaded_objects() -> None:
    """Everything loaded before the app starts (modules, the ORM's metadata, the open
    workspace) lives as long as the process: frozen out of the garbage collector, no full
    collection walks it again. Otherwise, on a 100,000-document project, that walk is a
    50-100 ms pause in the first frame or in the middle of a key press. At start, and
    again once the project is open (what the loading thread imported): frozen objects are
    never collected, so only in a process that is the app's."""
    gc.freeze()


def run_app(ws: Workspace, app: CoderApp | None = None, headless: bool = False) -> None:
    """Run the workbench on an open project until the user quits; an unexpected error
    ends the process with a non-zero status (after the app has printed where the
    traceback was logged), so a script that launched it never mistakes a crash for
    success."""
    freeze_loaded_objects()
    _run(app or make_app(ws), headless)


def open_and_run(
    db: str | None, coder: str | None, project: str | None, headless: bool = False
) -> Exception | None:
    """``coder tui``: paint the shell, open the project in a thread, run until the user
    quits. Returns the user's error that stopped the project opening, for the command to
    print as its one line (the screen is restored by then); None otherwise."""
    freeze_loaded_objects()
    app = CoderApp(opening=ProjectArgs(db, coder, project))
    app.freeze_on_open = True
    try:
        _run(app, headless)
    finally:
        app.close_project()
    return app.open_error


def _run(app: CoderApp, headless: bool) -> None:
    app.run(headless=headless)
    if app.return_code:
        raise SystemExit(app.return_code)
