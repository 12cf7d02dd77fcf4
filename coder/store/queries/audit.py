"""The audit trail: paged events, per-coder history, batched scans, counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, true
from sqlmodel import Session, col, select

from coder.core.model import (
    AuditEvent,
)
from coder.store.queries.convert import to_event
from coder.store.queries.keyset import sparse
from coder.store.tables import (
    AuditEventRow,
)


def _filtered(query: Any, coder: str | None, action: str | None, target: str | None) -> Any:
    """The audit view's filters (who, what, on what), the same for rows, keys and counts."""
    if coder:
        query = query.where(AuditEventRow.coder == coder)
    if action:
        query = query.where(AuditEventRow.action == action)
    if target:
        query = query.where(func.lower(AuditEventRow.target).like(f"%{target.lower()}%"))
    return query


def _beyond(after_seq: int | None, newest_first: bool) -> Any:
    """Events past the cursor ``after_seq`` in the list's direction (seq is unique in a
    project, so it is the whole keyset cursor)."""
    if after_seq is None:
        return true()
    return AuditEventRow.seq < after_seq if newest_first else AuditEventRow.seq > after_seq


def audit_events(
    session: Session,
    project_id: int,
    coder: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int | None = None,
    after_seq: int | None = None,
    newest_first: bool = True,
) -> list[AuditEvent]:
    """Events matching the filters, newest first (or oldest), after the cursor
    ``after_seq``: the seq of the previous page's last event (None: the first page)."""
    query = _filtered(select(AuditEventRow), coder, action, target).where(
        AuditEventRow.project_id == project_id, _beyond(after_seq, newest_first)
    )
    order = col(AuditEventRow.seq).desc() if newest_first else col(AuditEventRow.seq)
    query = query.order_by(order)
    if limit is not None:
        query = query.limit(limit)
    return [to_event(r) for r in session.exec(query)]


def audit_seqs(
    session: Session,
    project_id: int,
    after_seq: int | None,
    limit: int,
    coder: str | None = None,
    action: str | None = None,
    target: str | None = None,
    newest_first: bool = True,
    every: int = 1,
    phase: int = 0,
) -> list[tuple[int, int]]:
    """(n, seq) of the n-th matching events after ``after_seq``, up to the ``limit``-th
    (with ``every``: as ``keyset.sparse`` keeps them): how a page far down the trail is
    found without reading the events before it."""
    query = _filtered(select(AuditEventRow.seq), coder, action, target).where(
        AuditEventRow.project_id == project_id, _beyond(after_seq, newest_first)
    )
    order = col(AuditEventRow.seq).desc() if newest_first else col(AuditEventRow.seq)
    rows = session.exec(sparse(query.order_by(order), limit, newest_first, every, phase)).all()
    return [(n, seq) for n, seq in rows]


def last_seq(session: Session, project_id: int) -> int:
    """The newest event's seq (0 for none): every change appends one, so a list whose
    remembered page cursors were read at another seq must read them afresh."""
    value = session.exec(
        select(func.max(AuditEventRow.seq)).where(AuditEventRow.project_id == project_id)
    ).one()
    return value or 0


def audit_event(session: Session, project_id: int, seq: int) -> AuditEvent | None:
    row = session.exec(
        select(AuditEventRow).where(
            AuditEventRow.project_id == project_id, AuditEventRow.seq == seq
        )
    ).first()
    return to_event(row) if row else None


def coder_history(session: Session, project_id: int, coder: str) -> list[tuple[int, str, str]]:
    """(seq, action, target) of one coder's events, oldest first: what undo/redo replay."""
    return [
        (r[0], r[1], r[2])
        for r in session.exec(
            select(AuditEventRow.seq, AuditEventRow.action, AuditEventRow.target)
            .where(AuditEventRow.project_id == project_id, AuditEventRow.coder == coder)
            .order_by(AuditEventRow.seq)
        )
    ]


def event_heads(
    session: Session, project_id: int, batch: int = 5000
) -> Iterator[tuple[int, str, str, str, str]]:
    """(seq, time, coder, action, target) of every event, oldest first, paged by seq
    (keyset); the row images (before/after) stay in the database."""
    last = 0
    while True:
        rows = session.exec(
            select(
                AuditEventRow.seq,
                AuditEventRow.time,
                AuditEventRow.coder,
                AuditEventRow.action,
                AuditEventRow.target,
            )
            .where(AuditEventRow.project_id == project_id, AuditEventRow.seq > last)
            .order_by(AuditEventRow.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from ((r[0], r[1], r[2], r[3], r[4]) for r in rows)
        last = rows[-1][0]


def iter_audit_times(
    session: Session, project_id: int, batch: int = 5000
) -> Iterator[tuple[str, str, str, str]]:
    """(time, coder, action, target) of every audit event, oldest first, in batches."""
    for _seq, time, coder, action, target in event_heads(session, project_id, batch):
        yield time, coder, action, target


def audit_actions(session: Session, project_id: int) -> list[str]:
    """The distinct actions in the trail, for the audit view's filter."""
    return list(
        session.exec(
            select(AuditEventRow.action)
            .where(AuditEventRow.project_id == project_id)
            .distinct()
            .order_by(AuditEventRow.action)
        )
    )


def count_audit_events(
    session: Session,
    project_id: int,
    coder: str | None = None,
    action: str | None = None,
    target: str | None = None,
) -> int:
    query = select(func.count()).select_from(AuditEventRow)
    query = _filtered(query, coder, action, target).where(AuditEventRow.project_id == project_id)
    return session.exec(query).one()
