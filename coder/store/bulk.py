"""Bulk inserts with SQLAlchemy core for imports: no ORM object per row, one executemany
per batch, so 100,000 abstracts import at close to the speed of the driver."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, func, select
from sqlmodel import Session, col

from coder.core.dedup import TEXT_NEEDED
from coder.store.db import Tx
from coder.store.rows import insert_tuples
from coder.store.tables import DocumentRow, SegmentRow


def existing_documents(
    session: Session, project_id: int
) -> list[tuple[str, str, str | None, str | None, str, int | None, str]]:
    """(key, content_hash, title, doi, authors JSON, year, opening text) of every document: what
    the duplicate checks need, without building ORM objects."""
    rows = session.execute(
        select(
            DocumentRow.key,
            DocumentRow.content_hash,
            DocumentRow.title,
            DocumentRow.doi,
            DocumentRow.authors,
            DocumentRow.year,
            # The duplicate index reads only an abstract's opening: do not load whole texts.
            func.substr(DocumentRow.text, 1, TEXT_NEEDED),
        ).where(DocumentRow.project_id == project_id)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def max_ordinal(session: Session, project_id: int) -> int:
    value = session.execute(
        select(func.max(DocumentRow.ordinal)).where(DocumentRow.project_id == project_id)
    ).scalar()
    return value or 0


def documents_state(session: Session, project_id: int) -> tuple[int, int]:
    """(how many documents, the highest id): an import prepared against the project as it
    was checks under the write lock that no document came or went in the meantime."""
    count, top = session.execute(
        select(func.count(DocumentRow.id), func.max(DocumentRow.id)).where(
            DocumentRow.project_id == project_id
        )
    ).one()
    return int(count), int(top or 0)


# The columns a bulk insert writes, in the order of the row tuples the importer builds.
DOCUMENT_COLUMNS = (
    "key", "source_file", "source_format", "type", "title", "authors", "year", "date",
    "journal", "volume", "issue", "pages", "issn", "doi", "keywords", "sections", "text",
    "has_abstract", "content_hash", "ordinal", "import_seq",
)  # fmt: skip
SEGMENT_COLUMNS = (
    "ordinal", "heading", "start", "end", "text_hash", "context_before", "context_after",
)  # fmt: skip
# A transcript's units add these: their turn's speaker and times. Abstracts' units leave
# them out of the insert (NULL), which keeps the common insert as narrow as it was.
TURN_COLUMNS = ("speaker", "start_ms", "end_ms")
_WIDE = len(SEGMENT_COLUMNS) + len(TURN_COLUMNS)
_document_values = itemgetter(*DOCUMENT_COLUMNS)
_insert_many = insert_tuples


def insert_documents(
    tx: Tx,
    project_id: int,
    docs: Sequence[dict[str, Any]],
    segments: Sequence[Sequence[tuple]],
) -> None:
    """Insert a batch of documents (dicts with every ``DOCUMENT_COLUMNS`` key) and their
    reading units (tuples in ``SEGMENT_COLUMNS`` order; segments[i] belongs to docs[i])."""
    if not docs:
        return
    session = tx.session
    conn = session.connection()
    doc_table: Table = DocumentRow.__table__  # type: ignore[attr-defined]
    seg_table: Table = SegmentRow.__table__  # type: ignore[attr-defined]
    _insert_many(
        conn,
        doc_table,
        ("project_id", *DOCUMENT_COLUMNS),
        [(project_id, *_document_values(d)) for d in docs],
    )
    keys = [d["key"] for d in docs]
    ids = dict(
        session.execute(
            select(DocumentRow.key, DocumentRow.id).where(
                DocumentRow.project_id == project_id, col(DocumentRow.key).in_(keys)
            )
        ).all()
    )
    rows = [
        (doc_id, "unit", *seg)
        for doc, segs in zip(docs, segments, strict=True)
        for doc_id in (ids[doc["key"]],)
        for seg in segs
    ]
    if not rows:
        return
    wide = [row for row in rows if len(row) == _WIDE + 2]
    if wide:
        rows = [row for row in rows if len(row) != _WIDE + 2]
        columns = ("document_id", "kind", *SEGMENT_COLUMNS, *TURN_COLUMNS)
        _insert_many(conn, seg_table, columns, wide)
    if rows:
        _insert_many(conn, seg_table, ("document_id", "kind", *SEGMENT_COLUMNS), rows)


def stamp_import(tx: Tx, project_id: int) -> None:
    """Point the documents just inserted (import_seq still NULL) at the import event,
    whose number is the project's next sequence number."""
    from sqlalchemy import update

    from coder.store.tables import Project

    project = tx.session.get(Project, project_id)
    assert project is not None
    tx.session.execute(
        update(DocumentRow)
        .where(DocumentRow.project_id == project_id, col(DocumentRow.import_seq).is_(None))
        .values(import_seq=project.last_seq + 1)
    )
