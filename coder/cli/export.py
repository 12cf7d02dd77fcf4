"""Export commands: theme tables, codings, the thematic map, the audit trail, projects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coder.cli.common import (
    DbOpt,
    DiagramFormatOpt,
    ForceOpt,
    OutputOpt,
    ProjectOpt,
    bar,
    check_output,
    fail,
    stream_output,
    user_errors,
    workspace,
    write_output,
)

export_app = typer.Typer(
    help="Export theme tables, codings, the thematic map, the audit trail, the methods draft, the record flow and projects.",
    no_args_is_help=True,
)


def _export(
    kind: str,
    fmt: str,
    output: str | None,
    force: bool,
    db: str | None,
    project: str | None,
    by: str | None = None,
) -> None:
    """Run one export: text formats to stdout or a file, binary ones to a file only; a
    file is written to a temporary name and renamed, so it is never half-written."""
    import io
    from functools import partial

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
        "methods": exports.export_methods,
        "flow": exports.export_flow,
    }[kind]
    if by is not None:
        writer = partial(exports.export_themes, by=by)
    if binary:
        buffer = io.BytesIO()
        with workspace(db, None, project) as ws:
            writer(ws, fmt, buffer)
        write_output(buffer.getvalue(), output, binary=binary, force=force)
        return
    # Text formats stream: straight to stdout, or to a temporary file renamed at the end.
    with workspace(db, None, project) as ws:
        if kind == "codings":
            with bar("exporting codings") as tick:
                stream_output(lambda out: exports.export_codings(ws, fmt, out, tick), output, force)
        else:
            stream_output(lambda out: writer(ws, fmt, out), output, force)


def _file_export(kind: str, fmt: object, default: str, doc: str) -> None:
    """Register ``coder export KIND``, a command that only writes one export: its options
    are those of every export (the ``--format`` type ``fmt`` lists KIND's formats), so they
    are declared once here rather than in a copy of the same function per kind."""

    def command(
        fmt: str = default,
        output: str | None = None,
        force: bool = False,
        db: str | None = None,
        project: str | None = None,
    ) -> None:
        _export(kind, fmt, output, force, db, project)

    # Typer reads the options from the annotations: the shared Annotated aliases.
    command.__annotations__ = {
        "fmt": fmt,
        "output": OutputOpt,
        "force": ForceOpt,
        "db": DbOpt,
        "project": ProjectOpt,
        "return": None,
    }
    command.__doc__ = doc
    command.__name__ = command.__qualname__ = f"export_{kind}_command"
    export_app.command(kind)(command)


@export_app.command("themes")
def export_themes_command(
    fmt: Annotated[
        str, typer.Option("--format", help="md, csv, xlsx, docx, html, latex or json.")
    ] = "md",
    output: OutputOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Split the table by an attribute: every theme once per value "
            "(year, journal, type, speaker or one from 'coder attributes').",
        ),
    ] = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the theme table: themes, definitions, codes, counts, exemplar extracts, references."""
    _export("themes", fmt, output, force, db, project, by)


_file_export(
    "codings",
    Annotated[str, typer.Option("--format", help="csv, xlsx or json.")],
    "csv",
    "Export every coding: document, citation, section, span, text, code, themes, coder, time, memo.",
)
_file_export(
    "map",
    DiagramFormatOpt,
    "mermaid",
    "Export the thematic map (themes, sub-themes and their codes).",
)


@export_app.command("audit")
def export_audit_command(
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    output: OutputOpt = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the audit trail, oldest first, for a methods appendix (its head on stderr)."""
    from coder.services.history import head

    _export("audit", fmt, output, force, db, project)
    with workspace(db, None, project) as ws:
        value = head(ws)
    typer.echo(
        f"audit head {value}: quote it with the trail; "
        f"'coder audit verify --head {value}' proves it was not cut or extended since",
        err=True,
    )


_file_export(
    "methods",
    Annotated[str, typer.Option("--format", help="md, docx, html or json.")],
    "md",
    "Draft the methods paragraph and appendix from the project's data and audit trail.",
)
_file_export(
    "flow",
    DiagramFormatOpt,
    "mermaid",
    "The PRISMA 2020-style record-flow diagram (identification, screening, included).",
)


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
