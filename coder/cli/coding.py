"""Coding commands: apply and remove codes, manage codes, list them, autocode."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coder.cli.common import (
    CoderOpt,
    DbOpt,
    JsonOpt,
    ProjectOpt,
    bar,
    fail,
    user_errors,
    workspace,
)

app = typer.Typer()
code_app = typer.Typer(
    help="Apply codes to segments and remove them (scriptable coding).", no_args_is_help=True
)


@code_app.command("apply")
def code_apply(
    unit: Annotated[
        str | None,
        typer.Argument(
            metavar="DOC_KEY[:SEGMENT]",
            help="Document key, optionally with a segment number (from 1).",
            show_default=False,
        ),
    ] = None,
    code_name: Annotated[
        str | None, typer.Argument(metavar="CODE_NAME", show_default=False)
    ] = None,
    memo: Annotated[str | None, typer.Option(help="A memo on this coding.")] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="A CSV of codings to apply as one action: document, unit or start/end, code, "
            "optional memo and coder (see docs/batch-coding.md).",
        ),
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="With --from: apply the good rows, list the bad.")
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Apply a code to a segment or a whole document, or many codings from a CSV file."""
    if from_file is not None:
        if unit is not None or code_name is not None:
            raise fail("give either DOC_KEY CODE_NAME or --from FILE, not both")
        _apply_from(from_file, skip_bad, db, coder, project)
        return
    if unit is None or code_name is None:
        raise fail("give DOC_KEY[:SEGMENT] and CODE_NAME (or --from FILE.csv)")
    from coder.services.coding import apply_code

    with workspace(db, coder, project) as ws:
        added = apply_code(ws, unit, code_name, memo)
        typer.echo(
            f"applied {code_name!r} to {unit}"
            if added
            else f"{code_name!r} was already applied to {unit}"
        )


def _apply_from(
    path: Path, skip_bad: bool, db: str | None, coder: str | None, project: str | None
) -> None:
    """Every row valid, or nothing applied: each bad row is printed with its line."""
    from coder.services.batch import BatchError, apply_batch, read_batch_file

    with user_errors():
        rows, problems = read_batch_file(path)
    with workspace(db, coder, project) as ws:
        try:
            with bar(f"applying {path.name}") as tick:
                result = apply_batch(
                    ws, rows, "code.apply", path.name, skip_bad, str(path), tick, problems
                )
        except BatchError as exc:
            for line in exc.lines():
                typer.echo(f"coder: {line}", err=True)
            raise fail(
                f"{path}: {len(exc.problems)} bad rows; nothing applied (fix them or use --skip-bad)"
            ) from None
    for line, message in result.skipped:
        typer.echo(f"  skipped: {path}:{line}: {message}" if line else f"  skipped: {message}")
    skipped = len(result.skipped)
    typer.echo(
        f"{path.name}: {result.added:,} codings applied, {result.already:,} already there"
        + (f", {skipped:,} bad rows skipped" if skipped else "")
    )


@code_app.command("remove")
def code_remove(
    unit: Annotated[str, typer.Argument(metavar="DOC_KEY[:SEGMENT]")],
    code_name: Annotated[str, typer.Argument(metavar="CODE_NAME")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Remove a code you applied to a segment or a whole document."""
    from coder.services.coding import remove_code

    with workspace(db, coder, project) as ws:
        remove_code(ws, unit, code_name)
        typer.echo(f"removed {code_name!r} from {unit}")


@code_app.command("memo")
def code_memo(
    unit: Annotated[str, typer.Argument(metavar="DOC_KEY[:SEGMENT]")],
    code_name: Annotated[str, typer.Argument(metavar="CODE_NAME")],
    text: Annotated[str, typer.Argument(help="The memo text (empty to clear).")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write the memo on one of your codings."""
    from coder.services.coding import set_coding_memo

    with workspace(db, coder, project) as ws:
        set_coding_memo(ws, unit, code_name, text)
        typer.echo(f"memo saved on {code_name!r} at {unit}")


@code_app.command("create")
def code_create(
    name: str,
    definition: Annotated[str, typer.Option(help="What the code captures.")] = "",
    parent: Annotated[str | None, typer.Option(help="Parent code.")] = None,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Create a code in the project codebook."""
    from coder.core.model import Code
    from coder.services.codes import create_code

    with workspace(db, coder, project) as ws:
        create_code(ws, Code(name=name, definition=definition, parent=parent))
        typer.echo(f"created code {name!r}")


@code_app.command("rename")
def code_rename(
    old: str, new: str, db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None
) -> None:
    """Rename a code (its codings follow)."""
    from coder.services.codes import rename_code

    with workspace(db, coder, project) as ws:
        rename_code(ws, old, new)
        typer.echo(f"renamed {old!r} to {new!r}")


@code_app.command("merge")
def code_merge(
    source: str, target: str, db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None
) -> None:
    """Merge one code into another: codings follow, the old code is recorded as merged."""
    from coder.services.codes import merge_codes

    with workspace(db, coder, project) as ws:
        moved = merge_codes(ws, source, target)
        typer.echo(f"merged {source!r} into {target!r} ({moved} codings moved)")


@code_app.command("retire")
def code_retire(
    name: str, db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None
) -> None:
    """Retire a code: it leaves the active codebook; its codings stay."""
    from coder.services.codes import retire_code

    with workspace(db, coder, project) as ws:
        kept = retire_code(ws, name)
        typer.echo(f"retired {name!r} ({kept} codings kept)")


@app.command()
def codes(
    db: DbOpt = None,
    as_json: JsonOpt = False,
    all_: Annotated[bool, typer.Option("--all", help="Include retired and merged codes.")] = False,
    project: ProjectOpt = None,
) -> None:
    """List codes with how often they are used."""
    from coder.services.listing import quick_code_counts

    # A project file at the newest schema is read with sqlite3 alone (no SQLAlchemy
    # import); anything else, errors included, takes the ordinary path.
    listing = quick_code_counts(db, project, all_)
    if listing is None:
        from coder.services.codes import code_counts

        with workspace(db, None, project) as ws:
            counts = code_counts(ws, include_inactive=all_)
        listing = [
            {"name": c.code.name, "parent": c.code.parent, "status": c.code.status.value,
             "codings": c.codings, "segments": c.segments, "documents": c.documents}
            for c in counts
        ]  # fmt: skip
    from coder.launch import codes_lines

    for line in codes_lines(listing, as_json):
        typer.echo(line)


@app.command()
def autocode(
    code_name: Annotated[str, typer.Argument(metavar="CODE_NAME")],
    query: Annotated[
        str,
        typer.Option(
            "--query", help='Words, a "quoted phrase", or a regular expression with --regex.'
        ),
    ],
    regex: Annotated[
        bool, typer.Option("--regex", help="Treat the query as a regular expression.")
    ] = False,
    fuzzy: Annotated[
        bool, typer.Option("--fuzzy", help="Let words match with small typos.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the hits; change nothing.")
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Search all segments and apply a code to every hit."""
    from coder.services.batch import BatchItem, apply_batch
    from coder.services.coding import check_code
    from coder.services.search import search_segments

    with workspace(db, coder, project) as ws:
        check_code(ws, code_name)
        hits = search_segments(ws, query, regex=regex, fuzzy=fuzzy)
        for hit in hits:
            typer.echo(f"{hit.ref}  {hit.snippet}")
        if dry_run:
            typer.echo(f"{len(hits)} segments match; nothing changed (--dry-run)")
            return
        with bar(f"coding {code_name!r}") as tick:
            added = apply_batch(
                ws,
                [BatchItem(h.ref, code_name) for h in hits],
                "autocode",
                repr(code_name),
                progress=tick,
            ).added
        typer.echo(
            f"{len(hits):,} segments match; applied {code_name!r} to {added:,} new "
            "(one action: 'coder undo' takes it back)"
        )
