"""Project commands: create one, open the TUI, build the demo."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, ProjectOpt, fail, user_errors

app = typer.Typer()


@app.command()
def init(
    db: DbOpt = None,
    name: Annotated[str | None, typer.Option(help="Project name.")] = None,
    coder: CoderOpt = None,
) -> None:
    """Create a new project database."""
    from coder.services.workspace import Workspace

    with user_errors():
        ws = Workspace.init(db, name, coder)
        typer.echo(f"created project {ws.project.name!r} in {ws.db.label}")
        ws.close()


@app.command()
def tui(db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None) -> None:
    """Open the terminal user interface on the project."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise fail("the workbench needs a terminal; in scripts use the commands (coder --help)")
    # The app paints before the store is imported and opens the project in a thread; a
    # project that cannot be opened ends it, and its error is this command's one line.
    from coder.tui.app import open_and_run

    error = open_and_run(db, coder, project)
    if error is not None:
        with user_errors():
            raise error


@app.command()
def demo(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Where to build the demo project (default: coder-demo.db)."),
    ] = None,
    coder: CoderOpt = None,
    no_tui: Annotated[
        bool, typer.Option("--no-tui", help="Build and summarise only; do not open the TUI.")
    ] = False,
) -> None:
    """Build the demo project (seeds + peer-support codebook) in a fresh file and open it."""
    from coder.services.demo import build_demo

    with user_errors():
        ws, lines = build_demo(db or "coder-demo.db", coder)
    for line in lines:
        typer.echo(line)
    try:
        if not no_tui and sys.stdin.isatty() and sys.stdout.isatty():
            from coder.tui.app import run_app

            run_app(ws)
    finally:
        ws.close()
