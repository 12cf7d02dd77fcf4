"""Where a project and a coder stand: reading marks, phase status, UI state, coverage."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import and_, func, literal, or_, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from coder.store.queries.codings import coded_segments_query
from coder.store.queries.themes import unassigned_codes_query
from coder.store.tables import (
    CodingRow,
    DocumentRow,
    ExclusionRow,
    PhaseStatusRow,
    ReadMarkRow,
    SegmentRow,
    UiStateRow,
)
from coder.store.writelock import BUSY_MS


def count_read(session: Session, project_id: int, coder_id: int) -> int:
    return session.exec(_read_query(project_id, coder_id)).one()


def _read_query(project_id: int, coder_id: int) -> Any:
    return (
        select(func.count())
        .select_from(ReadMarkRow)
        .join(DocumentRow, DocumentRow.id == ReadMarkRow.document_id)
        .where(
            DocumentRow.project_id == project_id,
            ReadMarkRow.coder_id == coder_id,
            col(DocumentRow.id).not_in(select(ExclusionRow.document_id)),
        )
    )


class ProgressCounts(NamedTuple):
    read: int  # documents this coder marked read (phase 1)
    coded: int  # reading units this coder coded (phase 2)
    unassigned: int  # active codes in no live theme (phase 3)


def progress_counts(session: Session, project_id: int, coder_id: int | None) -> ProgressCounts:
    """The stepper's counts in ONE statement (a scalar subquery each), by the very
    queries ``count_read``, ``count_coded_segments`` and ``count_unassigned_codes`` run:
    one round trip on a busy server instead of one per figure."""
    zero = literal(0)
    row = session.exec(
        select(
            _read_query(project_id, coder_id).scalar_subquery() if coder_id is not None else zero,
            coded_segments_query(project_id, coder_id).scalar_subquery()
            if coder_id is not None
            else zero,
            unassigned_codes_query(project_id).scalar_subquery(),
        )
    ).one()
    return ProgressCounts(*(int(n or 0) for n in row))


def read_mark(session: Session, document_id: int, coder_id: int) -> ReadMarkRow | None:
    return session.exec(
        select(ReadMarkRow).where(
            ReadMarkRow.document_id == document_id, ReadMarkRow.coder_id == coder_id
        )
    ).first()


def next_uncoded(
    session: Session,
    project_id: int,
    coder_id: int,
    after_doc_ordinal: int,
    after_doc_id: int,
    after_unit: int,
) -> tuple[str, int] | None:
    """The next unit (in reading order) this coder has not coded: (document key, ordinal)."""
    coded = select(CodingRow.segment_id).where(CodingRow.coder_id == coder_id)
    row = session.exec(
        select(DocumentRow.key, SegmentRow.ordinal)
        .join(SegmentRow, SegmentRow.document_id == DocumentRow.id)
        .where(
            DocumentRow.project_id == project_id,
            SegmentRow.kind == "unit",
            col(SegmentRow.id).not_in(coded),
            col(DocumentRow.id).not_in(select(ExclusionRow.document_id)),
            or_(
                DocumentRow.ordinal > after_doc_ordinal,
                and_(DocumentRow.ordinal == after_doc_ordinal, DocumentRow.id > after_doc_id),
                and_(DocumentRow.id == after_doc_id, SegmentRow.ordinal > after_unit),
            ),
        )
        .order_by(DocumentRow.ordinal, DocumentRow.id, SegmentRow.ordinal)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def phase_status_row(session: Session, project_id: int, phase: int) -> PhaseStatusRow | None:
    return session.exec(
        select(PhaseStatusRow).where(
            PhaseStatusRow.project_id == project_id, PhaseStatusRow.phase == phase
        )
    ).first()


def phase_statuses(session: Session, project_id: int) -> dict[int, str]:
    return {
        r.phase: r.status
        for r in session.exec(select(PhaseStatusRow).where(PhaseStatusRow.project_id == project_id))
    }


def ui_state(session: Session, project_id: int, coder_id: int) -> dict[str, str]:
    return {
        r.name: r.value
        for r in session.exec(
            select(UiStateRow).where(
                UiStateRow.project_id == project_id, UiStateRow.coder_id == coder_id
            )
        )
    }


def save_ui_state(
    session: Session,
    project_id: int,
    coder_id: int,
    values: dict[str, str],
    wait_ms: int | None = None,
) -> bool:
    """Where the coder left off. Not analysis data, so not audited. With ``wait_ms``
    (SQLite), give up after that long while another writer holds the file and return
    False, nothing saved: the UI keeps the values for its next save instead of waiting."""
    quick = wait_ms is not None and session.get_bind().dialect.name == "sqlite"
    if quick:
        session.execute(text(f"PRAGMA busy_timeout={int(wait_ms or 0)}"))
    try:
        _save_ui_state(session, project_id, coder_id, values)
    except OperationalError as exc:
        if not quick or "locked" not in str(exc.orig).lower():
            raise
        session.rollback()
        return False
    finally:
        if quick:
            session.execute(text(f"PRAGMA busy_timeout={BUSY_MS}"))
    return True


def _save_ui_state(
    session: Session, project_id: int, coder_id: int, values: dict[str, str]
) -> None:
    existing = {
        r.name: r
        for r in session.exec(
            select(UiStateRow).where(
                UiStateRow.project_id == project_id, UiStateRow.coder_id == coder_id
            )
        )
    }
    for name, value in values.items():
        row = existing.get(name) or UiStateRow(project_id=project_id, coder_id=coder_id, name=name)
        row.value = value
        session.add(row)
    session.commit()


def document_coverage(session: Session, project_id: int) -> list[tuple[str, int, int]]:
    """(key, reading units, coded units) for every document, by any coder, in reading order."""
    coded_units = (
        select(
            SegmentRow.document_id.label("document_id"),
            func.count(func.distinct(SegmentRow.id)).label("n"),
        )
        .join(CodingRow, CodingRow.segment_id == SegmentRow.id)
        .where(SegmentRow.kind == "unit", CodingRow.project_id == project_id)
        .group_by(SegmentRow.document_id)
        .subquery()
    )
    all_units = (
        select(SegmentRow.document_id.label("document_id"), func.count().label("n"))
        .where(SegmentRow.kind == "unit")
        .group_by(SegmentRow.document_id)
        .subquery()
    )
    rows = session.exec(
        select(DocumentRow.key, func.coalesce(all_units.c.n, 0), func.coalesce(coded_units.c.n, 0))
        .outerjoin(all_units, all_units.c.document_id == DocumentRow.id)
        .outerjoin(coded_units, coded_units.c.document_id == DocumentRow.id)
        .where(DocumentRow.project_id == project_id)
        .order_by(DocumentRow.ordinal, DocumentRow.id)
    ).all()
    return [(k, u, c) for k, u, c in rows]
