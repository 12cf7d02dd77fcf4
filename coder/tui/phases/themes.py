"""Phase 3, generating initial themes: sort codes into candidate themes.

Left, the active codes with how much data they hold (segments, documents) and, for the
highlighted code, the codes it keeps company with (same segment, same document): a hint
of a shared pattern. Right, the theme board: candidate themes and sub-themes with their
codes, and the pile of codes no live theme holds yet. A code may sit in several themes.
Everything is keyboard: space marks codes, t puts them in a theme (fuzzy picker), n makes
a new theme from them, m drops them in "Miscellaneous".
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Static, Tree
from textual.widgets.tree import TreeNode

from coder.core.code_tree import tree_order
from coder.core.matching import filter_codes
from coder.core.model import Code, Theme
from coder.services import themes as theme_service
from coder.services import views
from coder.services.cooccurrence import CoOccurrence, cooccurring
from coder.services.views import CodeCount
from coder.services.workspace import Workspace
from coder.tui.phases.base import Key, Phase, read_then_show
from coder.tui.widgets.text import one_line
from coder.tui.widgets.theme_dialogs import PickDialog, PromptDialog, rank_codes, rank_names

MISCELLANEOUS = "Miscellaneous"
PILE = "Unassigned"

# Tree node data: ("theme", name, None) | ("code", theme name or None for the pile, code) | ("pile", None, None)
NodeData = tuple[str, str | None, str | None]


class ThemesPhase(Phase):
    """Phase 3: codes with counts and co-occurrence beside a board of candidate themes."""

    NUMBER = 3
    KEYS = (
        Key("space", "toggle_mark", "Mark", "themes.mark", "Mark or unmark the highlighted code"),
        Key("t", "assign", "To theme", "themes.assign", "Put the marked codes in a theme",
            palette="themes: assign codes"),
        Key("n", "new_theme", "New theme", "themes.new", "Create a candidate theme (with marked codes)",
            palette="themes: new theme", palette_help="Create a candidate theme from the marked codes"),
        Key("s", "new_subtheme", "Sub-theme", "themes.new_sub", "Create a sub-theme of the theme highlighted on the board",
            palette="themes: new sub-theme", palette_help="Create a sub-theme of the highlighted theme"),
        Key("a", "add_codes", "Add codes", "themes.add_codes", "Pick codes (fuzzy) to add to the theme highlighted on the board",
            palette="themes: add codes to theme", palette_help="Pick codes for the highlighted theme"),
        Key("m", "miscellaneous", "Misc.", "themes.miscellaneous", "Put the marked codes in a 'Miscellaneous' theme (created on demand)",
            palette="themes: miscellaneous", palette_help="Put the marked codes in 'Miscellaneous'"),
        Key("x,delete", "unassign", "Remove", "themes.unassign", "Take the code highlighted on the board out of its theme",
            palette="themes: remove code from theme", palette_help="Take the highlighted code out of its theme"),
        Key("u", "toggle_pile", "Unassigned only", "themes.pile", "Show only codes in no theme",
            palette="themes: unassigned codes only", palette_help="Show only the codes in no theme"),
        Key("slash", "filter", "Filter", "themes.filter", "Filter the codes (fuzzy)"),
        Key("escape", "clear", "Clear", "themes.clear", "Unmark all codes, clear the filter", show=False),
    )  # fmt: skip

    def __init__(self, ws: Workspace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(ws, id=id, classes=classes)
        self.counts: list[CodeCount] = []
        self.themes: list[Theme] = []
        self.marked: set[str] = set()
        self.unassigned_only = False
        self.shown: list[str] = []

    # ---- layout and loading ---------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="themes-body"):
            with Vertical(id="codes-pane"):
                yield Label("Codes", classes="pane-title", id="codes-title")
                yield Input(placeholder="/ filter codes (fuzzy)", id="code-filter")
                yield DataTable(id="codes", cursor_type="row", zebra_stripes=True)
                yield Static(id="cooccurrence")
            with Vertical(id="board-pane"):
                yield Label("Theme board", classes="pane-title", id="board-title")
                tree: Tree[NodeData] = Tree(Text("themes"), id="board")
                tree.show_root = False
                yield tree

    def on_mount(self) -> None:
        self.query_one("#codes", DataTable).add_columns("", "code", "segments", "docs", "themes")
        self.refresh_data()
        self.query_one("#codes", DataTable).focus()

    def focus_target(self) -> Widget:
        """What the shell focuses when it opens this phase."""
        return self.query_one("#codes", DataTable)

    def read_data(self) -> tuple[list[CodeCount], list[Theme]]:
        return views.codes_and_themes(self.ws)

    def show_data(self, data: tuple[list[CodeCount], list[Theme]]) -> None:
        """Show codes, counts and themes; keep the cursors where they were."""
        self.counts, self.themes = data
        active = {c.code.name for c in self.counts}
        self.marked &= active
        self._fill_codes()
        self._fill_board()

    @property
    def codes(self) -> list[Code]:
        return [c.code for c in self.counts]

    def themes_of(self, code: str) -> list[str]:
        return [t.name for t in self.themes if code in t.codes]

    def _fill_codes(self) -> None:
        table = self.query_one("#codes", DataTable)
        current = self.current_code()
        query = self.query_one("#code-filter", Input).value
        by_name = {c.code.name: c for c in self.counts}
        names = (
            [c.name for c in filter_codes(query, self.codes)] if query.strip() else list(by_name)
        )
        if self.unassigned_only:
            names = [n for n in names if not self.themes_of(n)]
        depths: dict[str, int] = {}
        if not query.strip():  # a tree: each sub-code under its real parent
            parents = {c.name: c.parent for c in self.codes}
            ordered = tree_order(names, lambda n: n, parents.get)
            names, depths = [n for n, _d in ordered], dict(ordered)
        table.clear()
        self.shown = names
        for name in names:
            count = by_name[name]
            label = Text("  " * depths.get(name, 0))
            label.append_text(one_line(name))
            table.add_row(
                self._mark_cell(name),
                label,
                Text(str(count.segments), justify="right"),
                Text(str(count.documents), justify="right"),
                one_line(", ".join(self.themes_of(name)) or "—", "dim"),
                key=name,
            )
        if current in names:
            table.move_cursor(row=names.index(current), animate=False)
        title = f"Codes ({len(names)} shown, {len(self.marked)} marked)"
        if self.unassigned_only:
            title += " — unassigned only"
        self.query_one("#codes-title", Label).update(title)
        self._show_cooccurrence()

    def _mark_cell(self, name: str) -> Text:
        return Text("●" if name in self.marked else "", "bold green")

    def _fill_board(self) -> None:
        tree: Tree[NodeData] = self.query_one("#board", Tree)
        keep = tree.cursor_node.data if tree.cursor_node is not None else None
        tree.clear()
        children: dict[str | None, list[Theme]] = {}
        names = {t.name for t in self.themes}
        for theme in self.themes:
            parent = theme.parent if theme.parent in names else None
            children.setdefault(parent, []).append(theme)
        nodes: dict[NodeData, TreeNode[NodeData]] = {}

        def add(parent_node: TreeNode[NodeData], theme: Theme) -> None:
            label = one_line(theme.name, "bold")
            count = len(theme.codes)
            label.append(f"  {theme.status.value} · {count} code{'' if count == 1 else 's'}", "dim")
            data: NodeData = ("theme", theme.name, None)
            node = parent_node.add(label, data=data, expand=True)
            nodes[data] = node
            for child in children.get(theme.name, []):
                add(node, child)
            for code in theme.codes:
                leaf_data: NodeData = ("code", theme.name, code)
                nodes[leaf_data] = node.add_leaf(one_line(code), data=leaf_data)

        for theme in children.get(None, []):
            add(tree.root, theme)
        pile = [c.name for c in self.codes if not self.themes_of(c.name)]
        pile_data: NodeData = ("pile", None, None)
        pile_node = tree.root.add(
            Text(f"{PILE} ({len(pile)})", "italic"), data=pile_data, expand=True
        )
        nodes[pile_data] = pile_node
        for code in pile:
            leaf_data = ("code", None, code)
            nodes[leaf_data] = pile_node.add_leaf(one_line(code, "dim"), data=leaf_data)
        self.query_one("#board-title", Label).update(
            f"Theme board ({len(self.themes)} themes, {len(pile)} codes unassigned)"
        )
        target = nodes.get(keep) if keep else None
        if target is None and keep and keep[0] == "code" and keep[1]:
            target = nodes.get(("theme", keep[1], None))
        if target is not None:
            self.call_after_refresh(tree.move_cursor, target)

    # ---- what is highlighted --------------------------------------------------------

    def current_code(self) -> str | None:
        table = self.query_one("#codes", DataTable)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def board_node(self) -> NodeData | None:
        node = self.query_one("#board", Tree).cursor_node
        return node.data if node is not None else None

    def board_theme(self) -> str | None:
        """The theme highlighted on the board (a code leaf counts as its theme)."""
        data = self.board_node()
        if data is None or data[0] == "pile":
            return None
        return data[1]

    def chosen_codes(self) -> list[str]:
        """The marked codes, else the highlighted one (in the table or on the board)."""
        if self.marked:
            return [c.name for c in self.codes if c.name in self.marked]
        if self.query_one("#board", Tree).has_focus:
            data = self.board_node()
            return [data[2]] if data and data[0] == "code" and data[2] else []
        code = self.current_code()
        return [code] if code else []

    # ---- co-occurrence --------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "codes":
            self._show_cooccurrence()

    def _show_cooccurrence(self) -> None:
        code = self.current_code()
        if code is None:
            self.query_one("#cooccurrence", Static).update(Text("No code highlighted.", "dim"))
            return
        ws = self.ws
        read_then_show(
            self,
            lambda: cooccurring(ws, code),
            lambda found: self._render_cooccurrence(code, found),
            group="cooccurrence",
            # the code vanished meanwhile (merged by another coder): nothing to show
            on_error=lambda _error: None,
        )

    def _render_cooccurrence(self, code: str, found: CoOccurrence) -> None:
        if code != self.current_code():
            return
        table = Table(box=None, expand=True, pad_edge=False, show_edge=False)
        title = Text("Co-occurs with ")
        title.append_text(one_line(code, "bold"))
        table.title = title
        table.title_justify = "left"
        for label in ("same segment", "same document"):
            table.add_column(label, ratio=1, no_wrap=True, overflow="ellipsis")
            table.add_column("n", justify="right", width=4)
        rows = max(len(found.segment), len(found.document))
        for i in range(rows):
            seg = found.segment[i] if i < len(found.segment) else ("", "")
            doc = found.document[i] if i < len(found.document) else ("", "")
            table.add_row(one_line(seg[0]), Text(str(seg[1])), one_line(doc[0]), Text(str(doc[1])))
        if not rows:
            title.append("  (no other code on its segments or documents yet)", "dim")
        self.query_one("#cooccurrence", Static).update(table)

    # ---- filter and marks -----------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "code-filter":
            self._fill_codes()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "code-filter":
            self.query_one("#codes", DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#code-filter", Input).focus()

    def action_clear(self) -> None:
        self.marked.clear()
        self.query_one("#code-filter", Input).value = ""
        self._fill_codes()
        self.query_one("#codes", DataTable).focus()

    def action_toggle_pile(self) -> None:
        self.unassigned_only = not self.unassigned_only
        self._fill_codes()

    def action_toggle_mark(self) -> None:
        table = self.query_one("#codes", DataTable)
        code = self.current_code()
        if code is None or not table.has_focus:
            return
        self.marked ^= {code}
        table.update_cell(code, table.ordered_columns[0].key, self._mark_cell(code))
        self.query_one("#codes-title", Label).update(
            f"Codes ({len(self.shown)} shown, {len(self.marked)} marked)"
        )
        table.action_cursor_down()

    # ---- writes ---------------------------------------------------------------------

    def action_assign(self) -> None:
        codes = self.chosen_codes()
        if not codes:
            self.app.notify("Mark codes with space (or highlight one) first.", severity="warning")
            return
        names = [t.name for t in self.themes]
        if not names:
            self.app.notify("No themes yet: press n to create one.", severity="warning")
            return

        def chosen(result: list[str] | None) -> None:
            if result:
                self._assign(result[0], codes)

        title = f"Put {len(codes)} code{'s' if len(codes) != 1 else ''} in which theme?"
        self.app.push_screen(PickDialog(title, names, rank_names(names)), chosen)

    def _assign(self, theme: str, codes: list[str]) -> None:
        def added(count: int) -> None:
            self.marked.difference_update(codes)
            self._fill_codes()
            self.app.notify(f"{count} code(s) added to {theme}", markup=False)

        self.write(theme_service.assign_codes, theme, codes, then=added)

    def action_new_theme(self) -> None:
        codes = sorted(self.marked, key=[c.name for c in self.codes].index)

        def named(name: str | None) -> None:
            if not name:
                return

            def created(_theme: object) -> None:
                self.marked.clear()
                self._fill_codes()
                self.app.notify(
                    f"candidate theme {name} created with {len(codes)} code(s)", markup=False
                )

            self.write(theme_service.create_theme, name, codes=codes, then=created)

        title = "New candidate theme" + (f" with {len(codes)} marked codes" if codes else "")
        self.app.push_screen(PromptDialog(title, placeholder="theme name"), named)

    def _cleared(self, _result: object = None) -> None:
        """After a write that used the marked codes: unmark them."""
        self.marked.clear()
        self._fill_codes()

    def action_new_subtheme(self) -> None:
        parent = self.board_theme()
        if parent is None:
            self.app.notify("Highlight a theme on the board first.", severity="warning")
            return
        codes = sorted(self.marked, key=[c.name for c in self.codes].index)

        def named(name: str | None) -> None:
            if name:
                self.write(
                    theme_service.create_theme, name, parent=parent, codes=codes, then=self._cleared
                )

        self.app.push_screen(
            PromptDialog(f"New sub-theme of {parent}", placeholder="sub-theme name"), named
        )

    def action_add_codes(self) -> None:
        theme = self.board_theme()
        if theme is None:
            self.app.notify("Highlight a theme on the board first.", severity="warning")
            return
        current = next((t for t in self.themes if t.name == theme), None)
        choices = [c.name for c in self.codes if current is None or c.name not in current.codes]

        def chosen(result: list[str] | None) -> None:
            if result:
                self._assign(theme, result)

        self.app.push_screen(
            PickDialog(f"Add codes to {theme}", choices, rank_codes(self.codes), multi=True), chosen
        )

    def action_miscellaneous(self) -> None:
        codes = self.chosen_codes()
        if not codes:
            self.app.notify("Mark codes with space (or highlight one) first.", severity="warning")
            return
        if any(t.name == MISCELLANEOUS for t in self.themes):
            self._assign(MISCELLANEOUS, codes)
            return
        definition = "Codes that do not (yet) fit any other theme."
        self.write(
            theme_service.create_theme, MISCELLANEOUS, definition, codes=codes, then=self._cleared
        )

    def action_unassign(self) -> None:
        data = self.board_node()
        if data is None or data[0] != "code" or data[1] is None or data[2] is None:
            self.app.notify("Highlight a code inside a theme on the board.", severity="warning")
            return
        _kind, theme, code = data
        self.write(theme_service.unassign_codes, theme, [code], done=f"{code} taken out of {theme}")
