"""Codebook commands: validate, load, import, export and merge codebooks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coder.cli.common import (
    CoderOpt,
    DbOpt,
    DryRunOpt,
    ForceOpt,
    ProjectOpt,
    fail,
    maybe_workspace,
    workspace,
    write_output,
)

codebook_app = typer.Typer(
    help="Validate, load, export and import codebooks.", no_args_is_help=True
)


@codebook_app.command("validate")
def codebook_validate(file: Annotated[Path, typer.Argument(help="A YAML codebook.")]) -> None:
    """Check a YAML codebook: exit 0 if valid, else one line per problem and exit 2."""
    from coder.formats.codebook_yaml import validate_codebook

    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise fail(f"{file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise fail(f"{file}: not UTF-8 text") from None
    codebook, problems = validate_codebook(text, str(file))
    if problems or codebook is None:
        for problem in problems:
            typer.echo(str(problem))
        raise typer.Exit(2)
    top = sum(1 for c in codebook.codes if not c.parent)
    typer.echo(
        f"{file}: valid: {len(codebook.codes)} codes ({top} top-level), {len(codebook.themes)} themes"
    )


@codebook_app.command("load")
def codebook_load(
    file: Annotated[Path, typer.Argument(help="A YAML or REFI-QDA .qdc codebook.")],
    dry_run: DryRunOpt = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Bring the project's codebook to the file's state (add, update, rename, retire)."""
    from coder.services.codebooks import load_codebook

    with workspace(db, coder, project) as ws:
        result = load_codebook(ws, file, dry_run=dry_run)
    for line in result.lines():
        typer.echo(line)
    if dry_run and not result.plan.is_empty:
        typer.echo("(dry run: nothing changed)")


@codebook_app.command("import")
def codebook_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="A REFI-QDA codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA, QualCoder..."
        ),
    ],
    dry_run: DryRunOpt = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Import a REFI-QDA .qdc codebook into the project (same rules as load)."""
    codebook_load(file, dry_run, db, coder, project)


@codebook_app.command("export")
def codebook_export(
    fmt: Annotated[str, typer.Option("--format", help="yaml, qdc, md or csv.")] = "yaml",
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="File to write; '-' or none for stdout.")
    ] = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the project's current codebook (including codes created while coding)."""
    import io

    from coder.formats.codebook_yaml import codebook_to_csv, codebook_to_markdown, dump_codebook
    from coder.formats.qdc import write_qdc
    from coder.services.codebooks import current_codebook

    with workspace(db, None, project) as ws:
        codebook = current_codebook(ws)
    if fmt == "yaml":
        data = dump_codebook(codebook).encode("utf-8")
    elif fmt == "md":
        data = codebook_to_markdown(codebook).encode("utf-8")
    elif fmt == "csv":
        buffer = io.StringIO(newline="")
        codebook_to_csv(codebook, buffer)
        data = buffer.getvalue().encode("utf-8")
    elif fmt == "qdc":
        if not codebook.codes:
            raise fail("the project has no active codes: a .qdc codebook needs at least one")
        raw = io.BytesIO()
        write_qdc(codebook, raw)
        data = raw.getvalue()
    else:
        raise fail(f"unknown codebook format {fmt!r}: use yaml, qdc, md or csv")
    write_output(data, output, force=force)


@codebook_app.command("merge")
def codebook_merge(
    a: Annotated[
        str, typer.Argument(help="The codebook that wins conflicts: a file or coder:NAME.")
    ],
    b: Annotated[str, typer.Argument(help="The codebook merged into A: a file or coder:NAME.")],
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help="YAML file to write; '-' or none for stdout."),
    ] = None,
    force: ForceOpt = False,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Fuzzy score (0-100) a renamed code must reach.")
    ] = 80.0,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Merge codebook B into A and write it as YAML; each conflict (A kept) is listed."""
    from coder.formats.codebook_yaml import dump_codebook
    from coder.services import compare

    with maybe_workspace(compare.needs_project(a, b), db, project) as ws:
        merged, conflicts = compare.merge(a, b, ws, threshold)
    write_output(dump_codebook(merged).encode("utf-8"), output, force=force)
    to_stderr = output in (None, "-")  # stdout holds the YAML
    for line in conflicts:
        typer.echo(f"conflict: {line}", err=to_stderr)
    if not conflicts:
        typer.echo("no conflicts", err=to_stderr)
