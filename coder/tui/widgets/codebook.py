"""The codebook panel of phase 2: a filter box over a tree of codes with their counts.

Typing filters with rapidfuzz (``matching.filter_codes``: typos and partial words match,
best first) and turns the tree into a ranked flat list; an empty filter shows the
codebook's own hierarchy. Up/Down in the filter move the tree's cursor and Enter chooses
the highlighted code, so coding never needs the mouse or a focus change.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Tree
from textual.widgets.tree import TreeNode

from coder.core.matching import filter_codes
from coder.core.model import Code
from coder.tui.widgets.text import one_line, safe_style


class CodeFilter(Input):
    """The filter box: arrows steer the tree below, Escape hands focus back."""

    BINDINGS = [
        Binding(
            "down",
            "tree_down",
            "Next code",
            show=False,
            id="codebook.down",
            tooltip="Highlight the next code",
        ),
        Binding(
            "up",
            "tree_up",
            "Previous code",
            show=False,
            id="codebook.up",
            tooltip="Highlight the previous code",
        ),
        Binding(
            "escape",
            "leave",
            "Done",
            id="codebook.leave",
            tooltip="Clear the filter and go back to the text",
        ),
    ]

    class Leave(Message):
        """The user is done with the filter."""

    def action_tree_down(self) -> None:
        self._tree().action_cursor_down()

    def action_tree_up(self) -> None:
        self._tree().action_cursor_up()

    def action_leave(self) -> None:
        self.value = ""
        self.post_message(self.Leave())

    def _tree(self) -> CodeTree:
        panel = next(a for a in self.ancestors if isinstance(a, CodebookPanel))
        return panel.tree


class CodeTree(Tree[str]):
    """Codes as a tree; choosing a node (Enter, click) chooses the code."""

    BINDINGS = [
        Binding(
            "enter",
            "select_cursor",
            "Apply",
            show=False,
            id="codebook.apply",
            tooltip="Apply this code",
        ),
        Binding(
            "space",
            "toggle_node",
            "Fold",
            show=False,
            id="codebook.fold",
            tooltip="Fold or unfold a parent code",
        ),
    ]


class CodebookPanel(Vertical):
    """Filter plus tree. Posts ``Chosen`` with a code name."""

    DEFAULT_CSS = """
    CodebookPanel { height: 1fr; }
    CodebookPanel CodeFilter { margin: 0; }
    CodebookPanel CodeTree { height: 1fr; }
    """

    class Chosen(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.codes: list[Code] = []
        self.counts: dict[str, int] = {}
        self._code_nodes: dict[str, TreeNode[str]] = {}

    def compose(self) -> ComposeResult:
        yield CodeFilter(placeholder="filter codes ( / )", id="code-filter")
        tree = CodeTree("codes", id="code-tree")
        tree.show_root = False
        tree.auto_expand = False
        tree.guide_depth = 2
        yield tree

    @property
    def tree(self) -> CodeTree:
        return self.query_one(CodeTree)

    @property
    def filter(self) -> CodeFilter:
        return self.query_one(CodeFilter)

    @property
    def highlighted(self) -> str | None:
        node = self.tree.cursor_node
        return node.data if node is not None else None

    # ---- content ---------------------------------------------------------------------

    def set_codes(self, codes: list[Code], counts: dict[str, int]) -> None:
        """Show these (active) codes; keeps the highlighted code if it is still there."""
        self.codes = codes
        self.counts = counts
        self._rebuild(keep=self.highlighted)

    def set_count(self, code: str, count: int) -> None:
        """Update one code's count without rebuilding (after applying or removing it)."""
        self.counts[code] = count
        node = self._code_nodes.get(code)
        if node is not None:
            node.set_label(self._label(self._by_name()[code]))

    def _by_name(self) -> dict[str, Code]:
        return {c.name: c for c in self.codes}

    def _label(self, code: Code) -> Text:
        label = Text(end="")
        label.append("■ ", style=safe_style(code.colour))
        label.append_text(one_line(code.name))
        count = self.counts.get(code.name, 0)
        if count:
            label.append(f"  {count}", style="dim")
        return label

    def _rebuild(self, keep: str | None = None) -> None:
        tree = self.tree
        tree.clear()
        self._code_nodes = {}
        query = self.filter.value if self.is_mounted else ""
        if query.strip():
            for code in filter_codes(query, self.codes):
                self._code_nodes[code.name] = tree.root.add_leaf(self._label(code), data=code.name)
        else:
            self._add_children(tree.root, None)
        target = self._code_nodes.get(keep) if keep and not query.strip() else None
        if target is not None:
            # The tree numbers its lines on the next refresh; move the cursor after it.
            self.call_after_refresh(tree.move_cursor, target)
        else:
            tree.cursor_line = 0

    def _add_children(self, root: TreeNode[str], _parent_name: str | None) -> None:
        names = {c.name for c in self.codes}
        children: dict[str | None, list[Code]] = {}
        for code in self.codes:
            children.setdefault(code.parent if code.parent in names else None, []).append(code)
        seen: set[str] = set()

        def add(node: TreeNode[str], name: str | None) -> None:
            for code in children.get(name, []):
                if code.name in seen:  # a parent cycle in a hand-edited codebook
                    continue
                seen.add(code.name)
                if code.name in children:
                    child = node.add(self._label(code), data=code.name, expand=True)
                    self._code_nodes[code.name] = child
                    add(child, code.name)
                else:
                    self._code_nodes[code.name] = node.add_leaf(self._label(code), data=code.name)

        add(root, None)

    # ---- events ----------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._rebuild(keep=self.highlighted)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        code = self.highlighted
        if code is not None:
            self.post_message(self.Chosen(code))

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.Chosen(event.node.data))
