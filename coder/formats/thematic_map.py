"""The thematic map (themes, sub-themes and their codes) as Mermaid, Graphviz DOT or SVG.

Braun & Clarke draw candidate themes as a map; these writers give the same picture as
text a paper's source or a wiki can hold. Node ids are positional (t1, c1, ...) so user
names never have to be identifiers; labels are quoted and escaped. A code in two themes
is one node with two edges, which is what the map is meant to show. Both text formats
are deterministic. SVG needs Graphviz's ``dot`` program.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from coder.core.model import Code, Theme
from coder.core.report import report_order
from coder.formats.codebook_yaml import colour_to_hex

MAP_FORMATS = ("mermaid", "dot", "svg")
DOT_TIMEOUT = 60  # seconds; a map of a few hundred nodes renders in well under one


class GraphvizMissing(Exception):
    """Graphviz's ``dot`` is not installed, so SVG cannot be drawn."""


class GraphvizFailed(Exception):
    """``dot`` ran but did not produce an SVG."""


@dataclass
class MapGraph:
    """Nodes and edges of the map with stable ids, shared by both writers."""

    themes: list[tuple[str, Theme, int]]  # (id, theme, depth)
    codes: list[tuple[str, Code]]
    theme_edges: list[tuple[str, str]]  # parent theme -> sub-theme
    code_edges: list[tuple[str, str]]  # theme -> code


def build_graph(themes: Sequence[Theme], codes: Sequence[Code]) -> MapGraph:
    """Number themes in report order and the codes they hold in codebook order."""
    ordered = report_order(themes)
    theme_ids = {theme.name: f"t{i}" for i, (theme, _) in enumerate(ordered, start=1)}
    used = {name for theme in themes for name in theme.codes}
    known = {c.name: c for c in codes}
    in_map = [c for c in codes if c.name in used]
    in_map += [Code(name=n) for n in sorted(used - set(known))]  # codes not in the list given
    code_ids = {c.name: f"c{i}" for i, c in enumerate(in_map, start=1)}
    theme_edges = [
        (theme_ids[t.parent], theme_ids[t.name])
        for t, depth in ordered
        if depth and t.parent in theme_ids
    ]
    code_edges = [(theme_ids[t.name], code_ids[name]) for t, _ in ordered for name in t.codes]
    return MapGraph(
        themes=[(theme_ids[t.name], t, depth) for t, depth in ordered],
        codes=[(code_ids[c.name], c) for c in in_map],
        theme_edges=theme_edges,
        code_edges=code_edges,
    )


# ---- Mermaid -----------------------------------------------------------------------------


def mermaid_label(text: str) -> str:
    """A Mermaid node label in double quotes; quotes and markup become entity codes."""
    text = " ".join(text.split())
    for char, entity in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    # "#" must be replaced first: the entities themselves contain "#" and ";".
    return f'"{text}"'


def to_mermaid(themes: Sequence[Theme], codes: Sequence[Code]) -> str:
    graph = build_graph(themes, codes)
    lines = ["flowchart LR"]
    for node_id, theme, depth in graph.themes:
        label = mermaid_label(theme.name)
        lines.append(f"    {node_id}[{label}]" if depth == 0 else f"    {node_id}([{label}])")
    for node_id, code in graph.codes:
        lines.append(f"    {node_id}({mermaid_label(code.name)})")
    lines += [f"    {a} --> {b}" for a, b in graph.theme_edges]
    lines += [f"    {a} --- {b}" for a, b in graph.code_edges]
    lines.append("    classDef theme fill:#f3e5ab,stroke:#8a6d00,font-weight:bold")
    lines.append("    classDef subtheme fill:#fdf6d8,stroke:#8a6d00")
    lines.append("    classDef code fill:#ffffff,stroke:#777777")
    for cls, ids in (
        ("theme", [i for i, _, d in graph.themes if d == 0]),
        ("subtheme", [i for i, _, d in graph.themes if d > 0]),
        ("code", [i for i, _ in graph.codes]),
    ):
        if ids:
            lines.append(f"    class {','.join(ids)} {cls}")
    return "\n".join(lines) + "\n"


# ---- Graphviz DOT ------------------------------------------------------------------------


def dot_string(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as \\n."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


def to_dot(themes: Sequence[Theme], codes: Sequence[Code], title: str = "Thematic map") -> str:
    graph = build_graph(themes, codes)
    lines = [
        "digraph thematic_map {",
        f'    graph [rankdir=LR, label={dot_string(title)}, labelloc=t, fontname="Helvetica"];',
        '    node [fontname="Helvetica"];',
        '    edge [color="#777777"];',
    ]
    for node_id, theme, depth in graph.themes:
        style = 'shape=box, style="rounded,filled,bold", fillcolor="#f3e5ab"'
        if depth:
            style = 'shape=box, style="rounded,filled", fillcolor="#fdf6d8"'
        lines.append(f"    {node_id} [label={dot_string(theme.name)}, {style}];")
    for node_id, code in graph.codes:
        colour = colour_to_hex(code.colour) or "#777777"
        lines.append(
            f'    {node_id} [label={dot_string(code.name)}, shape=ellipse, color="{colour}"];'
        )
    lines += [f"    {a} -> {b} [penwidth=2];" for a, b in graph.theme_edges]
    lines += [f"    {a} -> {b} [arrowhead=none];" for a, b in graph.code_edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_available() -> bool:
    return shutil.which("dot") is not None


def render_svg(dot_text: str) -> bytes:
    """Run Graphviz on DOT text; GraphvizMissing when ``dot`` is not installed."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(
            "Graphviz is not installed, so the map cannot be drawn as SVG: install it "
            "(apt install graphviz, brew install graphviz, or https://graphviz.org/download/) "
            "or export --format dot or mermaid"
        )
    try:
        done = subprocess.run(
            [program, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True,
            timeout=DOT_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraphvizFailed(f"Graphviz failed: {exc}") from None
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GraphvizFailed(f"Graphviz failed: {reason[0] if reason else 'no output'}")
    return done.stdout
