"""Phase 2, generating initial codes: segment by segment, by keyboard.

The current segment is highlighted inside its whole abstract (meaning depends on
context); the codes already on it are listed beside it with their colours and coders; the
codebook panel filters with rapidfuzz; suggestions are numbered and applied with 1-9.
Every key that changes data is one service call, and the screen is updated from the store
straight after it, so what is shown is what was saved.

The phase is split by concern: moving in reading order (``code_navigation``), selecting
words for a sub-span (``code_selection``) and the coder's own codings, removed or
memoed (``code_memos``); this module loads, shows and applies.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from coder.core.matching import suggest_codes
from coder.core.model import Code, Coding, Segment, SegmentKind
from coder.core.similarity import ExampleIndex
from coder.services import views
from coder.services.codes import create_code
from coder.services.coding import UnitRef, apply_code
from coder.services.views import DocView
from coder.services.workspace import Workspace
from coder.tui.messages import DataChanged
from coder.tui.phases.base import Key, Phase
from coder.tui.phases.code_memos import OwnCodings
from coder.tui.phases.code_navigation import ReadingOrder
from coder.tui.phases.code_selection import WordSelection
from coder.tui.widgets.code_picker import CodePickScreen
from coder.tui.widgets.codebook import CodebookPanel, CodeFilter
from coder.tui.widgets.coding_text import applied_text, coding_line, suggestions_text, title_text
from coder.tui.widgets.dialogs import NewCode, NewCodeScreen
from coder.tui.widgets.document import CODE_NO_ABSTRACT, reading_blocks
from coder.tui.widgets.errors import USER_ERRORS, show_error
from coder.tui.widgets.reader import Block, Mark, SegmentReader, TextReader
from coder.tui.widgets.search_code import SearchCodeScreen
from coder.tui.widgets.text import safe_style
from coder.tui.workers import read_then_show, write_then_show

SUGGESTIONS = 9
SUGGEST_CHARS = 4_000


class CodePhase(WordSelection, OwnCodings, ReadingOrder, Phase):
    """Phase 2: read a segment, apply codes, move on."""

    NUMBER = 2
    KEYS = (
        Key("j,down", "segment(1)", "Next seg", "code.next_segment", "Next segment (then the next document)"),
        Key("k,up", "segment(-1)", "Prev seg", "code.prev_segment", "Previous segment"),
        Key("J,pagedown", "document(1)", "Next doc", "code.next_document", "First segment of the next document",
            palette="coding: next document", palette_help="Go to the next document"),
        Key("K,pageup", "document(-1)", "Prev doc", "code.prev_document", "The previous document", show=False,
            palette="coding: previous document", palette_help="Go to the previous document"),
        Key("u", "next_uncoded", "Uncoded", "code.next_uncoded", "Next segment you have not coded", rank=2,
            palette="coding: next uncoded", palette_help="Jump to the next segment you have not coded"),
        Key("slash,f", "filter", "Find code", "code.filter", "Type to filter the codebook", rank=1,
            palette="coding: find code", palette_help="Filter the codebook"),
        Key("enter", "apply", "Apply", "code.apply",
            "Apply the highlighted code (with a selection: choose the code in a picker)", rank=1),
        *[
            Key(str(n), f"suggestion({n})", f"Suggestion {n}", f"code.suggestion_{n}", f"Apply suggestion {n}",
                show=False)
            for n in range(1, SUGGESTIONS + 1)
        ],
        Key("n", "new_code", "New code", "code.new", "Create a code (top level unless you choose a parent); Enter applies it", rank=1,
            palette="coding: new code", palette_help="Create a code; Enter in the dialog also applies it here"),
        Key("x,delete", "remove", "Remove", "code.remove", "Remove one of your codes from this segment", rank=1,
            palette="coding: remove code"),
        Key("m", "memo", "Memo", "code.memo", "Write a memo on one of your codings here", rank=1,
            palette="coding: memo on coding"),
        Key("v", "select", "Select", "code.select", "Select a span within the segment to code a part", rank=2,
            palette="coding: select span", palette_help="Select words within the segment (sub-span coding)"),
        Key("l,right", "extend(1)", "Longer", "code.select_more", "Selection: the end one word later"),
        Key("h,left", "extend(-1)", "Shorter", "code.select_less", "Selection: the end one word earlier"),
        Key("L,shift+right", "move_start(1)", "Start →", "code.select_start_right", "Selection: start one word later",
            show=False),
        Key("H,shift+left", "move_start(-1)", "Start ←", "code.select_start_left",
            "Selection: start one word earlier", show=False),
        Key("right_parenthesis", "select_by('sentence', 1)", "Sentence →", "code.select_sentence_next",
            "Selection: the active end to the next sentence", show=False),
        Key("left_parenthesis", "select_by('sentence', -1)", "Sentence ←", "code.select_sentence_prev",
            "Selection: the active end to the previous sentence", show=False),
        Key("right_square_bracket", "select_by('clause', 1)", "Clause →", "code.select_clause_next",
            "Selection: the active end to the next clause (, ; : — .)", show=False),
        Key("left_square_bracket", "select_by('clause', -1)", "Clause ←", "code.select_clause_prev",
            "Selection: the active end to the previous clause", show=False),
        Key("0", "select_by('segment', -1)", "Seg start", "code.select_segment_start",
            "Selection: the active end to the start of the segment", show=False),
        Key("dollar_sign", "select_by('segment', 1)", "Seg end", "code.select_segment_end",
            "Selection: the active end to the end of the segment", show=False),
        Key("o", "other_end", "Other end", "code.select_other_end",
            "Selection: make the other end the one that ( ) [ ] 0 $ move", show=False),
        Key("escape", "cancel_selection", "Cancel", "code.select_cancel", "Leave the selection", rank=9),
        Key("b", "blind", "Blind", "code.blind", "Hide or show other coders' codings", show=False,
            palette="coding: toggle blind"),
        Key("s", "search_code", "Search+code", "code.search", "Search segments and code the hits",
            palette="coding: search and code", palette_help="Find segments by words or regex and code the hits"),
    )  # fmt: skip

    def __init__(self, ws: Workspace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(ws, id=id, classes=classes)
        self.view: DocView | None = None
        self.index = 0
        self.words: list[tuple[int, int]] = []
        self.selection: tuple[int, int] | None = None  # word indices, inclusive
        self.blind = False
        self.codes: list[Code] = []
        self.counts: dict[str, int] = {}
        self.suggestions: list[Code] = []
        self.reasons: dict[str, str] = {}  # why each suggestion is suggested
        self.learned: dict[str, int] = {}  # suggestions by likeness: extracts behind them
        self.examples = ExampleIndex()  # what was coded with each code (learned suggestions)

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

    def show_document(self, key: str, ordinal: int | None = None) -> None:
        """Open ``key`` at unit ``ordinal`` (at its first unit unless it is already the
        document shown): the app calls this when the reviewer moves from reading it in
        phase 1 to coding, and from the memo browser."""
        if ordinal is None and self.view is not None and self.view.doc.key == key:
            return
        self._open(key, ordinal or 1)

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
            counts = views.code_counts(self.ws, coder_ids=self._coder_filter())
        except USER_ERRORS as error:
            show_error(self, error)
            return
        self.codes = [c.code for c in counts]
        # Coded segments, as phase 3 counts them: two coders on one passage are one, not two.
        self.counts = {c.code.name: c.segments for c in counts}
        self.panel.set_codes(self.codes, dict(self.counts))
        self._load_examples()

    def _load_examples(self) -> None:
        """Read what was coded with each code (this coder's only, in blind mode; else the
        team's) in a thread; from then on apply and remove update it one extract at a time."""
        ws, coders = self.ws, self._coder_filter()

        def read() -> ExampleIndex:
            return ExampleIndex.build(views.coded_texts(ws, coders))

        def show(index: ExampleIndex) -> None:
            self.examples = index
            self._update_suggestions()

        read_then_show(self, read, show, group="examples")

    def _show_empty(self) -> None:
        self.view = None
        self.reader.set_blocks(
            [Block(Text("This project has no documents yet: import some with 'coder import'."))]
        )
        self._show_panels()

    def _open(self, key: str, ordinal: int, keep_scroll: bool = False) -> bool:
        """Show a document with unit ``ordinal`` current (-1: the last unit)."""
        try:
            view = views.document_view(self.ws, key)
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
        return reading_blocks(view.doc, empty=CODE_NO_ABSTRACT)

    def _reload_codings(self) -> None:
        if self.view is None:
            return
        fresh = views.document_view(self.ws, self.view.doc.key)
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
            self.remember(
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
        applied = applied_text([self._coding_line(c) for c in self._here()])
        selected = self.selection_line()
        if selected is None:
            return applied
        return Text("\n", end="").join([selected, applied])

    def _suggestion_text(self) -> str:
        """The text suggestions are matched on: the selection, else the segment (its first
        SUGGEST_CHARS characters: a 1,000,000-character segment must not cost seconds)."""
        if self.view is None:
            return ""
        span = self._selection_span()
        if span is not None:
            return self.view.doc.text[span[0] : min(span[1], span[0] + SUGGEST_CHARS)]
        unit = self.current
        return unit.text[:SUGGEST_CHARS] if unit is not None else ""

    def _update_suggestions(self) -> None:
        """Codes suggested by the codebook (keywords, examples, names) and by likeness to
        what was already coded with each code, merged by score, best first."""
        text = self._suggestion_text()
        scores: dict[str, float] = {}
        self.reasons, self.learned = {}, {}
        # A code already here is not boosted by likeness to its own coding of this very
        # text: the numbers would move under the researcher's fingers after each apply.
        here = {c.code for c in self._here()}
        if text:
            for code, score in suggest_codes(text, self.codes, limit=SUGGESTIONS):
                scores[code.name] = score
                self.reasons[code.name] = "matches its keywords or examples"
            active = {c.name for c in self.codes}
            for learned in self.examples.rank(text, limit=SUGGESTIONS):
                if learned.code not in active or learned.code in here:
                    continue
                score = 50 + learned.score / 2
                scores[learned.code] = max(scores.get(learned.code, 0.0), score) + (
                    10 if learned.code in scores else 0
                )
                self.learned[learned.code] = learned.extracts
                self.reasons[learned.code] = learned.reason
        by_name = {c.name: c for c in self.codes}
        ranked = sorted(scores, key=lambda name: -scores[name])[
            :SUGGESTIONS
        ]  # stable: ties keep the codebook order
        self.suggestions = [by_name[name] for name in ranked if name in by_name]
        mine = {c.code for c in self._here() if c.coder == self.ws.coder}
        self.query_one("#code-suggestions", Static).update(
            suggestions_text(self.suggestions, mine, self.learned)
        )

    def suggestion_reasons(self) -> list[tuple[str, str]]:
        """The suggested codes for the picker, each with why it is suggested."""
        return [(code.name, self.reasons.get(code.name, "")) for code in self.suggestions]

    def _ref_text(self, ref: UnitRef) -> str:
        """The text a coding at ``ref`` covers (what the learned suggestions learn)."""
        if self.view is None:
            return ""
        if ref.start is not None and ref.end is not None:
            return self.view.doc.text[ref.start : ref.end]
        if ref.ordinal is not None:
            for unit in self.view.units:
                if unit.ordinal == ref.ordinal:
                    return unit.text
        return self.view.doc.text

    def _forget_example(self, code: str, text: str) -> None:
        self.examples.remove(code, text)

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

    def apply(self, code: str, ref: UnitRef | None = None) -> bool:
        """Apply ``code`` to ``ref`` (default: the target). The write runs in a worker, so
        the key returns at once even while another writer holds the project; the screen
        is redrawn from the store once the coding is stored. A coding that cannot be
        stored is reported as "not saved" naming the code and segment, and the selection
        and codebook cursor stay as they were so Enter tries again. False: nothing to
        apply to."""
        ref = ref or self.target()
        if ref is None:
            return False
        text, selection, coders = self._ref_text(ref), self.selection, self._coder_filter()

        def write() -> tuple[object, int]:
            # The count is read back, not added to: another coder may hold the same
            # passage (no new coded segment), and the service's count is the one truth.
            added = apply_code(self.ws, ref, code)
            return added, views.coded_segments_of(self.ws, code, coders)

        def stored(result: tuple[object, int]) -> None:
            added, count = result
            self.show_count(code, count)
            if added:
                self.examples.add(code, text)
            else:
                self.notify(f"{code!r} is already on {ref}", severity="warning", markup=False)
            if selection is not None and self.selection == selection:  # not one made since
                self.selection = None
                self.refresh_bindings()  # (redraws the footer: only when the keys change)
            self._reload_codings()
            self._show(scroll=False)
            self.post_message(DataChanged(refresh_phase=False))

        write_then_show(self, write, stored, what=f"{code!r} on {ref}")
        return True

    def show_count(self, code: str, count: int) -> None:
        """Show ``code``'s count as the services counted it after a write."""
        self.counts[code] = count
        self.panel.set_count(code, count)

    def action_apply(self) -> None:
        if self.selection is not None:
            self.pick_code_for_selection()
            return
        code = self.panel.highlighted
        if code is None:
            self.notify(
                "no code highlighted: type to filter the codebook ( / )", severity="warning"
            )
            return
        self.apply(code)

    def pick_code_for_selection(self) -> None:
        """Enter on a selection: choose its code in a picker (fuzzy filter, suggestions
        first). The code applied is the one picked there, to the span selected when the
        picker opened: never the codebook cursor's by accident."""
        ref, span = self.target(), self._selection_span()
        if ref is None or span is None or self.view is None:
            return
        text = self.view.doc.text[span[0] : span[1]]

        def picked(names: list[str] | None) -> None:
            if names:
                self.apply(names[0], ref)

        self.app.push_screen(CodePickScreen(text, self.codes, self.suggestion_reasons()), picked)

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

        def created(made: NewCode | None) -> None:
            if made is None:
                return
            self.panel.filter.value = ""
            self._load_codes()
            name = " ".join(made.name.split())
            if made.apply:
                self.apply(name)
            else:
                self.notify(f"created {name!r} (not applied)", markup=False)
            self.reader.focus()

        self.app.push_screen(
            NewCodeScreen(
                create,
                parent=self.panel.highlighted,
                name=typed,
                codes=[c.name for c in self.codes],
            ),
            created,
        )

    # ---- other coders' work, live ----------------------------------------------------

    def presence_document(self) -> str | None:
        return self.view.doc.key if self.view is not None else None

    def live_refresh(self, views: frozenset[str]) -> None:
        """Show other coders' changes in place: the document, segment, selection and
        scroll stay where the coder has them. (Blind, others' codings never get here.)"""
        if views & {"codebook", "counts"}:
            self._load_codes()
        if views & {"codings", "documents"}:
            self._reload_codings()
        self._show(scroll=False)

    def action_blind(self) -> None:
        self.blind = not self.blind
        self.remember({"code.blind": "1" if self.blind else "0"})
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
