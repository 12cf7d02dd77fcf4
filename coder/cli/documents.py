"""Document commands: import files and folders, list the formats and the documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, JsonOpt, ProjectOpt, fail, progress, workspace

if TYPE_CHECKING:
    from coder.services.workspace import Workspace

app = typer.Typer()


@app.command("import")
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Files or folders to import (a folder: every file under it, hidden ones aside).",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="auto, or one of the formats listed by 'coder formats'.")
    ] = "auto",
    segment: Annotated[
        str, typer.Option(help="Reading units: sentence, section, paragraph or whole.")
    ] = "sentence",
    keep_duplicates: Annotated[
        bool, typer.Option("--keep-duplicates", help="Add possible duplicates anyway.")
    ] = False,
    skip_bad: Annotated[
        bool,
        typer.Option("--skip-bad", help="Import the good records and list the unreadable ones."),
    ] = False,
    max_record_size: Annotated[
        str,
        typer.Option(
            "--max-record-size",
            help="Leave out (and report) a record with more text than this: 1000000, 500k, 2M.",
        ),
    ] = "1M",
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", help="Read the files in this encoding (default: detected)."),
    ] = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Import search results and reference files as documents (and REFI-QDA .qdpx projects)."""
    from coder.services.importing import import_files

    limit = _size(max_record_size)
    with workspace(db, coder, project) as ws:
        files = _import_projects(ws, files, segment)
        if not files:
            return
        with progress("importing") as (tick, per_file):
            summaries = import_files(
                ws,
                files,
                fmt,
                segment,
                keep_duplicates,
                skip_bad,
                progress=tick,
                max_record_size=limit,
                encoding=encoding,
                file_progress=per_file,
            )
        if as_json:
            typer.echo(json.dumps([s.as_dict() for s in summaries], ensure_ascii=False, indent=2))
            return
        for s in summaries:
            typer.echo(s.line())
            if s.note:
                typer.echo(f"  {s.note}")
            for line, key, score, reason in s.possible_duplicates:
                typer.echo(
                    f"  possible duplicate at line {line}: {key} ({reason}, score {score:.0f})"
                )
            for problem in s.skipped:
                typer.echo(f"  left out: {problem}")
            for warning in s.warnings:
                typer.echo(f"  warning: {warning}")


def _size(value: str) -> int:
    """A size in characters from "1000000", "500k" or "2M" (k = 1,000, M = 1,000,000)."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)[bB]?\s*", value)
    if not m or float(m.group(1)) <= 0:
        raise fail(f"--max-record-size: {value!r} is not a size (e.g. 1000000, 500k, 2M)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


def _import_projects(ws: Workspace, files: list[Path], segment: str) -> list[Path]:
    """Import the REFI-QDA projects among ``files`` (a zip holding project.qde, whatever
    the name) and return the other files, which are search results for import_files."""
    from coder.formats.qdpx import is_qdpx
    from coder.services.exchange import import_qdpx

    rest = []
    for path in files:
        if path.is_file() and is_qdpx(path):
            typer.echo(import_qdpx(ws, path, segment).line())
        else:
            rest.append(path)
    return rest


@app.command()
def formats() -> None:
    """List the import formats."""
    from coder.formats.records import FORMATS

    for name, description in FORMATS.items():
        typer.echo(f"{name:<12} {description}")


@app.command()
def documents(db: DbOpt = None, as_json: JsonOpt = False, project: ProjectOpt = None) -> None:
    """List the project's documents."""
    from coder.services.reports import document_dicts

    with workspace(db, None, project) as ws:
        docs = document_dicts(ws)
    if as_json:
        typer.echo(json.dumps(docs, ensure_ascii=False, indent=2))
        return
    # Column widths from the data: a long key or a missing year must not shift a column.
    key_width = max((len(d["key"]) for d in docs), default=0)
    seg_width = max((len(str(d["segments"])) for d in docs), default=1)
    for d in docs:
        flag = "" if d["abstract"] else "  [no abstract]"
        year = str(d["year"]) if d["year"] is not None else "-"
        typer.echo(
            f"{d['key']:<{key_width}}  {year:<4}  {d['segments']:>{seg_width}} seg  {_label(d)}{flag}"
        )


def _label(d: dict) -> str:
    from coder.core.model import Document

    doc = Document(
        key=d["key"],
        text=d["abstract"] or "",
        title=d["title"],
        authors=d["authors"],
        year=d["year"],
    )
    text = doc.label
    return text if len(text) <= 70 else text[:69] + "…"
