"""Bulk reads (and the one unaudited write) behind ``coder merge``.

A merge compares two whole projects, so it reads them in a handful of set queries rather
than one query per row, and hands the services plain frozen records, never ORM rows from
another database's session. Every row the merge *writes* to the project's analysis tables
still goes through ``Tx.insert``/``Tx.update`` in the services, so it is recorded in the
audit trail; only coder rows are created here, as ``Database.write`` itself does, because
the coder table is not part of the replayed trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from coder.core.merge_plan import (
    CodingInfo,
    DocBrief,
    MemoInfo,
    ReadInfo,
    SegmentInfo,
    TrailEvent,
)
from coder.store.tables import (
    AuditEventRow,
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
    MemoRow,
    ReadMarkRow,
    SegmentRow,
)

CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's limits


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def documents_brief(session: Session, project_id: int) -> list[DocBrief]:
    rows = session.exec(
        select(
            DocumentRow.id, DocumentRow.key, DocumentRow.content_hash, func.length(DocumentRow.text)
        )
        .where(DocumentRow.project_id == project_id)
        .order_by(DocumentRow.ordinal, DocumentRow.id)
    ).all()
    return [DocBrief(i, k, h, n or 0) for i, k, h, n in rows]


def document_texts(session: Session, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        out.update(
            session.exec(
                select(DocumentRow.id, DocumentRow.text).where(col(DocumentRow.id).in_(chunk))
            ).all()
        )
    return out


# The columns of a SegmentInfo, read as plain tuples: a merge reads every segment of the
# matched documents (a unit per sentence), and building an ORM object for each one cost
# more than the rest of the plan.
_SEGMENT_COLUMNS = (
    SegmentRow.id, SegmentRow.document_id, SegmentRow.kind, SegmentRow.ordinal,
    SegmentRow.heading, SegmentRow.start, SegmentRow.end, SegmentRow.text_hash,
    SegmentRow.context_before, SegmentRow.context_after,
)  # fmt: skip


def coded_segments(session: Session, project_id: int) -> list[SegmentInfo]:
    """Every segment of the project that carries at least one coding."""
    coded = select(CodingRow.segment_id).where(CodingRow.project_id == project_id)
    rows = session.execute(select(*_SEGMENT_COLUMNS).where(col(SegmentRow.id).in_(coded)))
    return [SegmentInfo(*r) for r in rows]


def segments_of_documents(session: Session, document_ids: Sequence[int]) -> list[SegmentInfo]:
    """All segments (units, spans, whole documents) of some documents."""
    out: list[SegmentInfo] = []
    for chunk in _chunks(sorted(set(document_ids))):
        rows = session.execute(
            select(*_SEGMENT_COLUMNS).where(col(SegmentRow.document_id).in_(chunk))
        )
        out += [SegmentInfo(*r) for r in rows]
    return out


def codings_with_coders(session: Session, project_id: int) -> list[CodingInfo]:
    rows = session.exec(
        select(
            CodingRow.id,
            CodingRow.segment_id,
            CodingRow.code_id,
            CoderRow.name,
            CodingRow.created_at,
            CodingRow.memo,
        )  # fmt: skip
        .join(CoderRow, CoderRow.id == CodingRow.coder_id)
        .where(CodingRow.project_id == project_id)
        .order_by(CodingRow.id)
    ).all()
    return [CodingInfo(*r) for r in rows]


def coding_keys(
    session: Session, project_id: int
) -> dict[tuple[int, int, int], tuple[int, str | None]]:
    """(segment, code, coder) -> (coding id, memo) for every coding of the project."""
    rows = session.exec(
        select(
            CodingRow.segment_id,
            CodingRow.code_id,
            CodingRow.coder_id,
            CodingRow.id,
            CodingRow.memo,
        ).where(CodingRow.project_id == project_id)  # fmt: skip
    ).all()
    return {(s, c, k): (i, m) for s, c, k, i, m in rows}


def memos_with_coders(session: Session, project_id: int) -> list[MemoInfo]:
    rows = session.exec(
        select(
            MemoRow.id,
            CoderRow.name,
            MemoRow.target_type,
            MemoRow.target_id,
            MemoRow.kind,
            MemoRow.text,
            MemoRow.created_at,
            MemoRow.updated_at,
            MemoRow.phase,
        )  # fmt: skip
        .join(CoderRow, CoderRow.id == MemoRow.coder_id)
        .where(MemoRow.project_id == project_id)
        .order_by(MemoRow.id)
    ).all()
    return [MemoInfo(*r) for r in rows]


def memo_keys(
    session: Session, project_id: int
) -> dict[tuple[str, int | None, int, str, str], tuple[int, str, str]]:
    """(target type, target id, coder, kind, created) -> (memo id, text, updated)."""
    rows = session.exec(
        select(
            MemoRow.target_type,
            MemoRow.target_id,
            MemoRow.coder_id,
            MemoRow.kind,
            MemoRow.created_at,
            MemoRow.id,
            MemoRow.text,
            MemoRow.updated_at,
        ).where(MemoRow.project_id == project_id)  # fmt: skip
    ).all()
    return {(t, ti, c, k, ca): (i, x, u) for t, ti, c, k, ca, i, x, u in rows}


def read_marks_with_coders(session: Session, project_id: int) -> list[ReadInfo]:
    rows = session.exec(
        select(ReadMarkRow.document_id, CoderRow.name, ReadMarkRow.read_at)
        .join(CoderRow, CoderRow.id == ReadMarkRow.coder_id)
        .join(DocumentRow, DocumentRow.id == ReadMarkRow.document_id)
        .where(DocumentRow.project_id == project_id)
        .order_by(ReadMarkRow.id)
    ).all()
    return [ReadInfo(*r) for r in rows]


def read_mark_keys(session: Session, project_id: int) -> set[tuple[int, int]]:
    rows = session.exec(
        select(ReadMarkRow.document_id, ReadMarkRow.coder_id)
        .join(DocumentRow, DocumentRow.id == ReadMarkRow.document_id)
        .where(DocumentRow.project_id == project_id)
    ).all()
    return {(d, c) for d, c in rows}


def code_created_by(session: Session, project_id: int) -> dict[int, tuple[str, str]]:
    """code id -> (created_at, created_by): kept when a code comes across in a merge."""
    rows = session.exec(
        select(CodeRow.id, CodeRow.created_at, CodeRow.created_by).where(
            CodeRow.project_id == project_id
        )
    ).all()
    return {i: (at, by) for i, at, by in rows}


def coder_ids(session: Session) -> dict[str, int]:
    return {name: i for i, name in session.exec(select(CoderRow.id, CoderRow.name)).all()}


def ensure_coder(session: Session, name: str, created_at: str) -> int:
    """The id of coder ``name``, adding the row if needed (coders are not audited rows:
    ``Database.write`` adds them the same way for whoever writes)."""
    row = session.exec(select(CoderRow).where(CoderRow.name == name)).first()
    if row is None:
        row = CoderRow(name=name, created_at=created_at)
        session.add(row)
        session.flush()
    assert row.id is not None
    return row.id


def trail(session: Session, project_id: int) -> list[TrailEvent]:
    """The whole audit trail, oldest first, exactly as stored."""
    rows = session.exec(
        select(
            AuditEventRow.seq,
            AuditEventRow.time,
            AuditEventRow.coder,
            AuditEventRow.action,
            AuditEventRow.target,
            AuditEventRow.before,
            AuditEventRow.after,
            AuditEventRow.prev_hash,
            AuditEventRow.hash,
        )  # fmt: skip
        .where(AuditEventRow.project_id == project_id)
        .order_by(AuditEventRow.seq)
    ).all()
    return [TrailEvent(*r) for r in rows]


def trail_hashes(session: Session, project_id: int) -> set[str]:
    """The hash of every event of the project's own trail."""
    return set(
        session.exec(select(AuditEventRow.hash).where(AuditEventRow.project_id == project_id))
    )


def merge_events_after(session: Session, project_id: int) -> list[tuple[int, str]]:
    """(seq, after JSON) of the project's merge events, oldest first: where the trails of
    merged projects are kept."""
    rows = session.exec(
        select(AuditEventRow.seq, AuditEventRow.after)
        .where(AuditEventRow.project_id == project_id, AuditEventRow.action == "merge")
        .order_by(AuditEventRow.seq)
    ).all()
    return [(s, a) for s, a in rows]
