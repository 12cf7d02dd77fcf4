"""The engine factory: a file path or a SQLAlchemy URL in, a ready engine out.

Nothing connects at import time. SQLite gets WAL, foreign keys and a busy timeout on every
connection; PostgreSQL goes through psycopg 3. Connection problems become StoreError with
one line a user can act on.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import DatabaseError as SADatabaseError


class StoreError(Exception):
    """A database problem the user can fix (bad URL, unreachable server, not a database)."""


class ConnectionLost(StoreError):
    """The database went away during an action. A write that raises this was not stored
    (its transaction rolled back); the next action connects afresh."""


def resolve_url(db: str | None) -> str:
    """``--db`` wins, then CODER_DB, then ``coder.db`` here. Paths become sqlite URLs."""
    value = db or os.environ.get("CODER_DB") or "coder.db"
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # A read-only file cannot switch to WAL: readers still work, writers get a clear error.
    with contextlib.suppress(sqlite3.OperationalError):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine and check that it connects."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database path or URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            if path.is_dir():
                raise StoreError(f"{path} is a folder, not a database file")
            if not path.parent.exists():
                raise StoreError(f"cannot create {path}: folder {path.parent} does not exist")
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    elif backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    else:
        raise StoreError(
            f"unsupported database {backend!r} in {describe(url)}: use a file path or postgresql://"
        )
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, SADatabaseError) as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if backend == "sqlite" and "not a database" in reason:
            raise StoreError(
                f"{sqlite_path(url)} is not a coder project (not an SQLite database)"
            ) from exc
        raise StoreError(f"cannot open {describe(url)}: {explain(reason)}") from exc
    return engine


def explain(reason: str) -> str:
    """A driver's connection message in words a user can act on (the driver's own words
    stay in brackets where they add something)."""
    low = reason.lower()
    if "connection refused" in low or "could not connect" in low or "timeout expired" in low:
        return "no database server answers there (is it running, and is the host:port right?)"
    if "password authentication failed" in low:
        return "the server refused the password (check the user and password in the URL)"
    if "does not exist" in low and "database" in low:
        name = reason.split('database "', 1)[-1].split('"', 1)[0]
        return f'the server has no database "{name}" (create it first, e.g. createdb {name})'
    if "role" in low and "does not exist" in low:
        name = reason.split('role "', 1)[-1].split('"', 1)[0]
        return f'the server has no user "{name}" (create the role first)'
    if "terminating connection" in low or "server closed the connection" in low:
        return "the connection to the database server was lost"
    if "connection failed:" in low:
        return reason.split("connection failed:", 1)[1].strip()
    return reason
