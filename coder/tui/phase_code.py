"""Phase 2, generating initial codes: segment by segment, by keyboard.

The current segment is highlighted inside its whole abstract (meaning depends on
context); the codes already on it are listed beside it with their colours and coders; the
codebook panel filters with rapidfuzz; suggestions are numbered and applied with 1-9.
Every key that changes data is one service call, and the screen is updated from the store
straight after it, so what is shown is what was saved.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from coder.core.matching import suggest_codes
from coder.core.model import Code, Coding, Segment, SegmentKind
from coder.services.codes import create_code
from coder.services.coding import UnitRef, apply_code, remove_code, set_coding_memo
from coder.services.workspace import Workspace
from coder.store import queries as q
from coder.tui.app import DataChanged
from coder.tui.widgets.codebook import CodebookPanel, CodeFilter
from coder.tui.widgets.coding_text import applied_text, coding_line, suggestions_text, title_text
from coder.tui.widgets.dialogs import ChoiceScreen, NewCodeScreen, TextScreen
from coder.tui.widgets.document import DocView, load_view, text_blocks
from coder.tui.widgets.errors import USER_ERRORS, attempt, show_error
from coder.tui.widgets.reader import Block, Mark, SegmentReader, TextReader
from coder.tui.widgets.search_code import SearchCodeScreen
from coder.tui.widgets.text import literal, one_line, safe_style, word_spans

SUGGESTIONS = 9


class CodePhase(Container):
    """Phase 2: read a segment, apply codes, move on."""

    BINDINGS = [
        Binding("j,down", "segment(1)", "Next seg", id="code.next_segment", tooltip="Next segment (then the next document)"),
        Binding("k,up", "segment(-1)", "Prev seg", id="code.prev_segment", tooltip="Previous segment"),
        Binding("J,pagedown", "document(1)", "Next doc", id="code.next_document", tooltip="First segment of the next document"),
        Binding("K,pageup", "document(-1)", "Prev doc", show=False, id="code.prev_document", tooltip="The previous document"),
        Binding("u", "next_uncoded", "Uncoded", id="code.next_uncoded", tooltip="Next segment you have not coded"),
        Binding("slash,f", "filter", "Find code", id="code.filter", tooltip="Type to filter the codebook"),
        Binding("enter", "apply", "Apply", id="code.apply", tooltip="Apply the highlighted code"),
        *[
            Binding(str(n), f"suggestion({n})", f"Suggestion {n}", show=False, id=f"code.suggestion_{n}",
                    tooltip=f"Apply suggestion {n}")
            for n in range(1, SUGGESTIONS + 1)
        ],  # fmt: skip
        Binding("n", "new_code", "New code", id="code.new", tooltip="Create a code (under the highlighted one) and apply it"),
        Binding("x,delete", "remove", "Remove", id="code.remove", tooltip="Remove one of your codes from this segment"),
        Binding("m", "memo", "Memo", show=False, id="code.memo", tooltip="Write a memo on one of your codings here"),
        Binding("v", "select", "Select", id="code.select", tooltip="Select words within the segment to code a part"),
        Binding("l,right", "extend(1)", "Longer", id="code.select_more", tooltip="Selection: one more word"),
        Binding("h,left", "extend(-1)", "Shorter", id="code.select_less", tooltip="Selection: one word fewer"),
        Binding("L,shift+right", "move_start(1)", "Start →", show=False, id="code.select_start_right",
                tooltip="Selection: start one word later"),
        Binding("H,shift+left", "move_start(-1)", "Start ←", show=False, id="code.select_start_left",
                tooltip="Selection: start one word earlier"),
        Binding("escape", "cancel_selection", "Cancel", id="code.select_cancel", tooltip="Leave word selection"),
        Binding("b", "blind", "Blind", show=False, id="code.blind", tooltip="Hide or show other coders' codings"),
        Binding("s", "search_code", "Search+code", id="code.search", tooltip="Search segments and code the hits"),
    ]  # fmt: skip

    def __init__(self, ws: Workspace, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ws = ws
        self.view: DocView | None = None
        self.index = 0
        self.words: list[tuple[int, int]] = []
        self.selection: tuple[int, int] | None = None  # word indices, inclusive
        self.blind = False
        self.codes: list[Code] = []
        self.counts: dict[str, int] = {}
        self.suggestions: list[Code] = []
        self._nothing_found = ""
        self._on_nothing: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="code-main"):
            yield Static(id="code-title")
            yield SegmentReader(id="code-reader")
            yield Static(id="code-applied")
        with Vertical(id="code-side"):
            yield CodebookPanel(id="codebook")
            yield Static(id="code-suggestions")

    def on_mount(self) -> None:
        state: dict[str, str] = getattr(self.app, "ui_state", {}) or {}
        self.blind = state.get("code.blind") == "1"
        self._load_codes()
        key = state.get("code.document")
        ordinal = int(state["code.segment"]) if state.get("code.segment", "").isdigit() else 1
        if not key or not self._open(key, ordinal):
            self._open_first()

    # ---- the contract with the app ---------------------------------------------------

    def refresh_data(self) -> None:
        """Re-read everything shown (after undo/redo or another phase's change)."""
        self._load_codes()
        if self.view is None:
            self._open_first()
            return
        ordinal = self.current.ordinal if self.current else 1
        if not self._open(self.view.doc.key, ordinal or 1, keep_scroll=True):
            self._open_first()

    def palette_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        return [
            (
                "coding: next uncoded",
                self.action_next_uncoded,
                "Jump to the next segment you have not coded",
            ),
            ("coding: toggle blind", self.action_blind, "Hide or show other coders' codings"),
            (
                "coding: search and code",
                self.action_search_code,
                "Find segments by words or regex and code the hits",
            ),
            (
                "coding: new code",
                self.action_new_code,
                "Create a code and apply it to this segment",
            ),
            (
                "coding: remove code",
                self.action_remove,
                "Remove one of your codes from this segment",
            ),
            (
                "coding: memo on coding",
                self.action_memo,
                "Write a memo on one of your codings here",
            ),
            (
                "coding: select words",
                self.action_select,
                "Select words within the segment (sub-span coding)",
            ),
            ("coding: find code", self.action_filter, "Filter the codebook"),
            ("coding: next document", partial(self.action_document, 1), "Go to the next document"),
            (
                "coding: previous document",
                partial(self.action_document, -1),
                "Go to the previous document",
            ),
        ]

    # ---- loading ---------------------------------------------------------------------

    @property
    def reader(self) -> TextReader:
        return self.query_one("#code-reader", TextReader)

    @property
    def panel(self) -> CodebookPanel:
        return self.query_one(CodebookPanel)

    @property
    def current(self) -> Segment | None:
        if self.view is None or not self.view.units:
            return None
        return self.view.units[min(self.index, len(self.view.units) - 1)]

    def _coder_filter(self) -> list[int] | None:
        if not self.blind:
            return None
        own = self.ws.coder_id()
        return [own] if own is not None else []

    def _load_codes(self) -> None:
        try:
            with self.ws.read() as session:
                counts = q.code_counts(session, self.ws.project.id, coder_ids=self._coder_filter())
        except USER_ERRORS as error:
            show_error(self, error)
            return
        self.codes = [c.code for c in counts]
        self.counts = {c.code.name: c.codings for c in counts}
        self.panel.set_codes(self.codes, dict(self.counts))

    def _open_first(self) -> None:
        pid = self.ws.project.id

        def find() -> tuple[str, int] | None:
            with self.ws.read() as session:
                key = q.end_document_key(session, pid)
            return (key, 1) if key else None

        self._navigate(find, "", on_nothing=self._show_empty)

    def _show_empty(self) -> None:
        self.view = None
        self.reader.set_blocks(
            [Block(Text("This project has no documents yet: import some with 'coder import'."))]
        )
        self._show_panels()

    def _open(self, key: str, ordinal: int, keep_scroll: bool = False) -> bool:
        """Show a document with unit ``ordinal`` current (-1: the last unit)."""
        try:
            view = load_view(self.ws, key)
        except USER_ERRORS as error:
            show_error(self, error)
            return False
        if view is None:
            return False
        self.view = view
        self.selection = None
        self.index = len(view.units) - 1 if ordinal < 0 else view.unit_index(ordinal)
        self.reader.set_blocks(self._blocks(view), self._marks(), keep_scroll=keep_scroll)
        self._show()
        return True

    def _blocks(self, view: DocView) -> list[Block]:
        blocks: list[Block] = []
        for heading, start, end in text_blocks(view.doc):
            if blocks:
                blocks.append(Block(Text("")))
            if heading:
                blocks.append(Block(one_line(heading), style="heading"))
            blocks.append(Block(literal(view.doc.text[start:end]), offset=start))
        if not blocks:
            blocks.append(
                Block(
                    Text(
                        "(this record has no abstract: code the whole document, or J for the next)"
                    ),
                    style="label",
                )
            )
        return blocks

    def _reload_codings(self) -> None:
        if self.view is None:
            return
        fresh = load_view(self.ws, self.view.doc.key)
        if fresh is not None:
            self.view.codings, self.view.kinds = fresh.codings, fresh.kinds

    # ---- showing ---------------------------------------------------------------------

    def _visible_codings(self) -> list[Coding]:
        if self.view is None:
            return []
        codings = self.view.codings
        if self.blind:
            codings = [c for c in codings if c.coder == self.ws.coder]
        return codings

    def _here(self) -> list[Coding]:
        """Codings on the current segment: the unit itself, spans inside it, the document."""
        if self.view is None:
            return []
        unit = self.current
        here = []
        for coding in self._visible_codings():
            kind = self.view.kinds.get(coding.segment_id)
            if (
                kind == SegmentKind.DOCUMENT
                or unit is not None
                and (
                    coding.segment_id == unit.id
                    or (coding.start < unit.end and coding.end > unit.start)
                )
            ):
                here.append(coding)
        return here

    def _selection_span(self) -> tuple[int, int] | None:
        if self.selection is None or not self.words:
            return None
        first, last = self.selection
        return self.words[first][0], self.words[last][1]

    def _marks(self) -> list[Mark]:
        colours = {c.name: c.colour for c in self.codes}
        marks = []
        if self.view is not None:
            for coding in self._visible_codings():
                if self.view.kinds.get(coding.segment_id) == SegmentKind.SPAN:
                    style = safe_style(
                        colours.get(coding.code)
                    ) + self.reader.get_component_rich_style("reader--coded")
                    marks.append(Mark(coding.start, coding.end, style))
        unit = self.current
        if unit is not None:
            marks.insert(0, Mark(unit.start, unit.end, "highlight"))
        span = self._selection_span()
        if span is not None:
            marks.append(Mark(span[0], span[1], "selection"))
        return marks

    def _show(self, scroll: bool = True) -> None:
        self.reader.set_marks(self._marks())
        unit = self.current
        if scroll and unit is not None:
            self.reader.show_span(unit.start, unit.end)
        self._show_panels()
        if self.view is not None:
            remember = getattr(self.app, "remember", None)
            if remember is not None:
                remember(
                    {
                        "code.document": self.view.doc.key,
                        "code.segment": str(unit.ordinal if unit else 1),
                    }
                )

    def _show_panels(self) -> None:
        self.query_one("#code-title", Static).update(self._title())
        self.query_one("#code-applied", Static).update(self._applied_text())
        self._update_suggestions()

    def _title(self) -> Text:
        if self.view is None:
            return Text("no document")
        return title_text(
            self.view.doc,
            self.index,
            len(self.view.units),
            self.current,
            self.selection is not None,
            self.blind,
        )

    def _coding_line(self, coding: Coding) -> Text:
        kind = self.view.kinds.get(coding.segment_id) if self.view else None
        return coding_line(coding, self._colours().get(coding.code), kind)

    def _colours(self) -> dict[str, str | None]:
        return {c.name: c.colour for c in self.codes}

    def _applied_text(self) -> Text:
        if self.view is None:
            return Text("")
        return applied_text([self._coding_line(c) for c in self._here()])

    def _update_suggestions(self) -> None:
        unit = self.current
        span = self._selection_span()
        text = ""
        if self.view is not None:
            if span is not None:
                text = self.view.doc.text[span[0] : span[1]]
            elif unit is not None:
                text = unit.text
        found = suggest_codes(text, self.codes, limit=SUGGESTIONS) if text else []
        self.suggestions = [code for code, _score in found]
        mine = {c.code for c in self._here() if c.coder == self.ws.coder}
        self.query_one("#code-suggestions", Static).update(suggestions_text(self.suggestions, mine))

    # ---- moving ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("extend", "move_start", "cancel_selection"):
            return self.selection is not None
        return True

    def action_segment(self, step: int) -> None:
        if self.view is None:
            return
        self.selection = None
        target = self.index + step
        if 0 <= target < len(self.view.units):
            self.index = target
            self._show()
        else:
            self._step_document(step, first_unit=step > 0)

    def action_document(self, step: int) -> None:
        if self.view is not None:
            self._step_document(step, first_unit=True)

    def _step_document(self, step: int, first_unit: bool) -> None:
        assert self.view is not None
        key, pid = self.view.doc.key, self.ws.project.id
        ordinal = 1 if first_unit else -1

        def find() -> tuple[str, int] | None:
            with self.ws.read() as session:
                found = q.document_neighbour(session, pid, key, step)
            return (found, ordinal) if found else None

        self._navigate(
            find, "this is the last document" if step > 0 else "this is the first document"
        )

    def action_next_uncoded(self) -> None:
        if self.view is None:
            return
        coder = self.ws.coder_id()
        coder = -1 if coder is None else coder  # a coder with no codings yet: all uncoded
        unit = self.current
        after = (unit.ordinal or 0) if unit is not None else 0
        doc_id, doc_ordinal, pid = self.view.doc.id or 0, self.view.ordinal, self.ws.project.id

        def find() -> tuple[str, int] | None:
            with self.ws.read() as session:
                found = q.next_uncoded(session, pid, coder, doc_ordinal, doc_id, after)
                if found is None:  # wrap round to the start
                    found = q.next_uncoded(session, pid, coder, -1, -1, 0)
            return found

        self._navigate(find, "every segment has your codes")

    def _navigate(
        self,
        find: Callable[[], tuple[str, int] | None],
        nothing: str,
        on_nothing: Callable[[], None] | None = None,
    ) -> None:
        """Look up where to go in reading order in a thread: on a large project these
        queries can take a moment, and the screen must not freeze meanwhile."""
        self._nothing_found = nothing
        self._on_nothing = on_nothing
        self.run_worker(
            find,
            thread=True,
            exclusive=True,
            group="navigate",
            name="navigate",
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "navigate":
            return
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            if not isinstance(event.worker.error, USER_ERRORS):
                raise event.worker.error
            show_error(self, event.worker.error)
        if event.state != WorkerState.SUCCESS:
            return
        found: tuple[str, int] | None = event.worker.result
        if found is None:
            if self._on_nothing is not None:
                self._on_nothing()
            else:
                self.notify(self._nothing_found)
            return
        key, ordinal = found
        if self.view is not None and key == self.view.doc.key:
            self.selection = None
            self.index = len(self.view.units) - 1 if ordinal < 0 else self.view.unit_index(ordinal)
            self._show()
        else:
            self._open(key, ordinal)

    # ---- word selection --------------------------------------------------------------

    def action_select(self) -> None:
        unit = self.current
        if unit is None:
            return
        self.words = word_spans(unit.text, unit.start)
        if not self.words:
            return
        self.selection = (0, 0)
        self._show(scroll=False)
        self.refresh_bindings()

    def action_extend(self, step: int) -> None:
        if self.selection is None:
            return
        first, last = self.selection
        self.selection = (first, max(first, min(len(self.words) - 1, last + step)))
        self._show(scroll=False)

    def action_move_start(self, step: int) -> None:
        if self.selection is None:
            return
        first, last = self.selection
        first = max(0, min(last, first + step))
        self.selection = (first, last)
        self._show(scroll=False)

    def action_cancel_selection(self) -> None:
        self.selection = None
        self._show(scroll=False)
        self.refresh_bindings()

    # ---- applying, removing, memos ---------------------------------------------------

    def target(self) -> UnitRef | None:
        """What a code applies to now: the selected words, else the segment, else the
        whole document (a record with no abstract)."""
        if self.view is None:
            return None
        span = self._selection_span()
        if span is not None:
            return UnitRef(self.view.doc.key, start=span[0], end=span[1])
        unit = self.current
        if unit is not None:
            return UnitRef(self.view.doc.key, unit.ordinal)
        return UnitRef(self.view.doc.key)

    def apply(self, code: str) -> bool:
        """Apply ``code`` to the target: one service call, then the screen from the store."""
        ref = self.target()
        if ref is None:
            return False
        ok, added = attempt(self, apply_code, self.ws, ref, code)
        if not ok:
            return False
        if added:
            self.counts[code] = self.counts.get(code, 0) + 1
            self.panel.set_count(code, self.counts[code])
        else:
            self.notify(f"{code!r} is already on {ref}", severity="warning", markup=False)
        self.selection = None
        self.refresh_bindings()
        self._reload_codings()
        self._show(scroll=False)
        self.post_message(DataChanged(refresh_phase=False))
        return bool(added)

    def action_apply(self) -> None:
        code = self.panel.highlighted
        if code is None:
            self.notify(
                "no code highlighted: type to filter the codebook ( / )", severity="warning"
            )
            return
        self.apply(code)

    def action_suggestion(self, number: int) -> None:
        if number <= len(self.suggestions):
            self.apply(self.suggestions[number - 1].name)

    def action_filter(self) -> None:
        self.panel.filter.focus()

    def on_codebook_panel_chosen(self, event: CodebookPanel.Chosen) -> None:
        event.stop()
        from_filter = isinstance(self.app.focused, CodeFilter)
        self.apply(event.code)
        if from_filter:
            self.panel.filter.value = ""
            self.reader.focus()

    def on_code_filter_leave(self, event: CodeFilter.Leave) -> None:
        event.stop()
        self.reader.focus()

    def _ref_of(self, coding: Coding) -> UnitRef:
        assert self.view is not None
        kind = self.view.kinds.get(coding.segment_id)
        if kind == SegmentKind.UNIT:
            return UnitRef(coding.document_key, coding.ordinal)
        if kind == SegmentKind.DOCUMENT:
            return UnitRef(coding.document_key)
        return UnitRef(coding.document_key, start=coding.start, end=coding.end)

    def _choose_own(self, title: str, then: Callable[[Coding], None]) -> None:
        """Act on one of the coder's codings here: directly if there is one, else ask."""
        mine = [c for c in self._here() if c.coder == self.ws.coder]
        if not mine:
            self.notify("you have no codes on this segment", severity="warning")
            return
        if len(mine) == 1:
            then(mine[0])
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                then(mine[index])

        self.app.push_screen(ChoiceScreen(title, [self._coding_line(c) for c in mine]), chosen)

    def action_remove(self) -> None:
        self._choose_own("Remove which code?", self._remove)

    def _remove(self, coding: Coding) -> None:
        ok, _ = attempt(self, remove_code, self.ws, self._ref_of(coding), coding.code)
        if not ok:
            return
        self.counts[coding.code] = max(0, self.counts.get(coding.code, 0) - 1)
        self.panel.set_count(coding.code, self.counts[coding.code])
        self._reload_codings()
        self._show(scroll=False)
        self.post_message(DataChanged(refresh_phase=False))

    def action_memo(self) -> None:
        self._choose_own("Memo on which coding?", self._edit_memo)

    def _edit_memo(self, coding: Coding) -> None:
        def save(text: str | None) -> None:
            if text is None:
                return
            ok, _ = attempt(self, set_coding_memo, self.ws, self._ref_of(coding), coding.code, text)
            if ok:
                self._reload_codings()
                self._show(scroll=False)
                self.post_message(DataChanged(refresh_phase=False))

        self.app.push_screen(
            TextScreen(f"Memo on {coding.code} ({self._ref_of(coding)})", coding.memo or ""), save
        )

    def action_new_code(self) -> None:
        if self.view is None:
            return
        typed = self.panel.filter.value.strip()

        def create(name: str, definition: str, parent: str | None) -> str | None:
            try:
                create_code(self.ws, Code(name=name, definition=definition, parent=parent))
            except USER_ERRORS as error:
                return str(error)
            return None

        def created(name: str | None) -> None:
            if name is None:
                return
            self.panel.filter.value = ""
            self._load_codes()
            self.apply(" ".join(name.split()))
            self.reader.focus()

        self.app.push_screen(
            NewCodeScreen(create, parent=self.panel.highlighted, name=typed), created
        )

    def action_blind(self) -> None:
        self.blind = not self.blind
        remember = getattr(self.app, "remember", None)
        if remember is not None:
            remember({"code.blind": "1" if self.blind else "0"})
        self._load_codes()
        self._show(scroll=False)
        self.notify(
            "blind: other coders' codings hidden" if self.blind else "showing every coder's codings"
        )

    def action_search_code(self) -> None:
        def done(added: int | None) -> None:
            if added:
                self.refresh_data()
                self.post_message(DataChanged(refresh_phase=False))

        self.app.push_screen(
            SearchCodeScreen(self.ws, [c.name for c in self.codes], code=self.panel.highlighted),
            done,
        )
