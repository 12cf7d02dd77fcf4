"""The change feed: the audit sequence says what changed, and PostgreSQL says when.

Every audited write bumps ``project.last_seq`` and appends an event, so "what changed
since N" is a range read of ``audit_event`` and "did anything change" is one row. On
PostgreSQL a write also sends ``NOTIFY`` in its transaction (delivered only on commit), so
a waiting workbench wakes at once; on SQLite the waiter polls ``last_seq``, which is one
indexed row and cheap enough for a few times a second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from coder.store.tables import AuditEventRow, Project

POLL_SECONDS = 0.25


def channel(project_id: int) -> str:
    return f"coder_project_{project_id}"


def notify(session: Session, project_id: int, seq: int) -> None:
    """Tell listeners (on commit) that the project reached ``seq``. PostgreSQL only."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :seq)"),
            {"channel": channel(project_id), "seq": str(seq)},
        )


def head_seq(session: Session, project_id: int) -> int:
    seq = session.exec(select(Project.last_seq).where(Project.id == project_id)).first()
    return int(seq or 0)


@dataclass(frozen=True)
class EventSummary:
    seq: int
    coder: str
    action: str
    target: str
    tables: frozenset[str]  # tables whose rows the event changed; "*" when it cannot tell
    rows: frozenset[str]  # "table:id" keys


def _keys(before: str, after: str) -> tuple[set[str], bool]:
    keys: set[str] = set()
    digest = False
    for raw in (before, after):
        try:
            data: Any = json.loads(raw) if raw else {}
        except ValueError:
            continue
        if isinstance(data, dict):
            rows = data.get("rows")
            if isinstance(rows, dict):
                keys.update(str(k) for k in rows)
            info = data.get("info")
            if isinstance(info, dict) and info.get("digest"):
                digest = True
    return keys, digest


def events_since(
    session: Session, project_id: int, seq: int, limit: int = 1000
) -> Iterator[EventSummary]:
    rows = session.exec(
        select(AuditEventRow)
        .where(AuditEventRow.project_id == project_id, AuditEventRow.seq > seq)
        .order_by(AuditEventRow.seq)
        .limit(limit)
    )
    for row in rows:
        keys, digest = _keys(row.before, row.after)
        tables = {k.partition(":")[0] for k in keys}
        if digest:
            tables |= {"document", "segment"}
        yield EventSummary(
            row.seq,
            row.coder,
            row.action,
            row.target,
            frozenset(tables or {"*"}),
            frozenset(keys),
        )


class Waiter:
    """Blocks until the project's head passes a sequence number, or a timeout passes.

    PostgreSQL: a dedicated autocommit connection LISTENs on the project's channel.
    SQLite (or when listening fails): polls ``last_seq``. Run it in a worker thread."""

    def __init__(self, engine: Engine, project_id: int) -> None:
        self.engine = engine
        self.project_id = project_id
        self._listener: Any = None
        if engine.dialect.name == "postgresql":
            self._listener = self._listen()

    def _listen(self) -> Any:
        import psycopg

        url = self.engine.url
        try:
            conn = psycopg.connect(
                url.set(drivername="postgresql").render_as_string(hide_password=False),
                autocommit=True,
                connect_timeout=5,
            )
            conn.execute(f'LISTEN "{channel(self.project_id)}"')
        except psycopg.Error:
            return None
        return conn

    def head(self) -> int:
        with Session(self.engine) as session:
            return head_seq(session, self.project_id)

    def wait(self, seq: int, timeout: float) -> int:
        """The head once it is past ``seq``, or the head when ``timeout`` runs out."""
        deadline = time.monotonic() + timeout
        current = self.head()
        while current <= seq:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if self._listener is not None:
                try:
                    for _note in self._listener.notifies(timeout=left, stop_after=1):
                        break
                except Exception:  # the listening connection broke: fall back to polling
                    self.close()
            else:
                time.sleep(min(POLL_SECONDS, left))
            current = self.head()
        return current

    def close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None


def later_change(
    session: Session, project_id: int, key: str, after_seq: int, other_than: str | None = None
) -> AuditEventRow | None:
    """The newest event after ``after_seq`` that changed row ``key`` ("code:12"), by a
    coder other than ``other_than`` when given. Only events after a recent sequence are
    scanned, so the text match stays cheap."""
    pattern = f'%"{key}"%'
    query = (
        select(AuditEventRow)
        .where(
            AuditEventRow.project_id == project_id,
            AuditEventRow.seq > after_seq,
            (AuditEventRow.after.like(pattern)) | (AuditEventRow.before.like(pattern)),
        )
        .order_by(AuditEventRow.seq.desc())
    )
    for event in session.exec(query):
        keys, _digest = _keys(event.before, event.after)
        if key in keys and (other_than is None or event.coder != other_than):
            return event
    return None
