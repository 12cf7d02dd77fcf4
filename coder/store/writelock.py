"""The project's write lock: wait for it, saying who holds it, rather than fail.

One writer at a time changes a project (SQLite allows one writer per file; on PostgreSQL
every write locks the project row first). A writer that finds the lock taken used to
fail after SQLite's 10 s busy timeout ("database is locked"). Now it asks for the lock in
short tries and, between them, reports who holds it ("waiting for alice's import: 12 s"),
for as long as ``CODER_LOCK_WAIT`` seconds (an hour by default).

Who holds it: the holder announces itself once it has the lock, in a small note file
beside an SQLite project (``NAME.writer``, removed when the write ends) or in its
PostgreSQL session's application_name (reset when its transaction ends).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from coder.store.engine import StoreError, sqlite_path
from coder.store.tables import Project

TRY_SECONDS = 1.0
DEFAULT_WAIT = 3600.0
BUSY_MS = 10000  # the busy timeout every SQLite connection normally has (engine.py)
APP_PREFIX = "coder writer:"

OnWait = Callable[[str], None]


class Busy(StoreError):
    """Another writer held the project for the whole wait: nothing was saved. A caller
    that can wait longer without freezing anyone (the TUI's write worker) tries again."""


def max_wait() -> float:
    try:
        return float(os.environ.get("CODER_LOCK_WAIT", DEFAULT_WAIT))
    except ValueError:
        return DEFAULT_WAIT


def _is_lock_wait(exc: OperationalError) -> bool:
    reason = str(exc.orig).lower()
    return (
        "database is locked" in reason
        or "lock timeout" in reason
        or "locknotavailable" in (type(exc.orig).__name__.lower())
    )


def take(
    session: Session,
    project_id: int,
    url: str,
    on_wait: OnWait | None,
    limit: float | None = None,
) -> None:
    """Lock the project for this transaction, waiting as long as it takes (up to
    ``limit`` seconds, else ``CODER_LOCK_WAIT``) and calling ``on_wait`` about once a
    second while waiting. Gives up with a StoreError saying nothing was saved."""
    started = time.monotonic()
    limit = max_wait() if limit is None else limit
    sqlite = sqlite_path(url) is not None or url.startswith("sqlite")
    while True:
        short = f"PRAGMA busy_timeout={int(TRY_SECONDS * 1000)}"
        session.execute(
            text(short)
            if sqlite
            else text(f"SET LOCAL lock_timeout = '{int(TRY_SECONDS * 1000)}ms'")
        )
        try:
            session.execute(
                update(Project).where(Project.id == project_id).values(last_seq=Project.last_seq)
            )
        except OperationalError as exc:
            if not _is_lock_wait(exc):
                raise
            session.rollback()
            waited = time.monotonic() - started
            who = holder(session, url)
            if waited >= limit:
                raise Busy(
                    f"not saved: {who} holds the project (waited {int(waited)} s); "
                    "nothing was changed, try again when it has finished"
                ) from exc
            if on_wait is not None:
                on_wait(f"waiting for {who}: {int(waited)} s")
            continue
        if sqlite:
            session.execute(text(f"PRAGMA busy_timeout={BUSY_MS}"))
        else:
            session.execute(text("SET LOCAL lock_timeout = 0"))
        return


def _note_path(url: str) -> Path | None:
    path = sqlite_path(url)
    return path.with_name(path.name + ".writer") if path is not None else None


def announce(session: Session, url: str, coder: str, action: str) -> Callable[[], None]:
    """Say who holds the lock (call right after ``take``); returns the call that clears it."""
    path = _note_path(url)
    if path is None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                text("SELECT set_config('application_name', :name, true)"),
                {"name": f"{APP_PREFIX}{coder}|{action}"[:63]},
            )
        return lambda: None
    note = {"coder": coder, "action": action, "pid": os.getpid(), "since": time.time()}
    try:
        tmp = path.with_name(path.name + f".{os.getpid()}")
        tmp.write_text(json.dumps(note), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return lambda: None  # a read-only folder: waiting writers just say "another writer"

    def clear() -> None:
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
            if current.get("pid") == os.getpid() and current.get("since") == note["since"]:
                path.unlink()
        except (OSError, ValueError):
            pass

    return clear


def holder(session: Session, url: str) -> str:
    """Who holds the lock ("alice's import"), as far as it can be known."""
    path = _note_path(url)
    if path is not None:
        try:
            note = json.loads(path.read_text(encoding="utf-8"))
            if _alive(int(note["pid"])):
                return f"{note['coder']}'s {note['action']}"
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return "another writer"
    try:
        names = session.execute(
            text(
                "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE :p "
                "AND pid <> pg_backend_pid() AND datname = current_database()"
            ),
            {"p": APP_PREFIX + "%"},
        ).scalars()
        for name in names:
            coder, _, action = name[len(APP_PREFIX) :].partition("|")
            return f"{coder}'s {action or 'change'}"
    except OperationalError:
        pass
    finally:
        session.rollback()
    return "another writer"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
