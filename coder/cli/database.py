"""Database commands: what a database holds, and copying all of it to another."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated

import typer

from coder.cli.common import DbOpt, JsonOpt, user_errors

db_app = typer.Typer(
    help="Whole databases: what one holds, and copying it to another (SQLite <-> PostgreSQL).",
    no_args_is_help=True,
)


def _size(n: int | None) -> str:
    if n is None:
        return "unknown"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@db_app.command("info")
def info(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Show the projects a database holds, their sizes, the schema revision and each
    project's audit head (sequence and hash)."""
    from coder.services.databases import database_info

    with user_errors():
        found = database_info(db)
    if as_json:
        typer.echo(json.dumps(asdict(found), ensure_ascii=False, indent=2))
        return
    typer.echo(f"database  {found.label} ({found.backend})")
    typer.echo(f"schema    revision {found.revision}")
    typer.echo(f"size      {_size(found.size)}")
    typer.echo(f"projects  {len(found.projects)}")
    for p in found.projects:
        c = p.counts
        typer.echo(
            f"  {p.name}: {c['document']} documents, {c['segment']} segments, {c['code']} codes, "
            f"{c['theme']} themes, {c['coding']} codings, {c['memo']} memos, "
            f"{c['audit_event']} audit events"
        )
        typer.echo(f"    head #{p.head_seq} {p.head_hash}")


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """Rows copied per table, on a terminal only (a pipe gets the summary alone)."""
    if not sys.stderr.isatty():
        yield lambda _t, _d, _n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
    ) as bar:
        tasks: dict[str, object] = {}

        def report(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(f"copying {table}", total=total or 1)
            bar.update(tasks[table], completed=done if total else 1)  # type: ignore[arg-type]

        yield report


@db_app.command("copy")
def copy(
    source: Annotated[str, typer.Argument(help="Database to copy from: a file path or a URL.")],
    target: Annotated[str, typer.Argument(help="Database to copy into: a file path or a URL.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace whatever the target already holds.")
    ] = False,
) -> None:
    """Copy every project, with its whole audit trail, from SOURCE to TARGET and verify it
    there (the same head hash). The target must be empty unless --force."""
    from coder.services.databases import copy_database

    with user_errors(), _progress() as report:
        result = copy_database(source, target, force=force, progress=report)
    total = sum(result.rows.values())
    typer.echo(f"copied {total} rows from {result.source} to {result.target}")
    for project, check in zip(result.projects, result.verified, strict=True):
        typer.echo(f"  {project.name}: head #{project.head_seq} {project.head_hash[:16]}; {check}")
