"""Memo commands: write and read memos and the reflexive journal."""

from __future__ import annotations

from typing import Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, ProjectOpt, workspace

memo_app = typer.Typer(help="Write and read memos and the reflexive journal.", no_args_is_help=True)


@memo_app.command("add")
def memo_add(
    text: str,
    on: Annotated[str, typer.Option(help="project, document, code, theme or coding.")] = "project",
    target: Annotated[
        str | None, typer.Option(help="Key, name or id of what the memo is about.")
    ] = None,
    kind: Annotated[
        str, typer.Option(help="journal, note, familiarisation or discussion.")
    ] = "journal",
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Add a memo (by default an entry in the reflexive journal)."""
    from coder.services.notes import add_memo

    with workspace(db, coder, project) as ws:
        add_memo(ws, text, on, target, kind)
        typer.echo("memo saved")


@memo_app.command("list")
def memo_list(
    kind: Annotated[str | None, typer.Option(help="Only memos of this kind.")] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """List memos, newest first."""
    from coder.services.notes import list_memos

    with workspace(db, None, project) as ws:
        for m in list_memos(ws, kind=kind):
            typer.echo(
                f"{m.created_at[:16]}  {m.coder}  {m.kind} on {m.target_type}{' ' + (m.label or m.target) if m.target else ''}: {m.text}"
            )
