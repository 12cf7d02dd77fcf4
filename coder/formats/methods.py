"""Writers of the methods draft (Markdown, Word, HTML, JSON) and of the record-flow diagram
(Mermaid, Graphviz DOT, SVG).

The draft is a ``MethodsDraft`` of sections, paragraphs and tables (coder.core.methods);
each writer lays out the same content, so the formats never disagree. The text formats
are deterministic (UTF-8, "\\n", no export time), as the theme table's are. The flow
diagram draws PRISMA 2020's identification, screening and included boxes, with the
records removed or excluded at each stage in a box beside the main flow.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import BinaryIO

from coder.core.methods import MethodsDraft, MethodsFacts, RecordFlow, Table
from coder.formats.thematic_map import dot_string, mermaid_label
from coder.formats.themetable import _CSS, _md, _word_table

METHODS_FORMATS = ("md", "docx", "html", "json")
FLOW_FORMATS = ("mermaid", "dot", "svg")


# ---- Markdown --------------------------------------------------------------------------------


def _md_table(table: Table) -> list[str]:
    lines = [f"**{_md(table.title)}**", ""]
    if not table.rows:
        return lines + ["(none)"]
    lines.append("| " + " | ".join(_md(h) for h in table.header) + " |")
    lines.append(
        "| "
        + " | ".join("---:" if i in table.numeric else "---" for i in range(len(table.header)))
        + " |"
    )
    for row in table.rows:
        cells = [_md(c) if not c.startswith("  ") else "&nbsp;&nbsp;" + _md(c) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_markdown(draft: MethodsDraft, flow: RecordFlow, out: BinaryIO) -> None:
    lines = [f"# {_md(draft.title)}"]
    for number, section in enumerate(draft.sections):
        lines += ["", f"## {_md(section.heading)}"]
        for paragraph in section.paragraphs:
            lines += ["", _md(paragraph)]
        for table in section.tables:
            lines += ["", *_md_table(table)]
        if number == 1:  # the records appendix: the diagram after its table
            lines += ["", "**Record-flow diagram**", "", "```mermaid", to_mermaid(flow).rstrip()]
            lines.append("```")
    lines += [""] + [f"*{_md(n)}*" for n in draft.notes]
    out.write(("\n".join(lines) + "\n").encode("utf-8"))


# ---- HTML ------------------------------------------------------------------------------------


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _html_table(table: Table) -> list[str]:
    parts = [f"<h3>{_h(table.title)}</h3>"]
    if not table.rows:
        return parts + ["<p>(none)</p>"]
    parts.append("<table>")
    parts.append(
        "<thead><tr>" + "".join(f"<th>{_h(h)}</th>" for h in table.header) + "</tr></thead>"
    )
    parts.append("<tbody>")
    for row in table.rows:
        cells = "".join(
            f'<td class="n">{_h(c)}</td>' if i in table.numeric else f"<td>{_h(c)}</td>"
            for i, c in enumerate(row)
        )
        parts.append(f"<tr>{cells}</tr>")
    parts += ["</tbody>", "</table>"]
    return parts


def write_html(draft: MethodsDraft, flow: RecordFlow, out: BinaryIO) -> None:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_h(draft.title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{_h(draft.title)}</h1>",
    ]
    for section in draft.sections:
        parts.append(f"<h2>{_h(section.heading)}</h2>")
        parts += [f"<p>{_h(p)}</p>" for p in section.paragraphs]
        for table in section.tables:
            parts += _html_table(table)
    parts += ['<div class="notes">'] + [f"<p>{_h(n)}</p>" for n in draft.notes] + ["</div>"]
    parts += ["</body>", "</html>"]
    out.write(("\n".join(parts) + "\n").encode("utf-8"))


# ---- Word ------------------------------------------------------------------------------------


def write_docx(draft: MethodsDraft, flow: RecordFlow, out: BinaryIO) -> None:
    from docx import Document

    document = Document()
    document.core_properties.title = draft.title
    document.add_heading(draft.title, level=0)
    for section in draft.sections:
        document.add_heading(section.heading, level=1)
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph)
        for table in section.tables:
            document.add_heading(table.title, level=2)
            if table.rows:
                _word_table(document, table.header, table.rows)
            else:
                document.add_paragraph("(none)")
    for note in draft.notes:
        document.add_paragraph().add_run(note).italic = True
    document.save(out)


# ---- JSON ------------------------------------------------------------------------------------


def methods_json(facts: MethodsFacts, draft: MethodsDraft) -> dict:
    return {
        "facts": facts.to_dict(),
        "draft": [
            {"heading": s.heading, "paragraphs": s.paragraphs,
             "tables": [{"title": t.title, "header": t.header, "rows": t.rows} for t in s.tables]}
            for s in draft.sections
        ],
        "notes": draft.notes,
    }  # fmt: skip


WRITERS: dict[str, Callable[[MethodsDraft, RecordFlow, BinaryIO], None]] = {
    "md": write_markdown,
    "html": write_html,
    "docx": write_docx,
}


def write_methods(
    facts: MethodsFacts, draft: MethodsDraft, flow: RecordFlow, fmt: str, out: BinaryIO
) -> None:
    """Write the draft in one of METHODS_FORMATS; ValueError for an unknown format."""
    if fmt == "json":
        text = json.dumps(methods_json(facts, draft), ensure_ascii=False, indent=2)
        out.write((text + "\n").encode("utf-8"))
        return
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown methods format {fmt!r}: use {', '.join(METHODS_FORMATS)}")
    writer(draft, flow, out)


# ---- the record-flow diagram -----------------------------------------------------------------

_STAGES = ("Identification", "Screening", "Included")


def to_mermaid(flow: RecordFlow) -> str:
    lines = ["flowchart TD"]
    for stage in _STAGES:
        boxes = [b for b in flow.boxes if b.stage == stage]
        lines.append(f"    subgraph stage_{stage.lower()}[{mermaid_label(stage)}]")
        lines.append("        direction LR")
        for box in boxes:
            label = mermaid_label("<br>".join(box.lines)).replace("#lt;br#gt;", "<br>")
            lines.append(f"        {box.id}[{label}]")
        lines.append("    end")
    lines += [f"    {a} --> {b}" for a, b in flow.edges]
    lines.append("    classDef side fill:#f7f7f7,stroke:#999999")
    side = [b.id for b in flow.boxes if b.side]
    if side:
        lines.append(f"    class {','.join(side)} side")
    return "\n".join(lines) + "\n"


def to_dot(flow: RecordFlow, title: str = "Record flow") -> str:
    lines = [
        "digraph record_flow {",
        f'    graph [rankdir=TB, label={dot_string(title)}, labelloc=t, fontname="Helvetica", nodesep=0.6];',
        '    node [shape=box, fontname="Helvetica", fontsize=11];',
        '    edge [color="#555555"];',
    ]
    for box in flow.boxes:
        label = dot_string("\n".join(box.lines))
        style = ', style=filled, fillcolor="#f7f7f7", color="#999999"' if box.side else ""
        lines.append(f"    {box.id} [label={label}{style}];")
    for stage in _STAGES:
        ids = [b.id for b in flow.boxes if b.stage == stage]
        lines.append(f"    {{ rank=same; {'; '.join(ids)}; }}")
    for stage in _STAGES:
        ids = [b.id for b in flow.boxes if b.stage == stage and not b.side]
        if ids:
            lines.append(
                f'    stage_{stage.lower()} [label={dot_string(stage)}, shape=plaintext, fontname="Helvetica-Bold"];'
            )
            lines.append(f"    {{ rank=same; stage_{stage.lower()}; {ids[0]}; }}")
    stage_ids = [f"stage_{s.lower()}" for s in _STAGES]
    lines.append(f"    {' -> '.join(stage_ids)} [style=invis];")
    lines += [f"    {a} -> {b};" for a, b in flow.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"
