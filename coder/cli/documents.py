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
        str,
        typer.Option(
            help="Reading units: sentence, paragraph, turn (a transcript's speaker turns), "
            "section or whole."
        ),
    ] = "sentence",
    keep_duplicates: Annotated[
        bool, typer.Option("--keep-duplicates", help="Add possible duplicates anyway.")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse the whole import at the first unreadable record (default: leave it "
            "out, report it with its line, import the rest).",
        ),
    ] = False,
    skip_bad: Annotated[
        bool,
        typer.Option(
            "--skip-bad",
            help="Leave out and report unreadable records: the default now; kept for scripts.",
            hidden=True,
        ),
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
    """Import search results and reference files as documents; Word, ODT, PDF, Markdown,
    HTML files and transcripts (VTT, SRT, speaker turns) as one document each; REFI-QDA
    .qdpx projects."""
    from coder.services.importing import import_files

    limit = _size(max_record_size)
    if strict and skip_bad:
        raise fail("choose --strict or --skip-bad, not both")
    with workspace(db, coder, project) as ws:
        files, projects, reports = _import_projects(ws, files, segment, as_json)
        if not files:
            if as_json:
                typer.echo(json.dumps(reports, ensure_ascii=False, indent=2))
            return
        with progress("importing") as (tick, per_file):
            summaries = import_files(
                ws,
                files,
                fmt,
                segment,
                keep_duplicates,
                strict,
                progress=tick,
                max_record_size=limit,
                encoding=encoding,
                file_progress=per_file,
                skip=projects,
            )
        if as_json:
            reports += [s.as_dict() for s in summaries]
            typer.echo(json.dumps(reports, ensure_ascii=False, indent=2))
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


def _import_projects(
    ws: Workspace, files: list[Path], segment: str, as_json: bool = False
) -> tuple[list[Path], set[Path], list[dict]]:
    """Import the REFI-QDA projects among ``files`` and under the folders given (a zip
    holding project.qde, whatever the name) and print each one's report (or return it,
    for ``--json``). Returns the files and folders left for import_files, the projects
    it must skip under those folders, and the reports."""
    from coder.formats.qdpx import is_qdpx
    from coder.services.errors import FormatError, ServiceError
    from coder.services.exchange import import_qdpx
    from coder.services.importing import files_under

    rest, projects, reports = [], set(), []
    for path in files:
        if path.is_dir():
            under = [f for f, _, _ in files_under([path])]
            found = [f for f in under if is_qdpx(f)]
            projects.update(found)
            if len(found) < len(under) or not under:
                rest.append(path)  # the folder's other files: search exports
        elif path.is_file() and is_qdpx(path):
            found = [path]
        else:
            rest.append(path)
            continue
        for project_file in found:
            name = project_file.name
            if path.is_dir():  # named as import_files names the files in a folder
                name = (Path(path.name) / project_file.relative_to(path)).as_posix()
            try:
                summary = import_qdpx(ws, project_file, segment)
            except (FormatError, ServiceError) as exc:
                if not path.is_dir():
                    raise
                # Like any file found in a folder: refused on its own, the rest imports.
                if as_json:
                    reports.append({"file": name, "format": "qdpx", "refused": str(exc)})
                else:
                    typer.echo(f"{name}: refused: {exc}")
                continue
            summary.file = name
            if as_json:
                reports.append(summary.to_json())
            else:
                typer.echo(summary.line())
                typer.echo("\n".join(summary.report()))
    return rest, projects, reports


@app.command()
def formats() -> None:
    """List the import formats."""
    from coder.formats.records import FORMATS

    for name, description in FORMATS.items():
        typer.echo(f"{name:<12} {description}")


@app.command()
def documents(
    db: DbOpt = None,
    as_json: JsonOpt = False,
    project: ProjectOpt = None,
    excluded: Annotated[
        bool, typer.Option("--excluded", help="Only the documents set aside, with why.")
    ] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Documents in the analysis and those set aside.")
    ] = False,
) -> None:
    """List the project's documents (those in the analysis, unless --excluded or --all)."""
    from coder.services.reports import document_dicts

    if excluded and all_:
        raise fail("choose --excluded or --all, not both")
    with workspace(db, None, project) as ws:
        docs = document_dicts(ws, excluded=None if all_ else excluded)
    if as_json:
        typer.echo(json.dumps(docs, ensure_ascii=False, indent=2))
        return
    # Column widths from the data: a long key or a missing year must not shift a column.
    key_width = max((len(d["key"]) for d in docs), default=0)
    seg_width = max((len(str(d["segments"])) for d in docs), default=1)
    for d in docs:
        flag = "" if d["abstract"] else "  [no abstract]"
        aside = d["excluded"]
        if aside:
            why = "; ".join(x for x in (aside["reason"], aside["note"]) if x)
            flag += f"  [excluded: {why}]"
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
