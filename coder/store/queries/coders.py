"""Coders by name."""

from __future__ import annotations

from sqlmodel import Session, col, select

from coder.store.tables import CoderRow, CodingRow


def coder_id(session: Session, name: str) -> int | None:
    return session.exec(select(CoderRow.id).where(CoderRow.name == name)).first()


def coder_names(session: Session) -> list[str]:
    return list(session.exec(select(CoderRow.name).order_by(CoderRow.name)))


def ensure_coder(session: Session, name: str) -> int:
    """The coder's id, adding the coder on first use: the TUI remembers where a coder left
    off (ui_state) before they have made any audited change."""
    found = coder_id(session, name)
    if found is not None:
        return found
    from coder.store.db import now

    row = CoderRow(name=name, created_at=now())
    session.add(row)
    session.commit()
    session.refresh(row)
    assert row.id is not None
    return row.id


def project_coder_names(session: Session, project_id: int) -> list[str]:
    """The coders with codings in the project, by name."""
    return list(
        session.exec(
            select(CoderRow.name)
            .where(
                col(CoderRow.id).in_(
                    select(CodingRow.coder_id).where(CodingRow.project_id == project_id)
                )
            )
            .order_by(CoderRow.name)
        )
    )
