"""Presence rows: the heartbeat of each open workbench (not audited)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, select

from coder.store.tables import PresenceRow


def beat(
    session: Session,
    project_id: int,
    instance: str,
    coder: str,
    phase: str,
    document: str | None,
    time: str,
    forget_before: str,
) -> None:
    """Upsert this workbench's row and drop rows long gone; commits (own transaction)."""
    row = session.exec(
        select(PresenceRow).where(
            PresenceRow.project_id == project_id, PresenceRow.instance == instance
        )
    ).first()
    if row is None:
        row = PresenceRow(project_id=project_id, instance=instance, coder=coder, seen_at=time)
    row.coder, row.phase, row.document, row.seen_at = coder, phase, document, time
    session.add(row)
    session.execute(
        delete(PresenceRow).where(
            PresenceRow.project_id == project_id, PresenceRow.seen_at < forget_before
        )
    )
    session.commit()


def present(session: Session, project_id: int, since: str) -> list[PresenceRow]:
    return list(
        session.exec(
            select(PresenceRow)
            .where(PresenceRow.project_id == project_id, PresenceRow.seen_at >= since)
            .order_by(PresenceRow.coder, PresenceRow.instance)
        )
    )


def leave(session: Session, project_id: int, instance: str) -> None:
    session.execute(
        delete(PresenceRow).where(
            PresenceRow.project_id == project_id, PresenceRow.instance == instance
        )
    )
    session.commit()
