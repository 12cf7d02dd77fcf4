"""Codes: rows, the codebook as domain objects, usage counts, co-occurrence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from coder.core.model import (
    Code,
)
from coder.store.queries.convert import to_code
from coder.store.tables import (
    CodeRow,
    CodingRow,
    SegmentRow,
)


def code_rows(session: Session, project_id: int, include_inactive: bool = True) -> list[CodeRow]:
    query = select(CodeRow).where(CodeRow.project_id == project_id)
    if not include_inactive:
        query = query.where(CodeRow.status == "active")
    return list(session.exec(query.order_by(CodeRow.order, CodeRow.id)))


def code_row(session: Session, project_id: int, name: str) -> CodeRow | None:
    return session.exec(
        select(CodeRow).where(CodeRow.project_id == project_id, CodeRow.name == name)
    ).first()


def codes(session: Session, project_id: int, include_inactive: bool = False) -> list[Code]:
    rows = code_rows(session, project_id)
    names = {r.id: r.name for r in rows}
    return [to_code(r, names) for r in rows if include_inactive or r.status == "active"]


@dataclass
class CodeCount:
    code: Code
    codings: int
    segments: int
    documents: int


def code_counts(
    session: Session,
    project_id: int,
    coder_ids: Sequence[int] | None = None,
    include_inactive: bool = False,
) -> list[CodeCount]:
    """Codes in codebook order with how often they are used (one grouped query)."""
    counts = {r[0]: r[1:] for r in session.exec(_usage(project_id, coder_ids))}
    return [
        CodeCount(c, *counts.get(c.id, (0, 0, 0)))
        for c in codes(session, project_id, include_inactive=include_inactive)
    ]


def coded_segments_of(
    session: Session, project_id: int, name: str, coder_ids: Sequence[int] | None = None
) -> int:
    """One code's coded segments, counted by the very query ``code_counts`` runs for
    all of them (phase 2 shows it after each apply or removal: one truth, one small read)."""
    row = code_row(session, project_id, name)
    if row is None:
        return 0
    found = session.exec(_usage(project_id, coder_ids).where(CodingRow.code_id == row.id)).first()
    return found[2] if found else 0


def _usage(project_id: int, coder_ids: Sequence[int] | None) -> Any:
    """Codings, coded segments (a passage two coders coded is one) and documents per code."""
    query = (
        select(
            CodingRow.code_id,
            func.count(CodingRow.id),
            func.count(func.distinct(CodingRow.segment_id)),
            func.count(func.distinct(SegmentRow.document_id)),
        )
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .where(CodingRow.project_id == project_id)
        .group_by(CodingRow.code_id)
    )
    if coder_ids is not None:
        query = query.where(col(CodingRow.coder_id).in_(coder_ids))
    return query


def code_name(session: Session, code_id: int) -> str | None:
    row = session.get(CodeRow, code_id)
    return row.name if row else None


def children_of(session: Session, code_id: int) -> list[CodeRow]:
    return list(session.exec(select(CodeRow).where(CodeRow.parent_id == code_id)))


def next_code_order(session: Session, project_id: int) -> int:
    value = session.exec(
        select(func.max(CodeRow.order)).where(CodeRow.project_id == project_id)
    ).one()
    return (value or 0) + 1


@dataclass
class CoOccurrence:
    """Codes that appear with one code: on the same segment and in the same document."""

    segment: list[tuple[str, int]]  # (code name, segments coded with both)
    document: list[tuple[str, int]]  # (code name, documents holding both)


def code_cooccurrence(
    session: Session, project_id: int, code_id: int, limit: int = 8
) -> CoOccurrence:
    """Grouped self-joins on coding: counted by the database, never by a Python loop."""
    from sqlalchemy.orm import aliased

    mine, other = aliased(CodingRow), aliased(CodingRow)
    seg_mine, seg_other = aliased(SegmentRow), aliased(SegmentRow)
    same_segment = session.exec(
        select(CodeRow.name, func.count(func.distinct(mine.segment_id)))
        .select_from(mine)
        .join(other, and_(other.segment_id == mine.segment_id, other.code_id != mine.code_id))
        .join(CodeRow, CodeRow.id == other.code_id)
        .where(mine.project_id == project_id, mine.code_id == code_id)
        .group_by(CodeRow.name)
        .order_by(func.count(func.distinct(mine.segment_id)).desc(), CodeRow.name)
        .limit(limit)
    ).all()
    same_document = session.exec(
        select(CodeRow.name, func.count(func.distinct(seg_mine.document_id)))
        .select_from(mine)
        .join(seg_mine, seg_mine.id == mine.segment_id)
        .join(seg_other, seg_other.document_id == seg_mine.document_id)
        .join(other, and_(other.segment_id == seg_other.id, other.code_id != mine.code_id))
        .join(CodeRow, CodeRow.id == other.code_id)
        .where(mine.project_id == project_id, mine.code_id == code_id)
        .group_by(CodeRow.name)
        .order_by(func.count(func.distinct(seg_mine.document_id)).desc(), CodeRow.name)
        .limit(limit)
    ).all()
    return CoOccurrence([(n, c) for n, c in same_segment], [(n, c) for n, c in same_document])
