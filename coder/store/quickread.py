"""A quick read path for listing commands on an SQLite project: stdlib sqlite3 only.

``coder codes --json`` ran a 9 ms query after half a second of importing SQLAlchemy,
SQLModel and pydantic. For a project file already at the newest schema, this module
answers such listings with plain SQL on a read-only connection. Anything it is not sure
of (a URL, an older or newer schema, several projects, any sqlite error) returns None,
and the caller takes the ordinary path, which also words every error for the user.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from coder.store.schema_head import HEAD


def sqlite_file(db: str | None) -> Path | None:
    """The project file ``--db``/``$CODER_DB``/``coder.db`` names, if it is a plain file."""
    value = db or os.environ.get("CODER_DB") or "coder.db"
    if "://" in value:
        if not value.startswith("sqlite:///") or "?" in value:
            return None
        value = value.removeprefix("sqlite:///")
    path = Path(value).expanduser()
    return path if path.is_file() else None


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    conn.execute("PRAGMA query_only = ON")
    return conn


def _project_id(conn: sqlite3.Connection, name: str | None) -> int | None:
    if conn.execute("SELECT version_num FROM alembic_version").fetchone() != (HEAD,):
        return None
    projects = conn.execute("SELECT id, name FROM project ORDER BY id").fetchall()
    if name is None:
        return projects[0][0] if len(projects) == 1 else None
    return next((pid for pid, pname in projects if pname == name), None)


def code_counts(
    db: str | None, project: str | None, include_inactive: bool
) -> list[dict[str, Any]] | None:
    """The codebook with counts, as ``coder codes --json`` prints it, or None."""
    path = sqlite_file(db)
    if path is None:
        return None
    try:
        conn = _connect(path)
        try:
            pid = _project_id(conn, project)
            if pid is None:
                return None
            rows = conn.execute(
                "SELECT id, name, parent_id, status FROM code WHERE project_id = ? "
                'ORDER BY "order", id',
                (pid,),
            ).fetchall()
            counts = {
                code_id: (n, segments, documents)
                for code_id, n, segments, documents in conn.execute(
                    "SELECT g.code_id, count(g.id), count(DISTINCT g.segment_id), "
                    "count(DISTINCT s.document_id) FROM coding g "
                    "JOIN segment s ON s.id = g.segment_id WHERE g.project_id = ? "
                    "GROUP BY g.code_id",
                    (pid,),
                )
            }
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    names = {code_id: name for code_id, name, _p, _s in rows}
    out = []
    for code_id, name, parent_id, status in rows:
        if not include_inactive and status != "active":
            continue
        n, segments, documents = counts.get(code_id, (0, 0, 0))
        out.append(
            {"name": name, "parent": names.get(parent_id) if parent_id else None,
             "status": status, "codings": n, "segments": segments, "documents": documents}
        )  # fmt: skip
    return out
