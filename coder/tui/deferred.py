"""Everything the app needs once a project is open: the services, the six phases, the
screens and dialogs. The app loads this module after its first frame.

Importing the store (SQLModel, SQLAlchemy, pydantic) takes about half a second, twice what
Textual needs to draw an empty screen. So ``coder.tui.app`` is written against Textual
alone and paints the shell (header, stepper, an empty pane, footer) first; then a thread
worker imports this module (``coder.tui.app.deferred``, the one deferred import in
coder.tui, which tests/tui/test_import_graph.py allows and no other), opens the project
and reads where the coder left off (``open_project``, ``prepare``), and the app mounts the
phase. tests/tui/test_first_paint.py checks in a fresh interpreter that nothing of the
store is loaded when the first frame goes out.

Modules imported here may import the services at their top, as every phase does.
"""

from __future__ import annotations

from dataclasses import dataclass

from coder.core.phases import PHASES
from coder.formats.errors import FormatError
from coder.services import history, ui_state, views
from coder.services.errors import USER_ERRORS
from coder.services.notes import set_phase_status
from coder.services.themes import list_themes
from coder.services.views import Totals
from coder.services.workspace import Workspace
from coder.tui.audit_view import AuditScreen
from coder.tui.disagreements import DisagreementScreen
from coder.tui.help import HelpScreen, binding_rows
from coder.tui.journal import JournalScreen
from coder.tui.keymap import binding_ids, keymap_path, load_keymap
from coder.tui.live import TeamLink
from coder.tui.memos import MemoScreen
from coder.tui.phases.base import Phase
from coder.tui.phases.code import CodePhase
from coder.tui.phases.define import DefinePhase
from coder.tui.phases.familiarise import FamiliarisePhase
from coder.tui.phases.report import ReportPhase
from coder.tui.phases.review import ReviewPhase
from coder.tui.phases.themes import ThemesPhase
from coder.tui.queries_view import AttributesScreen, MatrixScreen, WordsScreen
from coder.tui.shell import PhaseProgress, compact
from coder.tui.widgets.codebook import CodeFilter, CodeTree
from coder.tui.widgets.dialogs import ChoiceScreen, DiscardScreen, NewCodeScreen, TextScreen
from coder.tui.widgets.errors import attempt, show_error
from coder.tui.widgets.reader import SegmentReader, TextReader
from coder.tui.widgets.search_code import SearchCodeScreen
from coder.tui.widgets.theme_dialogs import ConfirmDialog, LaterDialog, PickDialog, PromptDialog
from coder.tui.widgets.virtual_list import VirtualList
from coder.tui.workers import report_failure, write_then_show, writes_landed

__all__ = [
    "report_failure",
    "write_then_show",
    "writes_landed",
    "PHASE_CLASSES",
    "USER_ERRORS",
    "AttributesScreen",
    "AuditScreen",
    "DisagreementScreen",
    "FormatError",
    "HelpScreen",
    "JournalScreen",
    "MatrixScreen",
    "MemoScreen",
    "Opened",
    "Phase",
    "TeamLink",
    "Totals",
    "WordsScreen",
    "Workspace",
    "attempt",
    "binding_classes",
    "binding_ids",
    "binding_rows",
    "history",
    "keymap_path",
    "list_themes",
    "load_keymap",
    "open_project",
    "phase_progress",
    "prepare",
    "set_phase_status",
    "show_error",
    "ui_state",
]

PHASE_CLASSES: dict[int, type[Phase]] = {
    cls.NUMBER: cls
    for cls in (FamiliarisePhase, CodePhase, ThemesPhase, ReviewPhase, DefinePhase, ReportPhase)
}
TUI_LOCK_WAIT = 2.0  # seconds


@dataclass(frozen=True)
class Opened:
    """An open project as the app starts on it: who codes, and where they left off."""

    ws: Workspace
    coder_id: int | None  # None: a read-only store (the app opens, and says so on first write)
    ui_state: dict[str, str]


def open_project(db: str | None, coder: str | None, project: str | None) -> Workspace:
    """The project the command named (``--db``, ``--coder``, ``--project``)."""
    return Workspace.open(db, coder, project)


def prepare(ws: Workspace) -> Opened:
    """Register the coder and read where they left off (runs in the loading thread)."""
    # A write on a project another writer holds waits this long, then is reported
    # as not saved (the notification names the holder) instead of freezing the screen.
    ws.db.lock_wait = TUI_LOCK_WAIT
    try:
        coder_id: int | None = ui_state.register_coder(ws)
    except USER_ERRORS:
        coder_id = None
    saved = ui_state.load_ui_state(ws, coder_id) if coder_id is not None else {}
    return Opened(ws, coder_id, saved)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


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


def binding_classes() -> list[type]:
    """Every class loaded here whose bindings can be remapped (the app adds its own)."""
    return [
        VirtualList, TextReader, SegmentReader, CodeFilter, CodeTree, ChoiceScreen,
        NewCodeScreen, TextScreen, DiscardScreen, SearchCodeScreen, HelpScreen, JournalScreen,
        DisagreementScreen, LaterDialog, PromptDialog, ConfirmDialog, PickDialog, *PHASE_CLASSES.values(),
        AuditScreen, MemoScreen,
    ]  # fmt: skip
