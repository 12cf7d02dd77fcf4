"""What every command group shares: option types, the one-line error path, opening the
project, writing output and progress."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from coder.services.workspace import Workspace


DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Project database: a file path (SQLite) or a URL (postgresql+psycopg://...). Default: $CODER_DB, else ./coder.db.",
    ),
]
CoderOpt = Annotated[
    str | None,
    typer.Option("--coder", help="Who is coding. Default: $CODER_NAME, else the login name."),
]
ProjectOpt = Annotated[
    str | None, typer.Option("--project", help="Project name, when the database holds several.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

OutputOpt = Annotated[
    str | None,
    typer.Option(
        "-o", "--output", help="File to write; '-' or none for stdout (text formats only)."
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite the -o file if it exists.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show the changes; change nothing.")]
DiagramFormatOpt = Annotated[
    str, typer.Option("--format", help="mermaid, dot, or svg (needs Graphviz).")
]


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"coder: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every error that is the user's to fix into one line and a non-zero exit."""
    from coder.services.errors import Conflict, FormatError, ServiceError, StoreError

    try:
        yield
    except ServiceError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except (StoreError, FormatError, Conflict) as exc:
        raise fail(str(exc)) from None


@contextmanager
def workspace(db: str | None, coder: str | None, project: str | None = None) -> Iterator[Workspace]:
    from coder.services.workspace import Workspace

    with user_errors():
        ws = Workspace.open(db, coder, project)
        ws.db.on_wait = waiting()
        try:
            yield ws
        finally:
            ws.close()


def waiting():
    """What a writer says while another holds the project: on a terminal one line kept
    up to date, piped a line every ten seconds (a log shows why the script paused)."""
    tty = sys.stderr.isatty()
    said: list[int] = []

    def say(message: str) -> None:
        seconds = int(message.rsplit(": ", 1)[-1].split()[0] or 0)
        if tty:
            sys.stderr.write(f"\r\033[Kcoder: {message}")
            sys.stderr.flush()
        elif not said or seconds - said[-1] >= 10:
            typer.echo(f"coder: {message}", err=True)
            said.append(seconds)

    return say


@contextmanager
def maybe_workspace(
    needed: bool, db: str | None, project: str | None
) -> Iterator[Workspace | None]:
    """The project when a command needs it (a coder:NAME side), else nothing to open."""
    if needed:
        with workspace(db, None, project) as ws:
            yield ws
        return
    with user_errors():
        yield None


@contextmanager
def progress(label: str) -> Iterator:
    """A progress bar on stderr for long imports (only on a terminal): files done of
    the files found, and the records read. Yields ``(per records, per file)``."""
    if not sys.stderr.isatty():
        yield (lambda n: None, lambda done, total, name: None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        state = {"records": 0, "name": ""}

        def describe() -> str:
            return f"{label} {state['name']}: {state['records']} records".strip()

        def records(n: int) -> None:
            state["records"] = n
            bar.update(task, description=describe())

        def per_file(done: int, total: int, name: str) -> None:
            state["name"] = name
            bar.update(task, completed=done, total=total, description=describe())

        yield (records, per_file)


@contextmanager
def bar(label: str) -> Iterator:
    """A progress bar with counts and time left on stderr, only on a terminal: piped
    output gets nothing extra. Yields ``tick(done, total)``."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as shown:
        task = shown.add_task(label, total=None)
        yield lambda done, total: shown.update(task, completed=done, total=total)


def stream_output(write, output: str | None, force: bool = False) -> None:
    """Run ``write(binary file)`` into stdout, or into a temporary file renamed at the
    end (never half-written; mode from the umask): the export is never held whole."""
    import os
    import tempfile

    if output in (None, "-"):
        write(sys.stdout.buffer)
        sys.stdout.flush()
        return
    check_output(output, force)
    target = Path(output)
    if not target.parent.exists():
        raise fail(f"cannot write {target}: folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise fail(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    typer.echo(f"wrote {target}", err=True)


def check_output(output: str | None, force: bool) -> None:
    """Refuse, before any work is done, to replace an existing file unless --force: an
    export overwriting last week's table without a word is a lost file."""
    if output in (None, "-") or force:
        return
    target = Path(output)
    if target.exists():
        raise fail(f"{target} exists: add --force to overwrite it")


def file_mode() -> int:
    """The mode a new file gets from open() under this process's umask (mkstemp would
    make it 0600 whatever the umask, hiding exports from the rest of a team)."""
    import os

    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_output(
    data: bytes, output: str | None, binary: bool = False, force: bool = False
) -> None:
    """Write to stdout (text only) or atomically to a file (temp file, then rename); an
    existing file is replaced only with ``force``, and the new file's mode follows the umask."""
    if binary and output in (None, "-"):
        raise fail("this format is binary: write it to a file with -o FILE")
    stream_output(lambda out: out.write(data), output, force)
