"""A theme's coded extracts, one page at a time (phases 4 and 5).

A theme on a large project can hold thousands of extracts; the table only ever holds one
page of them (``views.theme_extracts``), grouped by code, with each extract's citation key
and section. An extract is a coded span, listed once whoever coded it (``coder.core.extracts``):
the coders column says who, and ``coder`` filters the list to one coder's codings. Marks show
what the reviewer decided: ✗ does not fit the theme, ★ exemplar.
"""

from __future__ import annotations

from rich.text import Text

from coder.core.extracts import ThemeExtract
from coder.core.model import Coding
from coder.services import views
from coder.services.workspace import Workspace
from coder.tui.widgets.row_table import RowTable
from coder.tui.widgets.text import literal, one_line

PAGE_SIZE = 100
EXTRACT_CHARS = 90
CODE_CHARS = 24  # the code column: as wide as its longest name up to this, then "…"


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


def extract_detail(coding: Coding, marks: str = "", extract: ThemeExtract | None = None) -> Text:
    """The whole extract with its citation, for the detail pane under a table."""
    codes = ", ".join(extract.codes) if extract else coding.code
    coders = ", ".join(extract.coders) if extract else coding.coder
    head = Text.assemble(
        (unit_label(coding), "bold"),
        "  ",
        one_line(coding.heading or "", "italic"),
        "  code: ",
        one_line(codes, "bold"),
        "  by ",
        one_line(coders),
        (f"  {marks}" if marks else "", "bold yellow"),
        "\n",
    )
    head.append_text(literal(coding.text))
    if coding.memo:
        head.append("\nmemo: ", "dim")
        head.append_text(literal(coding.memo, "dim"))
    return head


class ExtractTable(RowTable):
    """The coded extracts of one theme, paged in SQL."""

    def __init__(self, ws: Workspace, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.ws = ws
        self.theme_id: int | None = None
        self.page = 0
        self.total = 0
        self.page_keys = views.PageKeys()  # boundaries of the pages read (keyset cursors)
        self.extracts: list[ThemeExtract] = []
        self.exemplars: set[int] = set()
        self.misfits: set[int] = set()
        self.coder: str | None = None  # show only this coder's codings

    @property
    def codings(self) -> list[Coding]:
        return [e.coding for e in self.extracts]

    def on_mount(self) -> None:
        # The unit sizes its own column: "coproductioncommunity_nd:12" cut at 18 lost the
        # unit number, the one thing a reviewer needs to find the passage again.
        for label, width in (
            ("", 2),
            ("code", None),
            ("unit", None),
            ("coders", 10),
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
        self.extracts = []
        if theme_id is None:
            self.total, self.page = 0, 0
            return
        read = views.theme_extracts(
            self.ws, theme_id, page, PAGE_SIZE, coder=self.coder, keys=self.page_keys
        )
        self.total, self.page, self.extracts = read.total, read.page, read.extracts
        self.exemplars, self.misfits = read.exemplars, read.misfits
        previous_code = None
        for extract in self.extracts:
            coding, first = extract.coding, extract.codes[0] if extract.codes else ""
            code = (
                clip(one_line(", ".join(extract.codes), "bold"), CODE_CHARS)
                if first != previous_code
                else Text("")
            )
            previous_code = first
            self.add_row(
                Text(self.marks(extract), "bold yellow"),
                code,
                Text(unit_label(coding)),
                one_line(", ".join(extract.coders)),
                one_line(coding.heading or ""),
                clip(one_line(coding.text), EXTRACT_CHARS),
                key=str(coding.id),
            )
        if self.extracts:
            self.move_cursor(row=min(row, len(self.extracts) - 1), animate=False)

    def marks(self, extract: ThemeExtract) -> str:
        ids = set(extract.coding_ids)
        return ("✗" if ids & self.misfits else "") + ("★" if ids & self.exemplars else "")

    def current_extract(self) -> ThemeExtract | None:
        if not self.extracts or not 0 <= self.cursor_row < len(self.extracts):
            return None
        return self.extracts[self.cursor_row]

    def current(self) -> Coding | None:
        extract = self.current_extract()
        return extract.coding if extract else None

    def is_marked(self, marked: set[int]) -> bool:
        """Whether the highlighted extract carries a mark (on any of its codings)."""
        extract = self.current_extract()
        return bool(extract and set(extract.coding_ids) & marked)

    def target_id(self, marked: set[int]) -> int | None:
        """The coding id a mark toggle acts on: the one already marked (so a second press
        unmarks the extract), else the extract's representative coding."""
        extract = self.current_extract()
        if extract is None:
            return None
        return next((i for i in extract.coding_ids if i in marked), extract.coding.id)

    def position(self) -> str:
        """ "extracts 101-200 of 345 (page 2/4)" for the pane title (and whose, if filtered)."""
        whose = f"{self.coder}'s codings: " if self.coder else ""  # first: titles get cut
        if not self.total:
            return whose + "no coded extracts"
        first = self.page * PAGE_SIZE + 1
        last = first + len(self.extracts) - 1
        return f"{whose}extracts {first}-{last} of {self.total} (page {self.page + 1}/{self.pages})"

    def next_coder(self) -> str | None:
        """Cycle the coder filter: all coders, then each coder of the project in turn."""
        choices: list[str | None] = [None, *views.project_coders(self.ws)]
        at = choices.index(self.coder) if self.coder in choices else 0
        self.coder = choices[(at + 1) % len(choices)]
        return self.coder

    def page_after(self, delta: int) -> int | None:
        """The page ``delta`` pages on (1 next, -1 previous), or None if there is none."""
        target = self.page + delta
        if self.theme_id is None or not 0 <= target < self.pages:
            return None
        return target
