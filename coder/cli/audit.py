"""Audit commands: read and check the trail; undo and redo."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, JsonOpt, ProjectOpt, bar, fail, user_errors, workspace

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
def audit_verify(
    db: DbOpt = None,
    project: ProjectOpt = None,
    head: Annotated[
        str | None,
        typer.Option(
            "--head",
            metavar="SEQ:HASH",
            help="A head quoted earlier ('coder audit head'): prove the trail still ends there.",
        ),
    ] = None,
) -> None:
    """Check the hash chain, the coders and every audited row; print the trail's head."""
    from coder.services.history import parse_head, verify
    from coder.services.merge import verify_merged_trails

    with user_errors():
        anchor = parse_head(head) if head is not None else None
    with workspace(db, None, project) as ws:
        with bar("verifying the trail") as tick:
            result = verify(ws, anchor, progress=tick)
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
    if anchor is not None:
        typer.echo(f"the trail ends at the anchored head #{anchor.seq}: not cut, not extended")
    typer.echo(f"head {result.head}")


@audit_app.command("head")
def audit_head(db: DbOpt = None, project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Print the trail's head as SEQ:HASH, to quote outside the database (a methods appendix)."""
    from coder.services.history import head

    with workspace(db, None, project) as ws:
        value = head(ws)
    if as_json:
        typer.echo(json.dumps({"seq": value.seq, "hash": value.hash}))
    else:
        typer.echo(str(value))


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
