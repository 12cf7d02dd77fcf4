"""Audit commands: read and check the trail; undo and redo."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, JsonOpt, ProjectOpt, fail, workspace

app = typer.Typer()
audit_app = typer.Typer(help="Read and check the audit trail.", no_args_is_help=True)


@audit_app.command("log")
def audit_log(
    db: DbOpt = None,
    as_json: JsonOpt = False,
    coder: Annotated[str | None, typer.Option("--coder", help="Only this coder's events.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many events.")] = None,
    project: ProjectOpt = None,
) -> None:
    """Print the audit trail, newest first."""
    from dataclasses import asdict

    from coder.services.history import log

    with workspace(db, None, project) as ws:
        events = log(ws, coder=coder, limit=limit)
    if as_json:
        typer.echo(json.dumps([asdict(e) for e in events], ensure_ascii=False, indent=2))
        return
    for e in events:
        typer.echo(
            f"#{e.seq:<5} {e.time[:19].replace('T', ' ')}  {e.coder:<12} {e.action:<16} {e.target}"
        )


@audit_app.command("verify")
def audit_verify(db: DbOpt = None, project: ProjectOpt = None) -> None:
    """Check the hash chain and that every audited row matches the trail."""
    from coder.services.history import verify
    from coder.services.merge import verify_merged_trails

    with workspace(db, None, project) as ws:
        result = verify(ws)
        kept = verify_merged_trails(ws) if result.ok else []
    if not result.ok:
        raise fail(f"audit check failed: {result.message}", 1)
    typer.echo(result.message)
    for check in kept:
        if not check.ok:
            raise fail(
                f"audit check failed: the trail merged at event #{check.seq} from {check.source}: {check.message}",
                1,
            )
        typer.echo(
            f"  merged trail from {check.source} (event #{check.seq}): {check.events} events intact"
        )


@app.command()
def undo(db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None) -> None:
    """Undo your last action (recorded as an event of its own)."""
    from coder.services.history import undo as undo_

    with workspace(db, coder, project) as ws:
        event = undo_(ws)
        typer.echo(f"undid #{event.seq} {event.action} {event.target}")


@app.command()
def redo(db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None) -> None:
    """Redo the action you last undid."""
    from coder.services.history import redo as redo_

    with workspace(db, coder, project) as ws:
        event = redo_(ws)
        typer.echo(f"redid #{event.seq} {event.action} {event.target}")
