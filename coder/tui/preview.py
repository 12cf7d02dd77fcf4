"""The first screen with data, drawn read-only before the store is imported (issue 16).

Importing SQLModel and SQLAlchemy takes most of a second, so the shell paints first and
a thread opens the project. Meanwhile, on an SQLite project, ``listing.quick_first_frame``
reads what the phase where the coder left off shows first (phase 1: a page of the
document list and the document being read; phase 2: the segment to code in its document)
with sqlite3 alone, and this pane draws it with the phases' own row, metadata and text
renderers. It is real data, not a placeholder, but nothing in it acts: it holds no
focusable widget and no binding, the line at its foot says the project is loading, and
the app replaces it with the real phase once that has drawn its own data. A key pressed
meanwhile is not applied (the app says so): a code is never applied from a preview.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from coder.services.listing import FirstFrame, quick_first_frame
from coder.tui.widgets.coding_text import title_text
from coder.tui.widgets.document import (
    CODE_NO_ABSTRACT,
    document_row_text,
    metadata_lines,
    reading_blocks,
)
from coder.tui.widgets.reader import Block, Mark, TextReader
from coder.tui.widgets.text import one_line

__all__ = ["LOADING", "OpeningPane", "read_first_frame"]

LOADING = "loading the project … a read-only preview: keys work once it is open"


def read_first_frame(db: str | None, coder: str | None, project: str | None) -> FirstFrame | None:
    """The preview's data (in the loading thread), or None: a server database, a schema
    the quick read does not know, any doubt. Then the shell stays empty until the phase."""
    return quick_first_frame(db, coder, project)


class PreviewReader(TextReader, can_focus=False):
    """The reader of the preview: draws like the phases' reader, takes no keys."""


def document_blocks(frame: FirstFrame, label_style: object) -> list[Block]:
    """The document as the phase draws it: phase 1 with its metadata lines first."""
    doc = frame.document
    assert doc is not None
    if frame.phase == 1:
        return reading_blocks(doc, metadata_lines(doc, label_style))
    return reading_blocks(doc, empty=CODE_NO_ABSTRACT)


class OpeningPane(Vertical):
    """The pane of the first frame: empty, then (``show``) the preview, until the phase."""

    frame: FirstFrame | None = None
    _drawn: Callable[[], object] | None = None
    filled = False  # the preview's text is in place (drawn in the next frame)

    def compose(self) -> ComposeResult:
        yield Vertical(id="preview-body")
        yield Static(id="preview-loading")

    def show(self, frame: FirstFrame, drawn: Callable[[], object] | None = None) -> None:
        """Draw the first screen of ``frame``'s phase (phases 1 and 2; others stay empty);
        ``drawn`` is called once the frame with its text has gone out."""
        self.frame = frame
        self._drawn = drawn
        self.query_one("#preview-loading", Static).update(Text(LOADING, style="italic"))
        body = self.query_one("#preview-body", Vertical)
        if frame.phase == 1:
            body.mount(self._reading(frame))
        elif frame.phase == 2:
            body.mount(self._coding(frame))
        else:
            self._done()

    def _reading(self, frame: FirstFrame) -> Horizontal:
        rows = Text(end="", no_wrap=True, overflow="ellipsis")
        for n, row in enumerate(frame.rows):
            line = document_row_text(row, 0)
            if n == frame.cursor:
                line.stylize("reverse")
            rows.append_text(line)
            rows.append("\n")
        if not frame.rows:
            rows.append("no documents match", style="dim")
        pane = Horizontal(
            Vertical(
                Static(Text("… documents", style="dim"), id="preview-status"),
                Static(rows, id="preview-list"),
                id="preview-left",
            ),
            reader := PreviewReader(id="preview-reader"),
            id="preview-reading",
        )
        self.call_after_refresh(self._fill, reader, frame)
        return pane

    def _coding(self, frame: FirstFrame) -> Horizontal:
        doc = frame.document
        if doc is None:
            title = Text("no document")
        else:
            unit = frame.units[frame.unit] if frame.units else None
            blind = frame.ui_state.get("code.blind") == "1"
            title = title_text(doc, frame.unit, len(frame.units), unit, False, blind)
        reader = PreviewReader(id="preview-reader")
        self.call_after_refresh(self._fill, reader, frame)
        return Horizontal(
            Vertical(Static(title, id="preview-title"), reader, id="preview-coding"),
            Static(Text("codebook …", style="dim"), id="preview-side"),
            id="preview-coding-row",
        )

    def _fill(self, reader: PreviewReader, frame: FirstFrame, tries: int = 20) -> None:
        """The text, once the reader is laid out (wrapped at its width, styled by the
        stylesheet)."""
        if frame.document is None:
            self._done()
            return
        if not reader.scrollable_content_region.width and tries:
            self.call_after_refresh(self._fill, reader, frame, tries - 1)
            return
        label = reader.get_component_rich_style("reader--label")
        marks: list[Mark] = []
        unit = frame.units[frame.unit] if frame.phase == 2 and frame.units else None
        if unit is not None:
            marks.append(Mark(unit.start, unit.end, "highlight"))
        reader.set_blocks(document_blocks(frame, label), marks)
        if unit is not None:
            reader.show_span(unit.start, unit.end)
        self._done()

    def _done(self) -> None:
        self.filled = True
        drawn, self._drawn = self._drawn, None
        if drawn is not None:
            self.call_after_refresh(drawn)

    def note_unapplied(self, keys: list[str]) -> None:
        """Say at the foot that the keys pressed so far were not applied."""
        line = Text(LOADING, style="italic", end="")
        line.append("   not applied: ", style="bold")
        line.append_text(one_line(" ".join(keys[-8:])))
        self.query_one("#preview-loading", Static).update(line)
