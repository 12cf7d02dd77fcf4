"""Agreement between coders: set reads over units and decisions, never one query per unit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from coder.store.tables import (
    CodingRow,
    DocumentRow,
    SegmentRow,
)


def reading_units(session: Session, project_id: int) -> list[tuple[int, int, str, int]]:
    """(segment id, document id, document key, ordinal) of every reading unit, in reading
    order: the units of segment-level agreement."""
    rows = session.exec(
        select(SegmentRow.id, DocumentRow.id, DocumentRow.key, SegmentRow.ordinal)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(DocumentRow.project_id == project_id, SegmentRow.kind == "unit")
        .order_by(DocumentRow.ordinal, DocumentRow.id, SegmentRow.ordinal)
    ).all()
    return [(s, d, k, o or 0) for s, d, k, o in rows]


def document_units(session: Session, project_id: int) -> list[tuple[int, str, int]]:
    """(document id, key, text length in code points) of every document, in reading order."""
    rows = session.exec(
        select(DocumentRow.id, DocumentRow.key, func.length(DocumentRow.text))
        .where(DocumentRow.project_id == project_id)
        .order_by(DocumentRow.ordinal, DocumentRow.id)
    ).all()
    return [(i, k, n or 0) for i, k, n in rows]


def _decision_filter(
    query: Any, project_id: int, coder_ids: Sequence[int], code_ids: Sequence[int] | None
) -> Any:
    query = query.where(
        CodingRow.project_id == project_id, col(CodingRow.coder_id).in_(list(coder_ids))
    )
    if code_ids is not None:
        query = query.where(col(CodingRow.code_id).in_(list(code_ids)))
    return query


def unit_decisions(
    session: Session,
    project_id: int,
    coder_ids: Sequence[int],
    code_ids: Sequence[int] | None = None,
) -> list[tuple[int, int, int]]:
    """(coder id, code id, unit segment id): codings on reading units, plus every coding
    on a span or a whole document counted for each unit it overlaps. A triple may repeat
    (a unit coded and also inside a coded span): callers collect them into sets, which is
    cheaper than making the database sort them for a UNION."""
    from sqlalchemy import union_all
    from sqlalchemy.orm import aliased

    unit = aliased(SegmentRow)
    direct = _decision_filter(
        select(CodingRow.coder_id, CodingRow.code_id, CodingRow.segment_id)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .where(SegmentRow.kind == "unit"),
        project_id, coder_ids, code_ids,
    )  # fmt: skip
    spread = _decision_filter(
        select(CodingRow.coder_id, CodingRow.code_id, unit.id)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(
            unit,
            and_(
                unit.document_id == SegmentRow.document_id,
                unit.kind == "unit",
                unit.start < SegmentRow.end,
                unit.end > SegmentRow.start,
            ),
        )
        .where(SegmentRow.kind != "unit"),
        project_id, coder_ids, code_ids,
    )  # fmt: skip
    return session.execute(union_all(direct, spread)).all()  # type: ignore[return-value]


def document_decisions(
    session: Session,
    project_id: int,
    coder_ids: Sequence[int],
    code_ids: Sequence[int] | None = None,
) -> list[tuple[int, int, int]]:
    """Distinct (coder id, code id, document id): which coder applied which code anywhere
    in which document."""
    query = _decision_filter(
        select(CodingRow.coder_id, CodingRow.code_id, SegmentRow.document_id)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .distinct(),
        project_id, coder_ids, code_ids,
    )  # fmt: skip
    return [(a, b, c) for a, b, c in session.exec(query).all()]


def coded_spans(
    session: Session,
    project_id: int,
    coder_ids: Sequence[int],
    code_ids: Sequence[int] | None = None,
) -> list[tuple[int, int, int, int, int]]:
    """(coder id, code id, document id, start, end) of every coding: character agreement."""
    query = _decision_filter(
        select(CodingRow.coder_id, CodingRow.code_id, SegmentRow.document_id, SegmentRow.start, SegmentRow.end)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id),
        project_id, coder_ids, code_ids,
    )  # fmt: skip
    return [tuple(r) for r in session.exec(query).all()]  # type: ignore[misc]
