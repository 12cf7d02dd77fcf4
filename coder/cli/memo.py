"""Memo commands: write and read memos and the reflexive journal."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, JsonOpt, ProjectOpt, user_errors, workspace

if TYPE_CHECKING:
    from coder.core.model import Memo

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
    phase: Annotated[
        int | None,
        typer.Option(help="The phase (1-6) you are in: kept with a journal entry."),
    ] = None,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Add a memo (by default an entry in the reflexive journal)."""
    from coder.services.notes import add_memo

    with workspace(db, coder, project) as ws:
        add_memo(ws, text, on, target, kind, phase)
        typer.echo("memo saved")


@memo_app.command("list")
def memo_list(
    kind: Annotated[
        str | None,
        typer.Option(help="Only this kind: journal, familiarisation, note, discussion, coding."),
    ] = None,
    on: Annotated[
        str | None, typer.Option(help="Only memos on a project, document, code, theme or coding.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Only this coder's memos.")] = None,
    phase: Annotated[
        int | None, typer.Option(help="Only memos of this phase (1-6; see docs/tui.md).")
    ] = None,
    search: Annotated[str, typer.Option(help="Only memos containing these words.")] = "",
    as_json: JsonOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """List memos and notes, newest first, coding memos included (the unit as key:N)."""
    from coder.core.phases import memo_phase
    from coder.services.notes import list_memos

    with workspace(db, None, project) as ws, user_errors():
        memos = list_memos(ws, kind=kind, target_type=on, coder=by, phase=phase, search=search)
    if as_json:
        rows = [
            {
                "kind": m.kind,
                "on": m.target_type,
                "target": m.label if m.target_type != "project" else None,
                "code": m.code,
                "coder": m.coder,
                "phase": memo_phase(m.kind, m.target_type, m.phase),
                "created_at": m.created_at,
                "updated_at": m.updated_at,
                "text": m.text,
            }
            for m in memos
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for m in memos:
        typer.echo(f"{m.created_at[:16]}  {m.coder}  {memo_place(m)}: {m.text}")


def memo_place(m: Memo) -> str:
    """What a memo is on, as the user names it: "coding gray2024:3 'us and them'"."""
    if m.kind == "coding":
        return f"coding memo on {m.label} {m.code!r}"
    from coder.core.phases import phase_label

    where = f" {m.label or m.target}" if m.target else ""
    place = f"{m.kind} on {m.target_type}{where}"
    return f"{place} ({phase_label(m.phase)})" if m.kind == "journal" else place
