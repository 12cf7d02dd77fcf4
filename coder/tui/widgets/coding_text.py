"""The texts of the coding phase: the title line, the codes on a segment, the numbered
suggestions. Pure functions of domain objects, every user string shown literally."""

from __future__ import annotations

from rich.text import Text

from coder.core.model import Code, Coding, Document, Segment, SegmentKind
from coder.tui.widgets.text import one_line, safe_style

SPAN_PREVIEW = 40
MEMO_PREVIEW = 120


def title_text(
    doc: Document, index: int, units: int, unit: Segment | None, selecting: bool, blind: bool
) -> Text:
    """Where in the document and the modes that change what keys do, first (a long label
    is cut at the end of the line, never these); then key, label and year."""
    title = Text(end="", no_wrap=True, overflow="ellipsis")
    where = f"segment {index + 1}/{units}" if unit is not None else "whole document"
    title.append(where, style="bold")
    if unit is not None and unit.heading:
        title.append(" · ")
        title.append_text(one_line(unit.heading))
    if selecting:
        title.append("  SELECTING: ⏎ choose a code, esc leave", style="bold reverse")
    if blind:
        title.append("  BLIND", style="bold reverse")
    title.append("   ")
    title.append_text(one_line(doc.key, style="bold"))
    if doc.label != doc.key:
        title.append("  ")
        title.append_text(one_line(doc.label, style="dim"))
    if doc.year and f"({doc.year})" not in doc.label:
        title.append(f" ({doc.year})", style="dim")
    return title


def coding_line(coding: Coding, colour: str | None, kind: SegmentKind | None) -> Text:
    """One applied code: colour swatch, code, coder, what it covers, its memo."""
    line = Text(end="")
    line.append("■ ", style=safe_style(colour))
    line.append_text(one_line(coding.code, style="bold"))
    line.append(" — ", style="dim")
    line.append_text(one_line(coding.coder))
    if kind == SegmentKind.SPAN:
        preview = coding.text[:SPAN_PREVIEW] + ("…" if len(coding.text) > SPAN_PREVIEW else "")
        line.append("  on “", style="dim")
        line.append_text(one_line(preview))
        line.append("”", style="dim")
    elif kind == SegmentKind.DOCUMENT:
        line.append("  on the whole document", style="dim")
    if coding.memo:
        line.append("\n    ✎ ", style="dim")
        line.append_text(one_line(coding.memo[:MEMO_PREVIEW]))
    return line


def applied_text(lines: list[Text]) -> Text:
    if not lines:
        return Text(
            "No codes here yet: Enter applies the highlighted code, 1-9 a suggestion, n a new code.",
            style="dim",
        )
    return Text("\n", end="").join(lines)


def suggestions_text(
    codes: list[Code], applied: set[str], learned: dict[str, int] | None = None
) -> Text:
    """The numbered suggestions; a tick on those the coder has already applied here; for
    those suggested by likeness, how many coded extracts they are like."""
    out = Text("Suggestions (1-9)\n", style="bold", end="")
    if not codes:
        out.append("none for this segment", style="dim")
    for number, code in enumerate(codes, start=1):
        if number > 1:
            out.append("\n")
        out.append(f"{number} ", style="bold")
        out.append("■ ", style=safe_style(code.colour))
        out.append_text(one_line(code.name))
        if code.name in applied:
            out.append(" ✓", style="dim")
        if learned and code.name in learned:
            count = learned[code.name]
            out.append(f"  like {count} extract{'s' if count != 1 else ''}", style="dim")
    return out
