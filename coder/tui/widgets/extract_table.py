"""A theme's coded extracts, one page at a time (phases 4 and 5).

A theme on a large project can hold thousands of extracts; the table only ever holds one
page of them (``views.theme_extracts``), grouped by code, with each extract's citation key
and section. Marks show what the reviewer decided: ✗ does not fit the theme, ★ exemplar.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from coder.core.model import Coding
from coder.services import views
from coder.services.workspace import Workspace
from coder.tui.widgets.text import literal, one_line

PAGE_SIZE = 100
EXTRACT_CHARS = 90


def unit_label(coding: Coding) -> str:
    """Where an extract sits: "key:3" for a reading unit, "key@10-42" for a span."""
    if coding.ordinal is not None:
        return f"{coding.document_key}:{coding.ordinal}"
    return f"{coding.document_key}@{coding.start}-{coding.end}"


def clip(text: Text, limit: int) -> Text:
    if len(text) <= limit:
        return text
    clipped = text[: limit - 1]
    clipped.append("…")
    return clipped


def extract_detail(coding: Coding, marks: str = "") -> Text:
    """The whole extract with its citation, for the detail pane under a table."""
    head = Text.assemble(
        (unit_label(coding), "bold"),
        "  ",
        one_line(coding.heading or "", "italic"),
        "  code: ",
        one_line(coding.code, "bold"),
        "  by ",
        one_line(coding.coder),
        (f"  {marks}" if marks else "", "bold yellow"),
        "\n",
    )
    head.append_text(literal(coding.text))
    if coding.memo:
        head.append("\nmemo: ", "dim")
        head.append_text(literal(coding.memo, "dim"))
    return head


class ExtractTable(DataTable):
    """The coded extracts of one theme, paged in SQL."""

    def __init__(self, ws: Workspace, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.ws = ws
        self.theme_id: int | None = None
        self.page = 0
        self.total = 0
        self.codings: list[Coding] = []
        self.exemplars: set[int] = set()
        self.misfits: set[int] = set()

    def on_mount(self) -> None:
        for label, width in (
            ("", 2),
            ("code", 16),
            ("unit", 18),
            ("section", 10),
            ("extract", None),
        ):
            self.add_column(label, width=width)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    def show_theme(self, theme_id: int | None, page: int = 0, keep_cursor: bool = False) -> None:
        """Load one page of a theme's extracts (None empties the table)."""
        row = self.cursor_row if keep_cursor else 0
        self.theme_id = theme_id
        self.clear()
        self.codings = []
        if theme_id is None:
            self.total, self.page = 0, 0
            return
        read = views.theme_extracts(self.ws, theme_id, page, PAGE_SIZE)
        self.total, self.page, self.codings = read.total, read.page, read.codings
        self.exemplars, self.misfits = read.exemplars, read.misfits
        previous_code = None
        for coding in self.codings:
            code = one_line(coding.code, "bold") if coding.code != previous_code else Text("")
            previous_code = coding.code
            self.add_row(
                Text(self.marks(coding.id), "bold yellow"),
                code,
                Text(unit_label(coding)),
                one_line(coding.heading or ""),
                clip(one_line(coding.text), EXTRACT_CHARS),
                key=str(coding.id),
            )
        if self.codings:
            self.move_cursor(row=min(row, len(self.codings) - 1), animate=False)

    def marks(self, coding_id: int) -> str:
        return ("✗" if coding_id in self.misfits else "") + (
            "★" if coding_id in self.exemplars else ""
        )

    def current(self) -> Coding | None:
        if not self.codings or not 0 <= self.cursor_row < len(self.codings):
            return None
        return self.codings[self.cursor_row]

    def position(self) -> str:
        """ "extracts 101-200 of 345 (page 2/4)" for the pane title."""
        if not self.total:
            return "no coded extracts"
        first = self.page * PAGE_SIZE + 1
        last = first + len(self.codings) - 1
        return f"extracts {first}-{last} of {self.total} (page {self.page + 1}/{self.pages})"

    def page_after(self, delta: int) -> int | None:
        """The page ``delta`` pages on (1 next, -1 previous), or None if there is none."""
        target = self.page + delta
        if self.theme_id is None or not 0 <= target < self.pages:
            return None
        return target
