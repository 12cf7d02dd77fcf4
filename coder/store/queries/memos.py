"""Memos and the reflexive journal."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from coder.core.model import (
    Memo,
)
from coder.store.tables import (
    CoderRow,
    MemoRow,
)


def memos(
    session: Session,
    project_id: int,
    target_type: str | None = None,
    target_id: int | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[Memo]:
    query = (
        select(MemoRow, CoderRow.name)
        .join(CoderRow, CoderRow.id == MemoRow.coder_id)
        .where(MemoRow.project_id == project_id)
    )
    if target_type is not None:
        query = query.where(MemoRow.target_type == target_type)
    if target_id is not None:
        query = query.where(MemoRow.target_id == target_id)
    if kind is not None:
        query = query.where(MemoRow.kind == kind)
    query = query.order_by(col(MemoRow.created_at).desc(), col(MemoRow.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        Memo(
            m.id,
            m.target_type,
            str(m.target_id) if m.target_id else None,
            m.kind,
            m.text,
            name,
            m.created_at,
            m.updated_at,
        )
        for m, name in session.exec(query)
    ]


def memo_row(
    session: Session,
    project_id: int,
    coder_id: int,
    target_type: str,
    target_id: int | None,
    kind: str,
) -> MemoRow | None:
    return session.exec(
        select(MemoRow).where(
            MemoRow.project_id == project_id,
            MemoRow.coder_id == coder_id,
            MemoRow.target_type == target_type,
            MemoRow.target_id == target_id,
            MemoRow.kind == kind,
        )
    ).first()


def memo_counts(session: Session, project_id: int) -> dict[tuple[str, str], int]:
    """How many memos of each (target type, kind) the project holds."""
    return {
        (t, k): n
        for t, k, n in session.exec(
            select(MemoRow.target_type, MemoRow.kind, func.count())
            .where(MemoRow.project_id == project_id)
            .group_by(MemoRow.target_type, MemoRow.kind)
        )
    }
