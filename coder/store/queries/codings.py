"""Codings: one coder's decisions on segments and spans."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from coder.core.model import (
    Coding,
)
from coder.store.queries.convert import to_coding
from coder.store.queries.keyset import Key, after
from coder.store.tables import (
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
    ExclusionRow,
    ExemplarRow,
    MisfitRow,
    SegmentRow,
)


def count_coded_segments(session: Session, project_id: int, coder_id: int | None = None) -> int:
    return session.exec(coded_segments_query(project_id, coder_id)).one()


def coded_segments_query(project_id: int, coder_id: int | None = None) -> Any:
    """Reading units coded (by ``coder_id``, or by anyone), outside the records set aside:
    phase 2's progress, as one COUNT (the stepper runs it inside ``progress_counts``)."""
    query = (
        select(func.count(func.distinct(CodingRow.segment_id)))
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .where(
            CodingRow.project_id == project_id,
            SegmentRow.kind == "unit",
            col(SegmentRow.document_id).not_in(select(ExclusionRow.document_id)),
        )
    )
    if coder_id is not None:
        query = query.where(CodingRow.coder_id == coder_id)
    return query


def coding_row(session: Session, segment_id: int, code_id: int, coder_id: int) -> CodingRow | None:
    return session.exec(
        select(CodingRow).where(
            CodingRow.segment_id == segment_id,
            CodingRow.code_id == code_id,
            CodingRow.coder_id == coder_id,
        )
    ).first()


CODING_ORDER = (
    DocumentRow.ordinal,
    DocumentRow.id,
    SegmentRow.start,
    CodingRow.id,
)  # reading order


def codings(
    session: Session,
    project_id: int,
    document_id: int | None = None,
    code_ids: Sequence[int] | None = None,
    coder_ids: Sequence[int] | None = None,
    segment_ids: Sequence[int] | None = None,
    after_key: Key | None = None,
    limit: int | None = None,
) -> list[Coding]:
    """Codings in reading order after the cursor ``after_key`` (see ``coding_pages``)."""
    query = (
        select(CodingRow, SegmentRow, DocumentRow, CodeRow.name, CoderRow.name)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .join(CoderRow, CoderRow.id == CodingRow.coder_id)
        .where(CodingRow.project_id == project_id, after(CODING_ORDER, after_key))
    )
    if document_id is not None:
        query = query.where(SegmentRow.document_id == document_id)
    if code_ids is not None:
        query = query.where(col(CodingRow.code_id).in_(code_ids))
    if coder_ids is not None:
        query = query.where(col(CodingRow.coder_id).in_(coder_ids))
    if segment_ids is not None:
        query = query.where(col(CodingRow.segment_id).in_(segment_ids))
    query = query.order_by(*CODING_ORDER)
    if limit is not None:
        query = query.limit(limit)
    return [to_coding(*row) for row in session.exec(query)]


def coding_pages(session: Session, project_id: int, batch: int = 2000) -> Iterator[list[Coding]]:
    """Every coding in reading order, a page at a time, each page found by the cursor
    (document ordinal, document id, start, coding id) of the last one's final row."""
    cursor: Key | None = None
    while True:
        page = codings(session, project_id, after_key=cursor, limit=batch)
        if not page:
            return
        yield page
        if len(page) < batch:
            return
        cursor = coding_cursor(session, page[-1].id)


def coding_cursor(session: Session, coding_id: int) -> Key:
    """A coding's place in reading order, as ``codings`` takes it for ``after_key``."""
    row = session.exec(
        select(*CODING_ORDER)
        .select_from(CodingRow)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(CodingRow.id == coding_id)
    ).one()
    return tuple(row)


def rows_for_coding(session: Session, table: str, coding_id: int) -> list[ExemplarRow | MisfitRow]:
    model = {"theme_exemplar": ExemplarRow, "theme_misfit": MisfitRow}[table]
    return list(session.exec(select(model).where(model.coding_id == coding_id)))


def codings_of_code(session: Session, code_id: int) -> list[CodingRow]:
    return list(session.exec(select(CodingRow).where(CodingRow.code_id == code_id)))


def coding_unit_label(session: Session, coding_id: int) -> str | None:
    """A coding's unit as the user sees it: "faulkner2012a:3", or "key@10-42" for a span."""
    row = session.exec(
        select(
            DocumentRow.key, SegmentRow.kind, SegmentRow.ordinal, SegmentRow.start, SegmentRow.end
        )
        .join(SegmentRow, SegmentRow.document_id == DocumentRow.id)
        .join(CodingRow, CodingRow.segment_id == SegmentRow.id)
        .where(CodingRow.id == coding_id)
    ).first()
    if row is None:
        return None
    key, kind, ordinal, start, end = row
    if kind == "unit" and ordinal is not None:
        return f"{key}:{ordinal}"
    return f"{key}@{start}-{end}"


def coded_texts(
    session: Session, project_id: int, coder_ids: Sequence[int] | None = None, cap: int = 2_000
) -> list[tuple[str, str]]:
    """(code name, the coded text's first ``cap`` characters) of every coding: what the
    coding phase learns its suggestions from. The text is cut in SQL (substr counts code
    points on SQLite and PostgreSQL alike), so a long document is never loaded whole."""
    length = SegmentRow.end - SegmentRow.start
    query = (
        select(
            CodeRow.name,
            func.substr(
                DocumentRow.text, SegmentRow.start + 1, case((length > cap, cap), else_=length)
            ),
        )
        .join(CodingRow, CodingRow.code_id == CodeRow.id)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(CodingRow.project_id == project_id, CodeRow.status == "active")
    )
    if coder_ids is not None:
        query = query.where(col(CodingRow.coder_id).in_(coder_ids))
    return [(name, text or "") for name, text in session.exec(query)]
