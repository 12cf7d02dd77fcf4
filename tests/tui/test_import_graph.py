"""The TUI's modules import each other in one direction only: no circle, and no import
hidden inside a function to get round one (issue 15).

One import in a function is deliberate: ``coder.tui.app.deferred`` loads
``coder.tui.deferred`` (the services, the store, the phases) after the first frame, so the
shell paints before the store is imported (issue 16). It is allowed there and nowhere
else, and it still counts as an edge for the circle check."""

from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "coder" / "tui"


def module_name(path: Path) -> str:
    parts = path.relative_to(TUI.parents[1]).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in TUI.rglob("*.py")}
# (importer, the function holding the import, what it imports): the one deferred import.
DEFERRED = ("coder.tui.app", "deferred", "coder.tui.deferred")


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, importer: str) -> set[str]:
    """The coder.tui modules an import statement loads (a submodule, else its package)."""
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        if node.level:
            package = importer.rsplit(".", node.level)[0]
            base = f"{package}.{base}" if base else package
        names = {
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
            for alias in node.names
        }
    found: set[str] = set()
    for name in names:
        while name:  # importing a.b.c runs a and a.b first
            if name in MODULES and name != importer:
                found.add(name)
            name = name.rpartition(".")[0]
    return found


def runtime_imports(path: Path, importer: str) -> tuple[set[str], list[str]]:
    """(modules imported when the module runs, imports of coder.tui made in functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    hidden: list[str] = []

    def visit(statements: list[ast.stmt], function: str | None) -> None:
        for node in statements:
            if isinstance(node, ast.Import | ast.ImportFrom):
                targets = _targets(node, importer)
                allowed = (
                    _targets(ast.parse(f"import {DEFERRED[2]}").body[0], importer)  # type: ignore[arg-type]
                    if (importer, function) == DEFERRED[:2]
                    else set()
                )
                if function is not None and targets - allowed:
                    hidden.append(f"{importer}:{node.lineno}")
                top.update(targets)
            elif isinstance(node, ast.If) and _type_checking(node):
                continue  # for the type checker only: never runs
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(node.body, node.name if function is None else f"{function}.{node.name}")
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit(
                            [n for n in inner if isinstance(n, ast.stmt | ast.excepthandler)],
                            function,
                        )  # type: ignore[misc]

    visit(tree.body, None)
    return top, hidden


def import_graph() -> tuple[dict[str, set[str]], list[str]]:
    graph: dict[str, set[str]] = {}
    hidden: list[str] = []
    for name, path in MODULES.items():
        graph[name], inside = runtime_imports(path, name)
        hidden += inside
    return graph, hidden


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_graph_is_read():
    graph, _hidden = import_graph()
    assert "coder.tui.phases.code" in graph["coder.tui.deferred"]
    assert "coder.tui.deferred" in graph["coder.tui.app"]  # the deferred import is an edge
    assert "coder.tui.messages" in graph["coder.tui.phases.base"]


def test_the_app_module_imports_no_phase_at_its_top():
    """Paint first: the app's own imports stop at the shell; the phases, the screens and
    the services come through ``coder.tui.deferred`` alone."""
    tree = ast.parse(MODULES["coder.tui.app"].read_text(encoding="utf-8"))
    top = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            top |= _targets(node, "coder.tui.app")
    assert "coder.tui.deferred" not in top
    assert not {m for m in top if m.startswith("coder.tui.phases.")}


def test_another_import_in_a_function_is_still_caught(tmp_path):
    module = tmp_path / "app.py"
    module.write_text(
        "def deferred():\n    from coder.tui import deferred\n"
        "def elsewhere():\n    from coder.tui import deferred\n"
        "def deferred_too():\n    from coder.tui import shell\n",
        encoding="utf-8",
    )
    _top, hidden = runtime_imports(module, "coder.tui.app")
    assert hidden == ["coder.tui.app:4", "coder.tui.app:6"]


def test_no_import_circle_among_tui_modules():
    graph, _hidden = import_graph()
    assert cycles(graph) == []


def test_a_circle_would_be_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_tui_module_imports_another_inside_a_function():
    _graph, hidden = import_graph()
    assert hidden == []
