"""Theme commands: create themes, assign codes, list them."""

from __future__ import annotations

from typing import Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, ProjectOpt, workspace

theme_app = typer.Typer(help="Create themes and assign codes to them.", no_args_is_help=True)


@theme_app.command("create")
def theme_create(
    name: str,
    definition: Annotated[str, typer.Option(help="The theme's central organising concept.")] = "",
    parent: Annotated[str | None, typer.Option(help="Parent theme (makes a sub-theme).")] = None,
    codes_: Annotated[
        list[str] | None, typer.Option("--code", help="A code to put in the theme (repeatable).")
    ] = None,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Create a candidate theme."""
    from coder.services.themes import create_theme

    with workspace(db, coder, project) as ws:
        create_theme(ws, name, definition, parent, codes_ or [])
        typer.echo(f"created theme {name!r}")


@theme_app.command("assign")
def theme_assign(
    theme: str,
    codes_: Annotated[list[str], typer.Argument(metavar="CODE...")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Put codes into a theme (a code may sit in several themes)."""
    from coder.services.themes import assign_codes

    with workspace(db, coder, project) as ws:
        added = assign_codes(ws, theme, codes_)
        typer.echo(f"{added} codes added to {theme!r}")


@theme_app.command("list")
def theme_list(db: DbOpt = None, project: ProjectOpt = None) -> None:
    """List themes with their codes."""
    from coder.services.themes import list_themes

    with workspace(db, None, project) as ws:
        for t in list_themes(ws):
            indent = "  " if t.parent else ""
            typer.echo(f"{indent}{t.name} [{t.status.value}]: {', '.join(t.codes) or '(no codes)'}")
