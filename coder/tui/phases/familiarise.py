"""Phase 1, familiarising yourself with the data: read every abstract, note first ideas.

The document list is a virtual list over ``views.document_page`` (paged and filtered in
SQL, so 100,000 documents cost one page); the reader shows the metadata and the headed
sections; the familiarisation note is one note per coder and document, saved through
``notes.set_note`` when the coder leaves it (not on every keystroke, which would flood the
audit trail with half-sentences).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import DescendantBlur
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea

from coder.core.model import Document
from coder.services import screening, views
from coder.services.notes import mark_read, set_note
from coder.services.screening import ExclusionResult
from coder.services.views import DocumentListItem
from coder.services.workspace import Workspace
from coder.tui.messages import DataChanged
from coder.tui.phases.base import Key, Phase
from coder.tui.widgets.document import (
    document_row_text,
    metadata_lines,
    reading_blocks,
)
from coder.tui.widgets.errors import USER_ERRORS, attempt, show_error
from coder.tui.widgets.exclude_dialog import ExcludeChoice, ExcludeScreen
from coder.tui.widgets.reader import Block, TextReader
from coder.tui.widgets.virtual_list import VirtualList
from coder.tui.workers import write_then_show

NOTE_KIND = "familiarisation"
SEARCH_DELAY = 0.3


class FamiliarisePhase(Phase):
    """Phase 1: the document list, the reader and the familiarisation note."""

    NUMBER = 1
    KEYS = (
        Key("space", "toggle_read", "Read ✓", "familiarise.toggle_read", "Mark the document read (or unread)",
            palette="familiarise: toggle read", palette_help="Mark the document read or unread"),
        Key("slash", "search", "Search", "familiarise.search", "Search titles and abstracts",
            palette="familiarise: search"),
        Key("f", "unread_only", "Unread only", "familiarise.unread_only", "Show only documents you have not read",
            palette="familiarise: unread only", palette_help="Show only unread documents (or all)"),
        Key("n", "edit_note", "Note", "familiarise.note", "Write the familiarisation note of this document",
            palette="familiarise: edit note", palette_help="Write the familiarisation note"),
        Key("e", "toggle_exclude", "Set aside", "familiarise.exclude",
            "Set the document aside with a reason (or bring it back)",
            palette="familiarise: set aside",
            palette_help="Set the document aside with a reason, or bring it back"),
        Key("E", "exclude_matching", "Set aside all found", "familiarise.exclude_matching",
            "Set aside every document the search finds, as one action",
            palette="familiarise: set aside all found",
            palette_help="Set aside every document the search finds"),
        Key("r", "focus_reader", "Reader", "familiarise.reader", "Scroll the reader", show=False),
        Key("escape", "back_to_list", "List", "familiarise.back", "Back to the document list (saves the note; clears a search)",
            show=False),
    )  # fmt: skip

    def __init__(self, ws: Workspace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(ws, id=id, classes=classes)
        self.unread_only = False
        self.search = ""
        self.doc: Document | None = None
        self.saved_note = ""
        self._search_timer: Timer | None = None
        self._coder_id: int | None = None
        self._pages = views.PageKeys()  # the list's page boundaries (keyset cursors)

    def compose(self) -> ComposeResult:
        with Vertical(id="fam-left"):
            yield Input(placeholder="search titles and abstracts ( / )", id="fam-search")
            yield Static(id="fam-status")
            yield VirtualList(
                self._fetch,
                document_row_text,
                page_size=100,
                empty="no documents match",
                id="fam-list",
            )
        with Vertical(id="fam-right"):
            yield TextReader(id="fam-reader")
            yield Static(
                "Familiarisation note  (n to write · Esc saves and goes back)", id="fam-note-label"
            )
            yield TextArea(id="fam-note", soft_wrap=True, tab_behavior="focus")

    def on_mount(self) -> None:
        self._coder_id = self.ws.coder_id()
        state: dict[str, str] = getattr(self.app, "ui_state", {}) or {}
        key = state.get("familiarise.document")
        row = state.get("familiarise.row", "")
        if key:
            self.doc_list.reload(
                cursor=int(row) if row.isdigit() else 0,
                expect=lambda item: item.key == key,
                locate=lambda: self._locate(key),
            )
        else:
            self.doc_list.reload(cursor=0)
        self._update_status()

    def _locate(self, key: str) -> int | None:
        """The remembered document's row (in the list's worker thread)."""
        return views.document_index(self.ws, key)

    # ---- the contract with the app ---------------------------------------------------

    def refresh_data(self) -> None:
        self._coder_id = self.ws.coder_id()
        self.save_pending()
        self.doc_list.reload()
        if self.doc is not None:
            self._show_document(self.doc.key)

    def live_refresh(self, views: frozenset[str]) -> None:
        """Other coders' changes: the list re-reads (keeping its place); the open
        document and the note being written stay as they are."""
        if views & {"documents", "memos"}:
            self.doc_list.reload()

    def presence_document(self) -> str | None:
        return self.doc.key if self.doc is not None else None

    def save_pending(self) -> None:
        """Save the note being written (the app calls this before quitting)."""
        if self.doc is None:
            return
        text = self.note.text
        if text.rstrip() == self.saved_note.rstrip():
            return
        ok, _ = attempt(self, set_note, self.ws, "document", self.doc.key, NOTE_KIND, text)
        if ok:
            self.saved_note = text
            self.post_message(DataChanged(refresh_phase=False))

    def current_document_key(self) -> str | None:
        """The highlighted document (the attributes screen opens on it)."""
        item = self.doc_list.current
        return item.key if item is not None else None

    # ---- parts -----------------------------------------------------------------------

    @property
    def doc_list(self) -> VirtualList[DocumentListItem]:
        return self.query_one("#fam-list", VirtualList)

    @property
    def reader(self) -> TextReader:
        return self.query_one("#fam-reader", TextReader)

    @property
    def note(self) -> TextArea:
        return self.query_one("#fam-note", TextArea)

    def _fetch(self, offset: int, limit: int) -> tuple[int, list[DocumentListItem]]:
        """Runs in a worker thread: only reads, and only values captured as plain data."""
        unread, search, coder = self.unread_only, self.search, self._coder_id
        return views.document_page(
            self.ws,
            coder,
            offset,
            limit,
            unread_only=unread,
            search=search or None,
            keys=self._pages,
        )

    def _update_status(self, total: int | None = None) -> None:
        parts = [f"{total if total is not None else self.doc_list.total} documents"]
        if self.unread_only:
            parts.append("unread only (f)")
        if self.search:
            parts.append(f"matching {self.search!r}")
        self.query_one("#fam-status", Static).update(Text(" · ".join(parts), style="dim"))

    # ---- events ----------------------------------------------------------------------

    def on_virtual_list_loaded(self, event: VirtualList.Loaded) -> None:
        event.stop()
        self._update_status(event.total)
        if event.total == 0:
            self._show_nothing()

    def on_virtual_list_highlighted(self, event: VirtualList.Highlighted) -> None:
        event.stop()
        item = event.item
        assert isinstance(item, DocumentListItem)
        if self.doc is None or self.doc.key != item.key:
            self._show_document(item.key)

    def on_virtual_list_selected(self, event: VirtualList.Selected) -> None:
        event.stop()
        self.reader.focus()

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        if event.widget is self.query_one("#fam-note", TextArea):
            self.save_pending()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._apply_search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply_search()
        self.doc_list.focus()

    def _apply_search(self) -> None:
        value = self.query_one("#fam-search", Input).value.strip()
        if value != self.search:
            self.search = value
            self.reader.set_search(value)
            self.doc_list.reload(cursor=0)
            self._update_status()

    # ---- showing a document ----------------------------------------------------------

    def _show_nothing(self) -> None:
        self.save_pending()
        self.doc = None
        self.reader.set_blocks([Block(Text("No document to show."), style="label")])
        self.note.load_text("")
        self.saved_note = ""

    def _show_document(self, key: str) -> None:
        self.save_pending()
        try:
            found = views.document_with_note(self.ws, key, self._coder_id, NOTE_KIND)
        except USER_ERRORS as error:
            show_error(self, error)
            return
        if found is None:
            return
        doc, note = found
        self.doc = doc
        label = self.reader.get_component_rich_style("reader--label")
        self.reader.set_blocks(reading_blocks(doc, metadata_lines(doc, label)))
        self.saved_note = note if note is not None else ""
        self.note.load_text(self.saved_note)
        row = self.doc_list.cursor if not (self.search or self.unread_only) else None
        self.remember(
            {
                "familiarise.document": key,
                **({"familiarise.row": str(row)} if row is not None else {}),
            }
        )

    # ---- actions ---------------------------------------------------------------------

    def action_toggle_read(self) -> None:
        item = self.doc_list.current
        if item is None:
            return
        index = self.doc_list.cursor

        def marked(_result: object) -> None:
            self._coder_id = self._coder_id or self.ws.coder_id()
            self._replace(index, replace(item, read=not item.read))
            self.post_message(DataChanged(refresh_phase=False))

        # In the write worker: a project another writer holds never freezes the reading.
        what = f"the read mark of {item.key}"
        write_then_show(
            self, partial(mark_read, self.ws, item.key, not item.read), marked, what=what
        )

    def _replace(self, index: int, item: DocumentListItem) -> None:
        """Show ``item`` in the row it was at when the key was pressed; if the list has
        changed under it since (a reload), read the list again instead."""
        there = self.doc_list.item_at(index)
        if there is not None and there.key == item.key:
            self.doc_list.set_item(index, item)
        else:
            self.doc_list.reload()

    def action_toggle_exclude(self) -> None:
        """Set the highlighted document aside (a reason picker first), or bring it back."""
        item = self.doc_list.current
        if item is None:
            return
        if item.excluded:
            index = self.doc_list.cursor

            def included(_result: object) -> None:
                self._replace(index, replace(item, excluded=False))
                self.app.notify(f"{item.key} is back in the analysis", markup=False)
                self.post_message(DataChanged(refresh_phase=False, recount=True))

            include = partial(screening.include, self.ws, [item.key])
            write_then_show(self, include, included, what=f"bringing back {item.key}")
            return
        ok, reasons = attempt(self, screening.reasons, self.ws)
        if not ok:
            return

        index = self.doc_list.cursor

        def done(choice: ExcludeChoice | None) -> None:
            if choice is not None:
                set_aside = partial(self._replace, index, replace(item, excluded=True))
                self._set_aside(choice, [item.key], then=set_aside)

        self.app.push_screen(ExcludeScreen(f"Set aside {item.key}", reasons or []), done)

    def action_exclude_matching(self) -> None:
        """Set aside every document the current search finds: one action, one event."""
        if not self.search:
            self.app.notify("Search first (/): E sets aside every document the search finds")
            return
        search = self.search
        ok, preview = attempt(self, screening.exclude_matching, self.ws, search, dry_run=True)
        ok2, reasons = attempt(self, screening.reasons, self.ws)
        if not (ok and ok2) or preview is None:
            return
        if not preview.changed:
            self.app.notify(f"nothing to set aside: every match for {search!r} already is")
            return
        title = f"Set aside {len(preview.changed)} documents matching {search!r}"

        def done(choice: ExcludeChoice | None) -> None:
            if choice is not None:
                self._set_aside(choice, None, search, then=self.doc_list.reload)

        self.app.push_screen(ExcludeScreen(title, reasons or []), done)

    def _set_aside(
        self,
        choice: ExcludeChoice,
        keys: list[str] | None,
        search: str | None = None,
        then: Callable[[], object] | None = None,
    ) -> None:
        """Set documents aside (a new reason first, when one was typed) in the write
        worker; ``then()`` once stored."""
        ws = self.ws

        def write() -> ExclusionResult:
            if choice.new_reason and choice.reason:
                screening.add_reason(ws, choice.reason)
            if keys is not None:
                return screening.exclude(ws, keys, choice.reason, choice.note)
            return screening.exclude_matching(ws, search, choice.reason, choice.note)

        def stored(result: ExclusionResult) -> None:
            self.app.notify(result.line("set aside"), markup=False)
            self.post_message(DataChanged(refresh_phase=False, recount=True))
            if then is not None:
                then()

        write_then_show(self, write, stored, what="setting aside")

    def action_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self.doc_list.reload(cursor=0)
        self._update_status()

    def action_search(self) -> None:
        self.query_one("#fam-search", Input).focus()

    def action_edit_note(self) -> None:
        if self.doc is not None:
            self.note.focus()

    def action_focus_reader(self) -> None:
        self.reader.focus()

    def action_back_to_list(self) -> None:
        """Esc: from the note or reader back to the list; from the search box, or in the
        list while a search is on, it also clears the search."""
        self.save_pending()
        search = self.query_one("#fam-search", Input)
        if search.value and (search.has_focus or self.doc_list.has_focus):
            search.value = ""
            self._apply_search()
        self.doc_list.focus()
