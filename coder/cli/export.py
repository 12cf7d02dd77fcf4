"""Export commands: theme tables, codings, the thematic map, the audit trail, projects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coder.cli.common import (
    DbOpt,
    ForceOpt,
    OutputOpt,
    ProjectOpt,
    check_output,
    fail,
    user_errors,
    workspace,
    write_output,
)

export_app = typer.Typer(
    help="Export theme tables, codings, the thematic map, the audit trail and projects.",
    no_args_is_help=True,
)


def _export(
    kind: str, fmt: str, output: str | None, force: bool, db: str | None, project: str | None
) -> None:
    """Run one export: text formats to stdout or a file, binary ones to a file only; a
    file is written to a temporary name and renamed, so it is never half-written."""
    import io

    from coder.services import exports

    with user_errors():
        exports.check_format(kind, fmt)
    check_output(output, force)
    binary = fmt in exports.FILE_ONLY
    if binary and output in (None, "-"):
        example = exports.default_filename(kind, fmt)
        raise fail(f"--format {fmt} is binary: write it to a file with -o FILE (e.g. -o {example})")
    writer = {
        "themes": exports.export_themes,
        "codings": exports.export_codings,
        "map": exports.export_map,
        "audit": exports.export_audit,
    }[kind]
    buffer = io.BytesIO()
    with workspace(db, None, project) as ws:
        writer(ws, fmt, buffer)
    write_output(buffer.getvalue(), output, binary=binary, force=force)


@export_app.command("themes")
def export_themes_command(
    fmt: Annotated[
        str, typer.Option("--format", help="md, csv, xlsx, docx, html, latex or json.")
    ] = "md",
    output: OutputOpt = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the theme table: themes, definitions, codes, counts, exemplar extracts, references."""
    _export("themes", fmt, output, force, db, project)


@export_app.command("codings")
def export_codings_command(
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or json.")] = "csv",
    output: OutputOpt = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export every coding: document, citation, section, span, text, code, themes, coder, time, memo."""
    _export("codings", fmt, output, force, db, project)


@export_app.command("map")
def export_map_command(
    fmt: Annotated[
        str, typer.Option("--format", help="mermaid, dot, or svg (needs Graphviz).")
    ] = "mermaid",
    output: OutputOpt = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the thematic map (themes, sub-themes and their codes)."""
    _export("map", fmt, output, force, db, project)


@export_app.command("audit")
def export_audit_command(
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    output: OutputOpt = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the audit trail, oldest first, for a methods appendix."""
    _export("audit", fmt, output, force, db, project)


@export_app.command("project")
def export_project_command(
    fmt: Annotated[
        str, typer.Option("--format", help="qdpx (REFI-QDA project exchange).")
    ] = "qdpx",
    output: OutputOpt = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the whole project as a REFI-QDA .qdpx for ATLAS.ti, MAXQDA, NVivo, QualCoder..."""
    from coder.services.exchange import export_qdpx
    from coder.services.exports import check_format

    with user_errors():
        check_format("project", fmt)
    if output in (None, "-"):
        raise fail("a .qdpx project is binary: write it to a file with -o FILE.qdpx")
    check_output(output, force)
    with workspace(db, None, project) as ws:
        export_qdpx(ws, Path(output))
    typer.echo(f"wrote {output}", err=True)
