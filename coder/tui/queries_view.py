"""Screens that ask across the data: the code/theme x attribute matrix with the extracts
behind a cell, word frequencies with keyword-in-context, and the attributes of documents
and speakers (shown and edited).

They read through ``services.analysis`` and ``services.attributes`` only; a change of an
attribute is one audited service call, as from the CLI.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select

from coder.core.matrix import col_label
from coder.services import analysis, attributes
from coder.services.workspace import ServiceError, Workspace
from coder.tui.widgets.footer import KeyFooter
from coder.tui.widgets.text import literal, one_line

CSS = """
.query-bar { height: auto; }
.query-bar Select { width: 1fr; }
.query-bar Input { width: 1fr; }
.query-main { height: 1fr; }
.query-detail { height: 1fr; }
.query-note { height: auto; color: $text-muted; }
"""


class MatrixScreen(Screen):
    """Codes or themes by attribute values; Enter on a cell lists its extracts."""

    DEFAULT_CSS = CSS
    BINDINGS = [
        Binding("escape", "close", "Close", id="matrix.close", tooltip="Back to the phases"),
        Binding(
            "p", "percent", "Row/col %", id="matrix.percent", tooltip="Counts, row %, column %"
        ),
    ]

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self.percent: str | None = None
        self.matrix = None

    def compose(self) -> ComposeResult:
        names = attributes.attribute_names(self.ws)
        with Horizontal(classes="query-bar"):
            yield Select(
                [("codes", "codes"), ("themes", "themes")],
                value="codes",
                allow_blank=False,
                id="rows",
            )
            yield Select([(n, n) for n in names], value=names[0], allow_blank=False, id="cols")
            yield Select(
                [("extracts", "extracts"), ("documents", "documents")],
                value="extracts",
                allow_blank=False,
                id="count",
            )
        yield Label("", id="matrix-note", classes="query-note")
        with Vertical(classes="query-main"):
            yield DataTable(id="matrix", cursor_type="cell")
        with Vertical(classes="query-detail"):
            yield DataTable(id="extracts", cursor_type="row")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#extracts", DataTable).add_columns("document", "speaker", "extract")
        self.refresh_matrix()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refresh_matrix()

    def action_percent(self) -> None:
        self.percent = {None: "row", "row": "col", "col": None}[self.percent]
        self.refresh_matrix()

    def action_close(self) -> None:
        self.app.pop_screen()

    def refresh_matrix(self) -> None:
        rows = str(self.query_one("#rows", Select).value)
        cols = str(self.query_one("#cols", Select).value)
        count = str(self.query_one("#count", Select).value)
        try:
            self.matrix = analysis.matrix(self.ws, rows, cols, count, self.percent)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        m = self.matrix
        table = self.query_one("#matrix", DataTable)
        table.clear(columns=True)
        table.add_columns(*m.header())
        for row in m.table():
            table.add_row(*(literal(str(v)) for v in row))
        what = f"{m.count}, {m.percent} %" if m.percent else m.count
        self.query_one("#matrix-note", Label).update(
            f"{m.row_kind} by {m.attribute} ({what}); Enter on a cell lists its extracts"
        )

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        if event.data_table.id != "matrix" or self.matrix is None:
            return
        row, column = event.coordinate.row, event.coordinate.column
        if not 0 < column <= len(self.matrix.cols):
            return
        self.show_cell(self.matrix.rows[row], self.matrix.cols[column - 1])

    def show_cell(self, row: str, value: str | None) -> None:
        """Fill the lower table with the extracts behind one cell."""
        assert self.matrix is not None
        found = analysis.cell_extracts(
            self.ws, self.matrix.row_kind, row, self.matrix.attribute, value
        )
        table = self.query_one("#extracts", DataTable)
        table.clear()
        for key, _start, _end, text, speaker, _heading in found:
            table.add_row(literal(key), literal(speaker or ""), one_line(text))
        self.query_one("#matrix-note", Label).update(
            f"{len(found)} extracts: {row} x {self.matrix.attribute} = {col_label(value)}"
        )


class WordsScreen(Screen):
    """The most frequent words (of everything or one theme); a word, or a term typed,
    shows every occurrence in context."""

    DEFAULT_CSS = CSS
    BINDINGS = [
        Binding("escape", "close", "Close", id="words.close", tooltip="Back to the phases"),
    ]

    def __init__(self, ws: Workspace, themes: list[str] | None = None) -> None:
        super().__init__()
        self.ws = ws
        self.themes = themes or []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="query-bar"):
            yield Select(
                [("whole data set", "")] + [(t, t) for t in self.themes],
                value="",
                allow_blank=False,
                id="theme",
            )
            yield Input(placeholder="keyword in context: a word, a phrase, support*", id="term")
        yield Label(
            f"stop words: {analysis.stopwords_path()} (coder query stopwords makes it)",
            classes="query-note",
        )
        with Horizontal(classes="query-main"):
            yield DataTable(id="words", cursor_type="row")
            yield DataTable(id="kwic", cursor_type="row")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#words", DataTable).add_columns("word", "count", "texts")
        self.query_one("#kwic", DataTable).add_columns("left", "term", "right", "source")
        self.refresh_words()

    @property
    def theme(self) -> str | None:
        return str(self.query_one("#theme", Select).value) or None

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refresh_words()

    def refresh_words(self) -> None:
        table = self.query_one("#words", DataTable)
        table.clear()
        for w in analysis.words(self.ws, self.theme, top=100):
            table.add_row(literal(w.word), w.count, w.texts, key=w.word)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "words" and event.row_key.value:
            self.show_kwic(str(event.row_key.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.show_kwic(event.value.strip())

    def show_kwic(self, term: str) -> None:
        try:
            lines = analysis.kwic(self.ws, term, self.theme, width=30, limit=500)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        table = self.query_one("#kwic", DataTable)
        table.clear()
        for c in lines:
            table.add_row(literal(c.left), literal(c.match), literal(c.right), literal(c.source))

    def action_close(self) -> None:
        self.app.pop_screen()


class AttributesScreen(Screen):
    """Every attribute value, and a line to set one: ``speaker P1 group = peer worker``
    (an empty value clears it). Each change is one audited event."""

    DEFAULT_CSS = CSS
    BINDINGS = [
        Binding("escape", "close", "Close", id="attributes.close", tooltip="Back to the phases"),
    ]

    def __init__(self, ws: Workspace, document: str | None = None) -> None:
        super().__init__()
        self.ws = ws
        self.document = document

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="document KEY name = value  /  speaker NAME name = value",
            id="set",
        )
        yield Label("", id="attributes-note", classes="query-note")
        yield DataTable(id="attributes", cursor_type="row")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#attributes", DataTable).add_columns("of", "who", "attribute", "value")
        self.refresh_rows()
        if self.document:
            self.query_one("#set", Input).value = f"document {self.document} "

    def refresh_rows(self) -> None:
        table = self.query_one("#attributes", DataTable)
        table.clear()
        if self.document:
            for v in attributes.attributes_of(self.ws, "document", self.document):
                if not v.editable:
                    table.add_row(
                        "document", literal(self.document), literal(v.name), literal(v.value or "")
                    )
        for kind, target, name, value in attributes.all_attributes(self.ws):
            table.add_row(kind, literal(target), literal(name), literal(value))
        speakers = attributes.speakers(self.ws)
        self.query_one("#attributes-note", Label).update(
            "speakers: " + (", ".join(speakers) if speakers else "(no transcripts)")
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        head, eq, value = text.partition("=")
        parts = head.split()
        if not eq or len(parts) < 3:
            self.notify("write: document KEY name = value (or speaker NAME ...)", severity="error")
            return
        kind, rest = parts[0], parts[1:]
        if kind == "speaker":
            # a speaker's name may have spaces: the attribute is the last word before "="
            target, name = " ".join(rest[:-1]), rest[-1]
        else:
            target, name = rest[0], " ".join(rest[1:])
        try:
            outcome = attributes.set_attribute(self.ws, kind, target, name, value.strip())
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"{kind} {target}: {name} {outcome}")
        event.input.value = ""
        self.refresh_rows()

    def action_close(self) -> None:
        self.app.pop_screen()
