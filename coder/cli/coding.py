"""Coding commands: apply and remove codes, manage codes, list them, autocode."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, JsonOpt, ProjectOpt, workspace

app = typer.Typer()
code_app = typer.Typer(
    help="Apply codes to segments and remove them (scriptable coding).", no_args_is_help=True
)


@code_app.command("apply")
def code_apply(
    unit: Annotated[
        str,
        typer.Argument(
            metavar="DOC_KEY[:SEGMENT]",
            help="Document key, optionally with a segment number (from 1).",
        ),
    ],
    code_name: Annotated[str, typer.Argument(metavar="CODE_NAME")],
    memo: Annotated[str | None, typer.Option(help="A memo on this coding.")] = None,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Apply a code to a segment or a whole document."""
    from coder.services.coding import apply_code

    with workspace(db, coder, project) as ws:
        added = apply_code(ws, unit, code_name, memo)
        typer.echo(
            f"applied {code_name!r} to {unit}"
            if added
            else f"{code_name!r} was already applied to {unit}"
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
    from coder.services.codes import code_counts

    with workspace(db, None, project) as ws:
        counts = code_counts(ws, include_inactive=all_)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {"name": c.code.name, "parent": c.code.parent, "status": c.code.status.value,
                     "codings": c.codings, "segments": c.segments, "documents": c.documents}
                    for c in counts
                ],
                ensure_ascii=False,
                indent=2,
            )
        )  # fmt: skip
        return
    from coder.core.code_tree import tree_order

    for c, depth in tree_order(counts, lambda c: c.code.name, lambda c: c.code.parent):
        status = "" if c.code.status == "active" else f"  [{c.code.status}]"
        typer.echo(
            f"{'  ' * depth}{c.code.name:<40} {c.codings:>5} codings {c.documents:>4} docs{status}"
        )


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
    from coder.services.coding import apply_code_many, check_code
    from coder.services.search import search_segments

    with workspace(db, coder, project) as ws:
        check_code(ws, code_name)
        hits = search_segments(ws, query, regex=regex, fuzzy=fuzzy)
        for hit in hits:
            typer.echo(f"{hit.ref}  {hit.snippet}")
        if dry_run:
            typer.echo(f"{len(hits)} segments match; nothing changed (--dry-run)")
            return
        added = apply_code_many(ws, [h.ref for h in hits], code_name)
        typer.echo(f"{len(hits)} segments match; applied {code_name!r} to {added} new")
