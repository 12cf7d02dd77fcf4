"""Reads for setting records aside in familiarisation: the project's reasons, the
excluded documents, and the documents a search finds (for a bulk exclusion)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from coder.core.model import Document
from coder.store.tables import CoderRow, DocumentRow, ExclusionReasonRow, ExclusionRow


def reason_rows(session: Session, project_id: int) -> list[ExclusionReasonRow]:
    return list(
        session.exec(
            select(ExclusionReasonRow)
            .where(ExclusionReasonRow.project_id == project_id)
            .order_by(ExclusionReasonRow.order, ExclusionReasonRow.id)
        )
    )


def reason_row(session: Session, project_id: int, name: str) -> ExclusionReasonRow | None:
    return session.exec(
        select(ExclusionReasonRow).where(
            ExclusionReasonRow.project_id == project_id, ExclusionReasonRow.name == name
        )
    ).first()


def reason_in_use(session: Session, reason_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(ExclusionRow).where(ExclusionRow.reason_id == reason_id)
    ).one()


def exclusion_of(session: Session, document_id: int) -> ExclusionRow | None:
    return session.exec(select(ExclusionRow).where(ExclusionRow.document_id == document_id)).first()


def documents_by_keys(session: Session, project_id: int, keys: list[str]) -> dict[str, int]:
    """key -> document id for the keys that exist (one query, chunked for long lists)."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            session.exec(
                select(DocumentRow.key, DocumentRow.id).where(
                    DocumentRow.project_id == project_id, col(DocumentRow.key).in_(chunk)
                )
            ).all()
        )
    return found


def exclusions_for(session: Session, document_ids: list[int]) -> dict[int, ExclusionRow]:
    found: dict[int, ExclusionRow] = {}
    for start in range(0, len(document_ids), 500):
        chunk = document_ids[start : start + 500]
        for row in session.exec(
            select(ExclusionRow).where(col(ExclusionRow.document_id).in_(chunk))
        ):
            found[row.document_id] = row
    return found


def search_condition(search: str):
    """The familiarisation list's search (``/``): a case-blind substring of the title,
    text, key or authors. A bulk exclusion by search uses exactly this."""
    like = f"%{search.lower()}%"
    return or_(
        func.lower(DocumentRow.title).like(like),
        func.lower(DocumentRow.text).like(like),
        func.lower(DocumentRow.key).like(like),
        func.lower(DocumentRow.authors).like(like),
    )


def matching_documents(session: Session, project_id: int, search: str) -> list[tuple[int, str]]:
    """(id, key) of every document the search finds, in reading order."""
    return [
        (row[0], row[1])
        for row in session.exec(
            select(DocumentRow.id, DocumentRow.key)
            .where(DocumentRow.project_id == project_id, search_condition(search))
            .order_by(DocumentRow.ordinal, DocumentRow.id)
        ).all()
    ]


@dataclass(frozen=True)
class Excluded:
    key: str
    label: str
    reason: str | None
    note: str
    coder: str
    excluded_at: str


def excluded(session: Session, project_id: int) -> list[Excluded]:
    """Every excluded document, in reading order, with its reason, note, coder and time."""
    rows = session.exec(
        select(
            DocumentRow.key,
            DocumentRow.title,
            DocumentRow.authors,
            DocumentRow.year,
            ExclusionReasonRow.name,
            ExclusionRow.note,
            CoderRow.name,
            ExclusionRow.excluded_at,
        )
        .join(ExclusionRow, ExclusionRow.document_id == DocumentRow.id)
        .join(CoderRow, CoderRow.id == ExclusionRow.coder_id)
        .outerjoin(ExclusionReasonRow, ExclusionReasonRow.id == ExclusionRow.reason_id)
        .where(DocumentRow.project_id == project_id)
        .order_by(DocumentRow.ordinal, DocumentRow.id)
    ).all()
    out = []
    for key, title, authors, year, reason, note, coder, when in rows:
        label = Document(
            key=key, text="", title=title, authors=json.loads(authors or "[]"), year=year
        ).label
        out.append(Excluded(key, label, reason, note, coder, when))
    return out
