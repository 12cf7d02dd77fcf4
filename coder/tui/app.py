"""The Textual app: the shell, the six phases, the journal, help, palette and keymap.

One factory (``make_app``) serves the CLI (``run_app``), the tests and the benchmarks.
The app never writes analysis data itself: phases call the services, then post
``DataChanged`` (``coder.tui.messages``) so the stepper (and, when asked, the visible
phase) re-read the store. It reads and writes only through ``coder.services``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input
from textual.worker import Worker, WorkerState

from coder.core.phases import PHASE_SLUGS, PHASES
from coder.formats.errors import FormatError
from coder.services import history, ui_state
from coder.services.notes import set_phase_status
from coder.services.themes import list_themes
from coder.services.views import Totals
from coder.services.workspace import Workspace
from coder.tui.audit_view import AuditScreen
from coder.tui.crash import crash_message, write_crash_log
from coder.tui.disagreements import DisagreementScreen
from coder.tui.help import HelpScreen, binding_rows
from coder.tui.journal import JournalScreen
from coder.tui.keymap import binding_ids, keymap_path, load_keymap
from coder.tui.live import TeamLink
from coder.tui.memos import MemoScreen
from coder.tui.messages import DataChanged
from coder.tui.palette import CoderCommands
from coder.tui.phases import PHASES_CSS
from coder.tui.phases.base import Phase
from coder.tui.phases.code import CodePhase
from coder.tui.phases.define import DefinePhase
from coder.tui.phases.familiarise import FamiliarisePhase
from coder.tui.phases.report import ReportPhase
from coder.tui.phases.review import ReviewPhase
from coder.tui.phases.themes import ThemesPhase
from coder.tui.queries_view import AttributesScreen, MatrixScreen, WordsScreen
from coder.tui.shell import PhaseStep, PhaseStepper, ShellHeader, phase_progress
from coder.tui.widgets.codebook import CodeFilter, CodeTree
from coder.tui.widgets.dialogs import ChoiceScreen, DiscardScreen, NewCodeScreen, TextScreen
from coder.tui.widgets.errors import USER_ERRORS, attempt, show_error
from coder.tui.widgets.footer import KeyFooter
from coder.tui.widgets.reader import SegmentReader, TextReader
from coder.tui.widgets.search_code import SearchCodeScreen
from coder.tui.widgets.theme_dialogs import ConfirmDialog, LaterDialog, PickDialog, PromptDialog
from coder.tui.widgets.virtual_list import VirtualList

PHASE_CLASSES: dict[int, type[Phase]] = {
    cls.NUMBER: cls
    for cls in (FamiliarisePhase, CodePhase, ThemesPhase, ReviewPhase, DefinePhase, ReportPhase)
}
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


TUI_LOCK_WAIT = 2.0  # seconds
SHORT = 32  # rows: below this, secondary panes collapse
NARROW = 110  # columns: below this, side panes narrow


class CoderApp(App[None]):
    """The workbench on one open project (``self.ws``)."""

    CSS_PATH = ["app.tcss", PHASES_CSS]
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

    def __init__(self, ws: Workspace, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ws = ws
        # A write on a project another writer holds waits this long, then is reported
        # as not saved (the notification names the holder) instead of freezing the screen.
        ws.db.lock_wait = TUI_LOCK_WAIT
        self.journal_draft = ""
        self.coder_id = self._ensure_coder()
        self.ui_state = self._read_ui_state()
        saved = self.ui_state.get("phase", "1")
        self.phase = int(saved) if saved.isdigit() and int(saved) in PHASES else 1
        self._pending_state: dict[str, str] = {}
        self._state_timer: Timer | None = None
        self._progress_timer: Timer | None = None
        self._totals: Totals | None = None
        self.team = TeamLink(self)  # presence and the live view of other coders' work

    # ---- an unexpected error ----------------------------------------------------------

    crash_log: Path | None = None  # where the traceback of a crash was written

    def _fatal_error(self) -> None:
        """Textual's end for an unhandled exception, with the traceback sent to a log file
        and one short message on the terminal instead of a screenful of internals."""
        error = self._exception
        if error is None:
            super()._fatal_error()
            return
        try:
            self.crash_log = write_crash_log(error, f"in {self.ws.db.label}")
        except OSError:
            super()._fatal_error()
            return
        self.bell()
        self._exit_renderables.append(crash_message(self.crash_log, error))
        self._close_messages_no_wait()

    # ---- start -----------------------------------------------------------------------

    def _ensure_coder(self) -> int | None:
        try:
            return ui_state.register_coder(self.ws)
        except USER_ERRORS:
            return None  # a read-only store: the app still opens, and says so on first write

    def _read_ui_state(self) -> dict[str, str]:
        if self.coder_id is None:
            return {}
        return ui_state.load_ui_state(self.ws, self.coder_id)

    def compose(self) -> ComposeResult:
        yield ShellHeader(self.ws)
        with ContentSwitcher(initial=f"phase-{self.phase}", id="phases"):
            yield self._make_phase(self.phase)
        yield KeyFooter()

    def on_mount(self) -> None:
        self._size_classes()
        self._load_keymap()
        self.query_one(PhaseStepper).set_current(self.phase)
        self.call_after_refresh(self._focus_phase, self._phase_widget(self.phase))
        self.refresh_progress(recount=True, delay=PROGRESS_DELAY)  # after the first frame
        self.team.start()

    def on_unmount(self) -> None:
        self.team.stop()

    def show_presence(self, text: str) -> None:
        """Who else is here (or that the database is out of reach), in the header."""
        self.query_one(ShellHeader).show_presence(text)

    def _load_keymap(self) -> None:
        path = keymap_path()
        if not path.is_file():
            return
        try:
            keymap, warnings = load_keymap(path, known=binding_ids(binding_classes()))
        except FormatError as error:
            show_error(self, error)
            return
        for warning in warnings:
            self.notify(warning, severity="warning", markup=False, timeout=30)
        if keymap:
            self.set_keymap(keymap)

    # ---- phases ----------------------------------------------------------------------

    def _make_phase(self, n: int) -> Phase:
        return PHASE_CLASSES[n](self.ws, id=f"phase-{n}")

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
        if n not in PHASES:
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
        self._size_classes()

    def _size_classes(self) -> None:
        """``-short`` and ``-narrow`` on the app below SHORT rows and NARROW columns: the
        phases' CSS collapses secondary panes under them, so every phase stays usable on
        an 80x24 terminal (the default of many SSH sessions)."""
        width, height = self.size
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
            partial(phase_progress, self.ws, self.coder_id, self._totals),
            thread=True,
            exclusive=True,
            group="stepper",
            name="stepper",
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "stepper":
            return
        if event.state == WorkerState.SUCCESS:
            progress, self._totals = event.worker.result
            self.query_one(PhaseStepper).show(progress)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            show_error(self, event.worker.error)

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
        try:
            ui_state.save_ui_state(self.ws, self.coder_id, values)
        except USER_ERRORS as error:
            show_error(self, error)

    def save_all(self) -> None:
        """Save unsaved edits of every mounted phase, then where the coder is."""
        for child in self.query_one("#phases", ContentSwitcher).children:
            save = getattr(child, "save_pending", None)
            if save is not None:
                save()
        self.flush_state()

    async def action_quit(self) -> None:
        self.save_all()
        self.team.stop()
        self.exit()

    # ---- history, journal, audit, help -----------------------------------------------

    def _history(self, step: Callable[[Workspace], Any], verb: str) -> None:
        ok, event = attempt(self, step, self.ws)
        if not ok or event is None:
            return
        self.notify(f"{verb} #{event.seq} {event.action} {event.target}", markup=False)
        self.post_message(DataChanged())

    def action_undo(self) -> None:
        self._history(history.undo, "undid")

    def action_redo(self) -> None:
        self._history(history.redo, "redid")

    def action_journal(self) -> None:
        if not isinstance(self.screen, JournalScreen):
            self.push_screen(JournalScreen(self.ws))

    def action_memos(self) -> None:
        if not isinstance(self.screen, MemoScreen):
            self.push_screen(MemoScreen(self.ws))

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
        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen(self.ws))

    # ---- queries and attributes (docs/interviews.md), from the palette ----------------

    def action_matrix(self) -> None:
        if not isinstance(self.screen, MatrixScreen):
            self.push_screen(MatrixScreen(self.ws))

    def action_words(self) -> None:

        if not isinstance(self.screen, WordsScreen):
            names = [t.name for t in list_themes(self.ws)]
            self.push_screen(WordsScreen(self.ws, names))

    def action_attributes(self) -> None:
        if not isinstance(self.screen, AttributesScreen):
            key = getattr(self.visible_phase, "current_document_key", None)
            self.push_screen(AttributesScreen(self.ws, key() if callable(key) else None))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        if self.screen is self.screen_stack[0]:
            context = f"phase {self.phase}, {PHASES[self.phase]}"
        else:
            context = type(self.screen).__name__.removesuffix("Screen").lower() or "this screen"
        self.push_screen(HelpScreen(binding_rows(self.screen), context))

    def open_disagreements(self) -> None:
        self.push_screen(DisagreementScreen(self.ws))

    def set_phase_mark(self, status: str) -> None:
        ok, _ = attempt(self, set_phase_status, self.ws, self.phase, status)
        if ok:
            self.notify(f"phase {self.phase} {PHASES[self.phase]}: {status}")
            self.post_message(DataChanged(refresh_phase=False))

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


def binding_classes() -> list[type]:
    """Every class whose bindings can be remapped (for checking a keys file)."""
    return [
        CoderApp, VirtualList, TextReader, SegmentReader, CodeFilter, CodeTree, ChoiceScreen,
        NewCodeScreen, TextScreen, DiscardScreen, SearchCodeScreen, HelpScreen, JournalScreen,
        DisagreementScreen, LaterDialog, PromptDialog, ConfirmDialog, PickDialog, *PHASE_CLASSES.values(),
        AuditScreen, MemoScreen,
    ]  # fmt: skip


def make_app(ws: Workspace) -> CoderApp:
    """The one factory for the CLI, the tests and the benchmarks."""
    return CoderApp(ws)


def freeze_loaded_objects() -> None:
    """Everything loaded before the app starts (modules, the ORM's metadata, the open
    workspace) lives as long as the process: frozen out of the garbage collector, no full
    collection walks it again. Otherwise, on a 100,000-document project, that walk is a
    50-100 ms pause in the first frame or in the middle of a key press. Once per process,
    at start: frozen objects are never collected."""
    gc.freeze()


def run_app(ws: Workspace, app: CoderApp | None = None, headless: bool = False) -> None:
    """Run the workbench until the user quits; an unexpected error ends the process with
    a non-zero status (after the app has printed where the traceback was logged), so a
    script that launched it never mistakes a crash for success."""
    freeze_loaded_objects()
    app = app or make_app(ws)
    app.run(headless=headless)
    if app.return_code:
        raise SystemExit(app.return_code)
