"""Memos and the reflexive journal."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from coder.core.model import (
    Memo,
)
from coder.store.tables import (
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
    MemoRow,
    SegmentRow,
    ThemeRow,
)


def memos(
    session: Session,
    project_id: int,
    target_type: str | None = None,
    target_id: int | None = None,
    kind: str | None = None,
    limit: int | None = None,
    search: str | None = None,
    coder: str | None = None,
) -> list[Memo]:
    """Memos newest first; ``search`` finds words in the text (case-insensitive, on both
    backends), ``coder`` keeps one coder's."""
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
    if coder is not None:
        query = query.where(CoderRow.name == coder)
    for word in (search or "").split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(MemoRow.text).like(f"%{escaped.lower()}%", escape="\\"))
    query = query.order_by(col(MemoRow.created_at).desc(), col(MemoRow.id).desc())
    if limit is not None:
        query = query.limit(limit)
    rows = session.exec(query).all()
    labels = _target_labels(session, [(m.target_type, m.target_id) for m, _n in rows])
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
            labels.get((m.target_type, m.target_id)),
            phase=m.phase,
        )
        for m, name in rows
    ]


def coding_memos(
    session: Session,
    project_id: int,
    limit: int | None = None,
    search: str | None = None,
    coder: str | None = None,
) -> list[Memo]:
    """Memos written on codings (kept on the coding row, not in the memo table), newest
    coding first, as ``Memo`` of kind "coding" naming the unit ("key:3") and the code; the
    id is the coding's."""
    query = (
        select(CodingRow, DocumentRow.key, SegmentRow, CodeRow.name, CoderRow.name)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .join(CoderRow, CoderRow.id == CodingRow.coder_id)
        .where(CodingRow.project_id == project_id, col(CodingRow.memo).is_not(None))
    )
    if coder is not None:
        query = query.where(CoderRow.name == coder)
    for word in (search or "").split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(CodingRow.memo).like(f"%{escaped.lower()}%", escape="\\"))
    query = query.order_by(col(CodingRow.created_at).desc(), col(CodingRow.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        Memo(
            coding.id,
            "coding",
            str(coding.id),
            "coding",
            coding.memo or "",
            coder_name,
            coding.created_at,
            coding.created_at,
            _unit_label(key, seg.kind, seg.ordinal, seg.start, seg.end),
            code,
        )
        for coding, key, seg, code, coder_name in session.exec(query).all()
    ]


def _unit_label(key: str, kind: str, ordinal: int | None, start: int, end: int) -> str:
    return f"{key}:{ordinal}" if kind == "unit" and ordinal is not None else f"{key}@{start}-{end}"


def _target_labels(
    session: Session, targets: list[tuple[str, int | None]]
) -> dict[tuple[str, int | None], str]:
    """Memo targets as the user sees them (a document's key, a code's or theme's name, a
    coding's unit "key:3"), one query per kind of target, never the internal id."""
    wanted: dict[str, set[int]] = {}
    for kind, target_id in targets:
        if target_id:
            wanted.setdefault(kind, set()).add(target_id)
    out: dict[tuple[str, int | None], str] = {}
    for kind, model in (("document", DocumentRow), ("code", CodeRow), ("theme", ThemeRow)):
        ids = list(wanted.get(kind, ()))
        if ids:
            column = model.key if model is DocumentRow else model.name
            for row_id, label in session.exec(
                select(model.id, column).where(col(model.id).in_(ids))
            ):
                out[(kind, row_id)] = label
    ids = list(wanted.get("coding", ()))
    if ids:
        for coding_id, key, kind, ordinal, start, end in session.exec(
            select(
                CodingRow.id,
                DocumentRow.key,
                SegmentRow.kind,
                SegmentRow.ordinal,
                SegmentRow.start,
                SegmentRow.end,
            )
            .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
            .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
            .where(col(CodingRow.id).in_(ids))
        ):
            out[("coding", coding_id)] = _unit_label(key, kind, ordinal, start, end)
    return out


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


def target_label(session: Session, target_type: str, target_id: int | None) -> str | None:
    """One memo target as the user sees it (see ``_target_labels``)."""
    return _target_labels(session, [(target_type, target_id)]).get((target_type, target_id))
