"""Exports for the paper (phase 6): the theme table, the codings, the thematic map and the
audit trail, each in several formats.

Reading only: nothing here changes the project, so nothing is audited. Each function
takes the workspace, a format name and a binary file object; the CLI writes to stdout
or a temporary file that it renames, the TUI to a file it chose, the tests to BytesIO.
Unknown formats and a missing Graphviz are ServiceErrors: one line for the user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from coder.core.model import Code, Coding
from coder.core.report import (
    Bibliography,
    CodingLine,
    ThemeTable,
    build_theme_table,
    coding_lines,
)
from coder.formats import audit_export, thematic_map
from coder.formats.codings import CODING_FORMATS, write_codings
from coder.formats.methods import FLOW_FORMATS, METHODS_FORMATS
from coder.formats.themetable import BINARY_FORMATS as _BINARY
from coder.formats.themetable import THEME_FORMATS, write_theme_table
from coder.services.methods import export_flow, export_methods
from coder.services.reports import all_codings
from coder.services.workspace import ServiceError, Workspace
from coder.store import lookup
from coder.store import queries as q

BINARY_FORMATS = set(_BINARY)  # {"xlsx", "docx"}
MAP_FORMATS = thematic_map.MAP_FORMATS
AUDIT_FORMATS = audit_export.AUDIT_FORMATS
KINDS: dict[str, tuple[str, ...]] = {
    "themes": THEME_FORMATS,
    "codings": CODING_FORMATS,
    "map": MAP_FORMATS,
    "audit": AUDIT_FORMATS,
    "project": ("qdpx",),
    "methods": METHODS_FORMATS,
    "flow": FLOW_FORMATS,
}
# Formats that must go to a file (they are not text a terminal can show).
FILE_ONLY = BINARY_FORMATS | {"svg", "qdpx"}
EXTENSIONS = {"latex": "tex", "mermaid": "mmd"}
PAGE = 5000
Progress = Callable[[int, int], None]
__all__ = ["export_flow", "export_methods"]  # with the exporters defined below


def check_format(kind: str, fmt: str) -> None:
    """A ServiceError naming the choices when ``fmt`` is not one of ``kind``'s formats."""
    formats = KINDS.get(kind)
    if formats is None:
        raise ServiceError(f"unknown export {kind!r}: use {', '.join(KINDS)}")
    if fmt not in formats:
        raise ServiceError(f"unknown {kind} format {fmt!r}: use {', '.join(formats)}")


def default_filename(kind: str, fmt: str) -> str:
    """The file name an export suggests: ("themes", "docx") -> "themes.docx"."""
    check_format(kind, fmt)
    return f"{kind}.{EXTENSIONS.get(fmt, fmt)}"


def _table_codes(all_codes: list[Code], codings: list[Coding], theme_codes: set[str]) -> list[Code]:
    """Active codes, plus retired ones still used by codings or themes (merged ones have
    handed their codings on, so they are left out)."""
    used = {c.code for c in codings} | theme_codes
    return [
        c for c in all_codes if c.status == "active" or (c.status == "retired" and c.name in used)
    ]


def theme_table(ws: Workspace) -> ThemeTable:
    """The theme table of the project as it stands (what every theme writer formats)."""
    codings = all_codings(ws)
    with ws.read() as session:
        themes = q.themes(session, ws.project.id)
        all_codes = q.codes(session, ws.project.id, include_inactive=True)
        bibliography = Bibliography(q.document_metadata(session, ws.project.id))
        exemplars: dict[str, list[int]] = {}
        misfits: dict[str, set[int]] = {}
        for theme in themes:
            assert theme.id is not None
            exemplars[theme.name] = [row.coding_id for row in q.exemplar_rows(session, theme.id)]
            misfits[theme.name] = q.misfit_coding_ids(session, theme.id)
    codes = _table_codes(all_codes, codings, {c for t in themes for c in t.codes})
    return build_theme_table(
        ws.project.name, themes, codes, codings, exemplars, misfits, bibliography
    )


def split_table(ws: Workspace, attribute: str) -> ThemeTable:
    """The theme table split by the values of ``attribute`` (core.report.split_theme_table)."""
    from coder.core.report import split_theme_table
    from coder.services.analysis import coding_values

    codings = all_codings(ws)
    values = coding_values(ws, attribute, codings)
    with ws.read() as session:
        themes = q.themes(session, ws.project.id)
        all_codes = q.codes(session, ws.project.id, include_inactive=True)
        bibliography = Bibliography(q.document_metadata(session, ws.project.id))
        exemplars: dict[str, list[int]] = {}
        misfits: dict[str, set[int]] = {}
        for theme in themes:
            assert theme.id is not None
            exemplars[theme.name] = [row.coding_id for row in q.exemplar_rows(session, theme.id)]
            misfits[theme.name] = q.misfit_coding_ids(session, theme.id)
    codes = _table_codes(all_codes, codings, {c for t in themes for c in t.codes})
    return split_theme_table(
        ws.project.name, themes, codes, codings, values, attribute, exemplars, misfits, bibliography
    )


def export_themes(ws: Workspace, fmt: str, out: BinaryIO, by: str | None = None) -> None:
    """The theme table; with ``by``, split by that attribute's values."""
    check_format("themes", fmt)
    write_theme_table(theme_table(ws) if by is None else split_table(ws, by), fmt, out)


def export_codings(
    ws: Workspace, fmt: str, out: BinaryIO, progress: Progress | None = None
) -> None:
    """One row per coding: key, citation, section, span, text, code, themes, coder, time, memo.
    Streamed a page of documents at a time (keyset), reading only the coded spans."""
    check_format("codings", fmt)
    with ws.read() as session:
        themes = q.themes(session, ws.project.id)
        bibliography = Bibliography(q.document_metadata(session, ws.project.id))
        total = lookup.count_codings(session, ws.project.id) if progress else 0

        def lines() -> Iterator[CodingLine]:
            done = 0
            for page in lookup.iter_codings(session, ws.project.id):
                yield from coding_lines(page, themes, bibliography)
                done += len(page)
                if progress is not None:
                    progress(done, total)

        write_codings(lines(), fmt, out)


def export_map(ws: Workspace, fmt: str, out: BinaryIO) -> None:
    """The thematic map as Mermaid or DOT text, or SVG drawn by Graphviz."""
    check_format("map", fmt)
    with ws.read() as session:
        themes = q.themes(session, ws.project.id)
        codes = q.codes(session, ws.project.id, include_inactive=True)
    if fmt == "mermaid":
        out.write(thematic_map.to_mermaid(themes, codes).encode("utf-8"))
        return
    dot = thematic_map.to_dot(themes, codes, title=f"Thematic map: {ws.project.name}")
    if fmt == "dot":
        out.write(dot.encode("utf-8"))
        return
    try:
        out.write(thematic_map.render_svg(dot))
    except (thematic_map.GraphvizMissing, thematic_map.GraphvizFailed) as exc:
        raise ServiceError(str(exc)) from None


def export_audit(ws: Workspace, fmt: str, out: BinaryIO) -> None:
    """The audit trail, oldest first, paged so a long trail never sits in memory whole."""
    check_format("audit", fmt)
    if fmt == "csv":
        audit_export.write_csv_header(out)
    last = 0
    while True:
        with ws.read() as session:
            events = lookup.audit_page(session, ws.project.id, last, PAGE)
        if fmt == "csv":
            audit_export.write_csv_events(events, out)
        else:
            audit_export.write_jsonl_events(events, out)
        if len(events) < PAGE:
            return
        last = events[-1].seq
