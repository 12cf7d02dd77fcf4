"""The command line: a thin layer over the services.

Each command parses its options, calls one service and prints. User mistakes (bad input,
unknown names, unreachable databases) print one line on stderr and exit 2; nothing here
lets a traceback reach the user for them. Heavy modules are imported inside commands so
``coder --help`` stays quick. A bare ``coder`` opens the TUI.

One module per command group, each a Typer sub-app: top-level commands sit in an unnamed
sub-app (merged into the root), groups such as ``coder code ...`` in a named one. The order
of registration below is the order ``coder --help`` lists them in.
"""

from __future__ import annotations

from typing import Annotated

import typer

from coder import __version__
from coder.cli import (
    attributes,
    audit,
    codebook,
    coding,
    database,
    documents,
    export,
    memo,
    project,
    query,
    screening,
    theme,
    two_coders,
)
from coder.cli.common import CoderOpt, DbOpt

app = typer.Typer(
    name="coder",
    help="A keyboard-driven workbench for reflexive thematic analysis of research abstracts.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
for commands in (project.app, documents.app, screening.app, coding.app, two_coders.app, audit.app):
    app.add_typer(commands)
app.add_typer(audit.audit_app, name="audit")
app.add_typer(coding.code_app, name="code")
app.add_typer(codebook.codebook_app, name="codebook")
app.add_typer(export.export_app, name="export")
app.add_typer(two_coders.compare_app, name="compare")
app.add_typer(theme.theme_app, name="theme")
app.add_typer(memo.memo_app, name="memo")
app.add_typer(screening.reasons_app, name="reasons")
app.add_typer(attributes.attributes_app, name="attributes")
app.add_typer(query.query_app, name="query")
app.add_typer(database.db_app, name="db")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"coder {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
) -> None:
    """A keyboard-driven workbench for reflexive thematic analysis. Without a command, opens the TUI."""
    if ctx.invoked_subcommand is None:
        project.tui(db=db, coder=coder)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
