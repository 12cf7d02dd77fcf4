"""Reads for the methods appendix: the trail's events without their row images, the
events whose details the appendix cites, and counts straight from the tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from coder.store.queries.audit import event_heads  # noqa: F401 (the methods service reads it here)
from coder.store.tables import (
    AuditEventRow,
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
    ExclusionReasonRow,
    ExclusionRow,
    MemoRow,
    ReadMarkRow,
    SegmentRow,
)

PAGE = 5000


def event_details(
    session: Session, project_id: int, actions: tuple[str, ...]
) -> Iterator[tuple[int, str, str, str, str, dict[str, Any]]]:
    """(seq, time, coder, action, target, after) of the events with these actions."""
    last = 0
    while True:
        rows = session.exec(
            select(AuditEventRow)
            .where(
                AuditEventRow.project_id == project_id,
                AuditEventRow.seq > last,
                col(AuditEventRow.action).in_(actions),
            )
            .order_by(AuditEventRow.seq)
            .limit(500)
        ).all()
        if not rows:
            return
        for r in rows:
            yield r.seq, r.time, r.coder, r.action, r.target, json.loads(r.after or "{}")
        last = rows[-1].seq


def without_abstract_by_import(session: Session, project_id: int) -> dict[tuple[int, str], int]:
    """(import event, source file) -> documents it added that have no abstract."""
    rows = session.exec(
        select(DocumentRow.import_seq, DocumentRow.source_file, func.count())
        .where(DocumentRow.project_id == project_id, DocumentRow.has_abstract == False)  # noqa: E712
        .group_by(DocumentRow.import_seq, DocumentRow.source_file)
    ).all()
    return {(seq or 0, source or ""): n for seq, source, n in rows}


def count_all_documents(session: Session, project_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(DocumentRow).where(DocumentRow.project_id == project_id)
    ).one()


def count_without_abstract(session: Session, project_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(DocumentRow)
        .where(DocumentRow.project_id == project_id, DocumentRow.has_abstract == False)  # noqa: E712
    ).one()


def exclusions_by_reason(session: Session, project_id: int) -> list[tuple[str | None, int, int]]:
    """(reason name or None, order, documents) for every reason given, list order first."""
    rows = session.exec(
        select(ExclusionReasonRow.name, ExclusionReasonRow.order, func.count(ExclusionRow.id))
        .select_from(ExclusionRow)
        .outerjoin(ExclusionReasonRow, ExclusionReasonRow.id == ExclusionRow.reason_id)
        .where(ExclusionRow.project_id == project_id)
        .group_by(ExclusionReasonRow.name, ExclusionReasonRow.order)
    ).all()
    return [(name, order or 0, n) for name, order, n in rows]


def exclusion_reasons_by_id(session: Session, project_id: int) -> dict[int, str | None]:
    """Current exclusion row id -> its reason's name (None when only a note was given)."""
    rows = session.exec(
        select(ExclusionRow.id, ExclusionReasonRow.name)
        .outerjoin(ExclusionReasonRow, ExclusionReasonRow.id == ExclusionRow.reason_id)
        .where(ExclusionRow.project_id == project_id)
    ).all()
    return dict(rows)


def _included_units():
    return (
        select(SegmentRow.id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(col(DocumentRow.id).not_in(select(ExclusionRow.document_id)))
    )


def coded_included(session: Session, project_id: int) -> tuple[int, int]:
    """(documents, codings) over the documents in the analysis (not set aside)."""
    docs, codings = session.exec(
        select(func.count(func.distinct(SegmentRow.document_id)), func.count(CodingRow.id))
        .select_from(CodingRow)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .where(
            CodingRow.project_id == project_id,
            col(SegmentRow.document_id).not_in(select(ExclusionRow.document_id)),
        )
    ).one()
    return docs, codings


def count_active_codes(session: Session, project_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(CodeRow)
        .where(CodeRow.project_id == project_id, CodeRow.status == "active")
    ).one()


def coder_counts(session: Session, project_id: int) -> dict[str, dict[str, int]]:
    """Per coder name: documents read, codings, documents coded, memos, records set aside."""
    out: dict[str, dict[str, int]] = {}

    def put(field: str, counted: Any, joins: list[tuple[Any, Any]], where: Any) -> None:
        """One grouped COUNT per figure: ``counted`` over the coder's rows reached by
        ``joins`` (table, ON) that ``where`` keeps to the project."""
        query = select(CoderRow.name, counted)
        for table, on in joins:
            query = query.join(table, on)
        for name, n in session.exec(query.where(where).group_by(CoderRow.name)).all():
            out.setdefault(name, {})[field] = n

    codings = (CodingRow, CodingRow.coder_id == CoderRow.id)
    put(
        "documents_read",
        func.count(ReadMarkRow.id),
        [
            (ReadMarkRow, ReadMarkRow.coder_id == CoderRow.id),
            (DocumentRow, DocumentRow.id == ReadMarkRow.document_id),
        ],
        DocumentRow.project_id == project_id,
    )
    put("codings", func.count(CodingRow.id), [codings], CodingRow.project_id == project_id)
    put(
        "documents_coded",
        func.count(func.distinct(SegmentRow.document_id)),
        [codings, (SegmentRow, SegmentRow.id == CodingRow.segment_id)],
        CodingRow.project_id == project_id,
    )
    put(
        "memos",
        func.count(MemoRow.id),
        [(MemoRow, MemoRow.coder_id == CoderRow.id)],
        MemoRow.project_id == project_id,
    )
    put(
        "exclusions",
        func.count(ExclusionRow.id),
        [(ExclusionRow, ExclusionRow.coder_id == CoderRow.id)],
        ExclusionRow.project_id == project_id,
    )
    return out
