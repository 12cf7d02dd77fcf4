"""Documents and their reading units: lookups, keyset pages, batched scans, navigation."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import func, or_, true
from sqlmodel import Session, col, select

from coder.core.model import (
    Document,
    Segment,
)
from coder.store.queries.convert import json_list, to_document, to_segment
from coder.store.queries.keyset import Key, after, ordered, sparse
from coder.store.rows import driver_rows
from coder.store.tables import (
    CodingRow,
    DocumentRow,
    ExclusionRow,
    ReadMarkRow,
    SegmentRow,
)


def document_row(session: Session, project_id: int, key: str) -> DocumentRow | None:
    return session.exec(
        select(DocumentRow).where(DocumentRow.project_id == project_id, DocumentRow.key == key)
    ).first()


def document_keys(session: Session, project_id: int) -> list[str]:
    return list(session.exec(select(DocumentRow.key).where(DocumentRow.project_id == project_id)))


def not_excluded() -> Any:
    """A condition on DocumentRow: the document has not been set aside. Excluded documents
    leave the coding queue and the counts, yet stay in the table (and searchable)."""
    return col(DocumentRow.id).not_in(select(ExclusionRow.document_id))


def count_documents(session: Session, project_id: int) -> int:
    """Documents in the analysis (those set aside in phase 1 are not counted)."""
    return session.exec(
        select(func.count())
        .select_from(DocumentRow)
        .where(DocumentRow.project_id == project_id, not_excluded())
    ).one()


READING_ORDER = (DocumentRow.ordinal, DocumentRow.id)  # a document list's keyset cursor


def _excluded_condition(excluded: bool | None) -> Any:
    if excluded is None:
        return true()
    return col(DocumentRow.id).in_(select(ExclusionRow.document_id)) if excluded else not_excluded()


def documents(
    session: Session,
    project_id: int,
    after_key: Key | None = None,
    limit: int | None = None,
    excluded: bool | None = None,
) -> list[Document]:
    """Documents in reading order after the cursor ``after_key`` (ordinal, id) of the
    previous page's last one; ``excluded`` True: only those set aside, False: only
    those in the analysis, None: all."""
    return [to_document(r) for r in _document_rows(session, project_id, after_key, limit, excluded)]


def _document_rows(
    session: Session,
    project_id: int,
    after_key: Key | None,
    limit: int | None,
    excluded: bool | None,
) -> list[DocumentRow]:
    query = (
        select(DocumentRow)
        .where(
            DocumentRow.project_id == project_id,
            _excluded_condition(excluded),
            after(READING_ORDER, after_key),
        )
        .order_by(*READING_ORDER)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def document_pages(
    session: Session, project_id: int, batch: int = 2000, excluded: bool | None = None
) -> Iterator[list[Document]]:
    """Every document in reading order, a page at a time (keyset, so the last page costs
    what the first does)."""
    cursor: Key | None = None
    while True:
        rows = _document_rows(session, project_id, cursor, batch, excluded)
        if not rows:
            return
        yield [to_document(r) for r in rows]
        if len(rows) < batch:
            return
        cursor = (rows[-1].ordinal, rows[-1].id)


@dataclass
class DocumentListItem:
    """One line of a document list: no text, so a page of them is cheap."""

    id: int
    key: str
    label: str
    year: int | None
    has_abstract: bool
    read: bool
    codings: int
    excluded: bool = False
    ordinal: int = 0  # with ``id``, the row's keyset cursor

    @property
    def cursor(self) -> Key:
        return (self.ordinal, self.id)


@dataclass(frozen=True)
class DocumentFilter:
    """What a document list shows: the same filter for its count, its pages and its keys."""

    coder_id: int | None = None
    unread_only: bool = False
    search: str | None = None
    excluded: bool | None = None  # as in ``documents`` (the reading list shows all, marked)


def _list_conditions(project_id: int, where: DocumentFilter) -> list[Any]:
    conditions: list[Any] = [DocumentRow.project_id == project_id]
    if where.unread_only and where.coder_id is not None:
        read = select(ReadMarkRow.document_id).where(ReadMarkRow.coder_id == where.coder_id)
        conditions.append(col(DocumentRow.id).not_in(read.scalar_subquery()))
    if where.excluded is not None:
        conditions.append(_excluded_condition(where.excluded))
    if where.search:
        like = f"%{where.search.lower()}%"
        conditions.append(
            or_(
                func.lower(DocumentRow.title).like(like),
                func.lower(DocumentRow.text).like(like),
                func.lower(DocumentRow.key).like(like),
                func.lower(DocumentRow.authors).like(like),
            )
        )
    return conditions


def document_list_keys(
    session: Session,
    project_id: int,
    where: DocumentFilter,
    after_key: Key | None,
    limit: int,
    descending: bool = False,
    every: int = 1,
    phase: int = 0,
) -> list[tuple[int, Key]]:
    """(n, (ordinal, id)) of the n-th rows of a filtered list after ``after_key``
    (backwards if ``descending``), up to the ``limit``-th: every row, or with ``every``
    only those whose n leaves ``phase`` over and the last (``keyset.sparse``). How a list
    jumps far ahead without reading the rows it skips: the ordering index holds both."""
    query = (
        select(DocumentRow.ordinal, DocumentRow.id)
        .where(*_list_conditions(project_id, where), after(READING_ORDER, after_key, descending))
        .order_by(*ordered(READING_ORDER, descending))
    )
    rows = session.exec(sparse(query, limit, descending, every, phase)).all()
    return [(n, (o, i)) for n, o, i in rows]


def document_page(
    session: Session,
    project_id: int,
    coder_id: int | None,
    after_key: Key | None = None,
    limit: int = 100,
    unread_only: bool = False,
    search: str | None = None,
    excluded: bool | None = None,
) -> tuple[int, list[DocumentListItem]]:
    """A page of the document list after the cursor ``after_key`` (the (ordinal, id) of
    the previous page's last row; None for the first page), filtered in SQL; returns
    (total matching, page). ``excluded``: as in ``documents``."""
    where = DocumentFilter(coder_id, unread_only, search, excluded)
    total = count_document_list(session, project_id, where)
    return total, document_list_page(session, project_id, where, after_key, limit)


def count_document_list(session: Session, project_id: int, where: DocumentFilter) -> int:
    """How many documents a filtered list holds (counted in SQL)."""
    return session.exec(
        select(func.count()).select_from(DocumentRow).where(*_list_conditions(project_id, where))
    ).one()


def document_list_page(
    session: Session,
    project_id: int,
    where: DocumentFilter,
    after_key: Key | None = None,
    limit: int = 100,
) -> list[DocumentListItem]:
    """The rows of a filtered document list after the cursor ``after_key``."""
    conditions = _list_conditions(project_id, where)
    coder_id = where.coder_id
    rows = session.exec(
        select(
            DocumentRow.id,
            DocumentRow.key,
            DocumentRow.title,
            DocumentRow.authors,
            DocumentRow.year,
            DocumentRow.has_abstract,
            func.substr(DocumentRow.text, 1, 120),  # enough to label an untitled, authorless record
            DocumentRow.ordinal,
        )
        .where(*conditions, after(READING_ORDER, after_key))
        .order_by(*READING_ORDER)
        .limit(limit)
    ).all()
    ids = [r[0] for r in rows]
    read_ids: set[int] = set()
    counts: dict[int, int] = {}
    set_aside: set[int] = set()
    if ids:
        set_aside = set(
            session.exec(
                select(ExclusionRow.document_id).where(col(ExclusionRow.document_id).in_(ids))
            )
        )
        if coder_id is not None:
            read_ids = set(
                session.exec(
                    select(ReadMarkRow.document_id).where(
                        ReadMarkRow.coder_id == coder_id, col(ReadMarkRow.document_id).in_(ids)
                    )
                )
            )
        counts = dict(
            session.exec(
                select(SegmentRow.document_id, func.count(CodingRow.id))
                .join(CodingRow, CodingRow.segment_id == SegmentRow.id)
                .where(col(SegmentRow.document_id).in_(ids))
                .group_by(SegmentRow.document_id)
            ).all()
        )
    items = []
    for doc_id, key, title, authors, year, has_abstract, opening, ordinal in rows:
        doc = Document(
            key=key, text=opening or "", title=title, authors=json.loads(authors or "[]"), year=year
        )
        items.append(
            DocumentListItem(
                doc_id,
                key,
                doc.label,
                year,
                has_abstract,
                doc_id in read_ids,
                counts.get(doc_id, 0),
                doc_id in set_aside,
                ordinal,
            )
        )
    return items


def units(session: Session, document_id: int) -> list[SegmentRow]:
    return list(
        session.exec(
            select(SegmentRow)
            .where(SegmentRow.document_id == document_id, SegmentRow.kind == "unit")
            .order_by(SegmentRow.ordinal)
        )
    )


def units_over(session: Session, document_id: int, start: int, end: int) -> list[SegmentRow]:
    """The reading units that overlap ``[start, end)``, in reading order: what a new span
    needs (its heading and speaker) without loading a long transcript's every turn."""
    return list(
        session.exec(
            select(SegmentRow)
            .where(
                SegmentRow.document_id == document_id,
                SegmentRow.kind == "unit",
                col(SegmentRow.start) < max(end, start + 1),
                col(SegmentRow.end) > start,
            )
            .order_by(SegmentRow.ordinal)
        )
    )


def segments_of(
    session: Session, document_id: int, kinds: Sequence[str] = ("unit",)
) -> list[Segment]:
    doc = session.get(DocumentRow, document_id)
    assert doc is not None
    rows = session.exec(
        select(SegmentRow)
        .where(SegmentRow.document_id == document_id, col(SegmentRow.kind).in_(kinds))
        .order_by(SegmentRow.start, SegmentRow.end, SegmentRow.id)
    )
    return [to_segment(r, doc) for r in rows]


def unit_by_ordinal(session: Session, document_id: int, ordinal: int) -> SegmentRow | None:
    return session.exec(
        select(SegmentRow).where(
            SegmentRow.document_id == document_id,
            SegmentRow.kind == "unit",
            SegmentRow.ordinal == ordinal,
        )
    ).first()


def span_segment(
    session: Session, document_id: int, kind: str, start: int, end: int
) -> SegmentRow | None:
    return session.exec(
        select(SegmentRow).where(
            SegmentRow.document_id == document_id,
            SegmentRow.kind == kind,
            SegmentRow.start == start,
            SegmentRow.end == end,
        )
    ).first()


def count_segments(session: Session, project_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(SegmentRow)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(DocumentRow.project_id == project_id, SegmentRow.kind == "unit", not_excluded())
    ).one()


class UnitSpan(NamedTuple):
    """A reading unit's place in its document: what a search over units needs, read as a
    plain tuple (a search scans every unit of a big project: no ORM object per unit)."""

    ordinal: int
    heading: str | None
    start: int
    end: int
    id: int


def iter_units_with_text(
    session: Session, project_id: int, like: Sequence[str] = (), batch: int = 500
) -> Iterator[tuple[str, str, list[UnitSpan]]]:
    """(key, text, units) for every document, in reading order and in batches; ``like``
    words (lower case) pre-filter documents in SQL so a search scans only candidates."""
    cursor: Key | None = None
    conn = session.connection()
    while True:
        query = select(
            DocumentRow.id, DocumentRow.key, DocumentRow.text, DocumentRow.ordinal
        ).where(DocumentRow.project_id == project_id, after(READING_ORDER, cursor))
        for word in like:
            query = query.where(func.lower(DocumentRow.text).like(f"%{word}%"))
        docs = session.exec(query.order_by(*READING_ORDER).limit(batch)).all()
        if not docs:
            return
        by_doc: dict[int, list[UnitSpan]] = {}
        for doc_id, ordinal, heading, start, end, seg_id in driver_rows(
            conn,
            'SELECT document_id, ordinal, heading, start, "end", id FROM segment '
            "WHERE kind = 'unit' AND document_id IN {ids} ORDER BY document_id, ordinal",
            (),
            [d[0] for d in docs],
        ):
            by_doc.setdefault(doc_id, []).append(UnitSpan(ordinal, heading, start, end, seg_id))
        for doc_id, key, text, _ordinal in docs:
            yield key, text, by_doc.get(doc_id, [])
        cursor = (docs[-1][3], docs[-1][0])


def unit_counts(session: Session, document_ids: Sequence[int]) -> dict[int, int]:
    if not document_ids:
        return {}
    return dict(
        session.exec(
            select(SegmentRow.document_id, func.count())
            .where(col(SegmentRow.document_id).in_(document_ids), SegmentRow.kind == "unit")
            .group_by(SegmentRow.document_id)
        ).all()
    )


@dataclass
class UnitText:
    """A reading unit with its text, as the theme check against the data set scans it."""

    key: str
    ordinal: int
    heading: str | None
    text: str
    coded: bool  # carries any coding at all


def iter_units_outside(
    session: Session, project_id: int, code_ids: Sequence[int], batch: int = 500
) -> Iterator[UnitText]:
    """Every reading unit none of ``code_ids`` is applied to, in reading order, fetched in
    batches of documents so memory stays flat on a large project."""
    inside = select(CodingRow.segment_id).where(
        CodingRow.project_id == project_id, col(CodingRow.code_id).in_(list(code_ids))
    )
    any_coding = select(CodingRow.segment_id).where(CodingRow.project_id == project_id)
    cursor: Key | None = None
    while True:
        docs = session.exec(
            select(DocumentRow.id, DocumentRow.key, DocumentRow.text, DocumentRow.ordinal)
            .where(DocumentRow.project_id == project_id, after(READING_ORDER, cursor))
            .order_by(*READING_ORDER)
            .limit(batch)
        ).all()
        if not docs:
            return
        ids = [d[0] for d in docs]
        segs = session.exec(
            select(SegmentRow, col(SegmentRow.id).in_(any_coding))
            .where(
                col(SegmentRow.document_id).in_(ids),
                SegmentRow.kind == "unit",
                col(SegmentRow.id).not_in(inside),
            )
            .order_by(SegmentRow.document_id, SegmentRow.ordinal)
        ).all()
        by_doc: dict[int, list[tuple[SegmentRow, bool]]] = {}
        for seg, coded in segs:
            by_doc.setdefault(seg.document_id, []).append((seg, bool(coded)))
        for doc_id, key, text, _ordinal in docs:
            for seg, coded in by_doc.get(doc_id, []):
                yield UnitText(key, seg.ordinal or 0, seg.heading, text[seg.start : seg.end], coded)
        cursor = (docs[-1][3], docs[-1][0])


def document_neighbour(session: Session, project_id: int, key: str, step: int) -> str | None:
    """The key of the next (step > 0) or previous (step < 0) document in reading order."""
    doc = document_row(session, project_id, key)
    if doc is None:
        return None
    backwards = step < 0
    where = after(READING_ORDER, (doc.ordinal, doc.id), descending=backwards)
    order = ordered(READING_ORDER, descending=backwards)
    return session.exec(
        select(DocumentRow.key)
        .where(DocumentRow.project_id == project_id, where, not_excluded())
        .order_by(*order)
        .limit(1)
    ).first()


def end_document_key(session: Session, project_id: int, last: bool = False) -> str | None:
    """The first (or last) document's key in reading order; None in an empty project."""
    return session.exec(
        select(DocumentRow.key)
        .where(DocumentRow.project_id == project_id, not_excluded())
        .order_by(*ordered(READING_ORDER, descending=last))
        .limit(1)
    ).first()


def document_index(session: Session, project_id: int, key: str) -> int | None:
    """A document's 0-based place in the unfiltered reading order (to put a list's cursor
    back on it), counted in SQL."""
    doc = document_row(session, project_id, key)
    if doc is None:
        return None
    return session.exec(
        select(func.count())
        .select_from(DocumentRow)
        .where(
            DocumentRow.project_id == project_id,
            after(READING_ORDER, (doc.ordinal, doc.id), descending=True),
        )
    ).one()


def document_metadata(session: Session, project_id: int) -> list[Document]:
    """Every document's bibliographic metadata in reading order, without the text: what
    citations and reference lists need, cheap even for a very large project (the driver's
    own rows: an export of a 10,000-document project reads them all)."""
    rows = driver_rows(
        session.connection(),
        'SELECT id, "key", title, authors, year, "date", "type", journal, volume, issue, '
        "pages, issn, doi FROM document WHERE project_id = ? ORDER BY ordinal, id",
        (project_id,),
    )
    return [
        Document(
            key=key, text="", title=title, authors=json_list(authors), year=year, date=date,
            type=type_, journal=journal, volume=volume, issue=issue, pages=pages, issn=issn, doi=doi,
            id=doc_id,
        )
        for doc_id, key, title, authors, year, date, type_, journal, volume, issue, pages, issn, doi in rows
    ]  # fmt: skip


def document_keys_by_hash(
    session: Session, project_id: int, hashes: Sequence[str]
) -> dict[str, str]:
    """{content hash: key} for the given hashes that the project already holds."""
    found: dict[str, str] = {}
    wanted = list(dict.fromkeys(hashes))
    for i in range(0, len(wanted), 500):
        for digest, key in session.exec(
            select(DocumentRow.content_hash, DocumentRow.key).where(
                DocumentRow.project_id == project_id,
                col(DocumentRow.content_hash).in_(wanted[i : i + 500]),
            )
        ):
            found.setdefault(digest, key)
    return found
