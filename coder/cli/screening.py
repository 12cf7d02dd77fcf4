"""Setting records aside in familiarisation: the project's reasons, exclude and include."""

from __future__ import annotations

from typing import Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, ProjectOpt, fail, workspace

app = typer.Typer()
reasons_app = typer.Typer(
    help="The project's short list of reasons for setting records aside.",
    invoke_without_command=True,
)

ReasonOpt = Annotated[
    str | None, typer.Option("--reason", help="One of the project's reasons ('coder reasons').")
]
NoteOpt = Annotated[str, typer.Option("--note", help="Why, in your own words.")]


@reasons_app.callback()
def reasons_list(ctx: typer.Context, db: DbOpt = None, project: ProjectOpt = None) -> None:
    """List the reasons (add and remove them with 'coder reasons add|remove TEXT')."""
    from coder.services.screening import reasons

    if ctx.invoked_subcommand is not None:
        return
    with workspace(db, None, project) as ws:
        names = reasons(ws)
    for name in names:
        typer.echo(name)
    if not names:
        typer.echo("no reasons yet: add one with 'coder reasons add TEXT'", err=True)


@reasons_app.command("add")
def reasons_add(
    text: Annotated[str, typer.Argument(help="The reason, e.g. 'not about peer support'.")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Add a reason to the project's list."""
    from coder.services.screening import add_reason

    with workspace(db, coder, project) as ws:
        add_reason(ws, text)
    typer.echo(f"added reason {' '.join(text.split())!r}")


@reasons_app.command("remove")
def reasons_remove(
    text: Annotated[str, typer.Argument(help="The reason to take off the list.")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Take a reason off the list (refused while documents are excluded for it)."""
    from coder.services.screening import remove_reason

    with workspace(db, coder, project) as ws:
        remove_reason(ws, text)
    typer.echo(f"removed reason {text!r}")


@app.command()
def exclude(
    keys: Annotated[
        list[str] | None, typer.Argument(help="Document keys to set aside.", show_default=False)
    ] = None,
    reason: ReasonOpt = None,
    note: NoteOpt = "",
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            help="Set aside every document whose title, text, key or authors contain this.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --search: list what would be set aside.")
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Set documents aside in familiarisation: out of the coding queue and the counts, still searchable."""
    from coder.services.screening import exclude as exclude_docs
    from coder.services.screening import exclude_matching

    if bool(keys) == bool(search):
        raise fail("name document keys or give --search TEXT (one of the two)")
    if dry_run and not search:
        raise fail("--dry-run goes with --search")
    with workspace(db, coder, project) as ws:
        if search:
            result = exclude_matching(ws, search, reason, note, dry_run=dry_run)
        else:
            result = exclude_docs(ws, keys or [], reason, note)
    if dry_run:
        for key in result.changed:
            typer.echo(key)
        typer.echo(f"would exclude {len(result.changed)} documents (nothing changed)", err=True)
        return
    typer.echo(result.line("excluded"))


@app.command()
def include(
    keys: Annotated[
        list[str], typer.Argument(help="Document keys to bring back.", show_default=False)
    ],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Bring documents set aside back into the analysis."""
    from coder.services.screening import include as include_docs

    with workspace(db, coder, project) as ws:
        result = include_docs(ws, keys)
    typer.echo(result.line("included"))
