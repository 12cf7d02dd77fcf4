"""Typed reads: table rows in, domain objects out, paged in SQL.

The services and UIs never see a query; they call these functions with a session from
``Database.read()`` or ``Tx.session``. Lists are paged (``offset``/``limit``) so that a
100,000-document project never loads everything into memory or widgets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from coder.core.model import (
    AuditEvent,
    Code,
    CodeStatus,
    Coding,
    Document,
    Memo,
    Section,
    Segment,
    SegmentKind,
    Theme,
    ThemeStatus,
)
from coder.store.tables import (
    AuditEventRow,
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
    ExemplarRow,
    MemoRow,
    MisfitRow,
    PhaseStatusRow,
    ReadMarkRow,
    SegmentRow,
    ThemeCodeRow,
    ThemeRow,
    UiStateRow,
)

# ---- converters --------------------------------------------------------------------


def to_document(row: DocumentRow) -> Document:
    spans = json.loads(row.sections or "[]")
    sections = [
        Section(
            s.get("heading"),
            row.text[s["start"] : s["end"]],
            s.get("speaker"),
            s.get("start_ms"),
            s.get("end_ms"),
        )
        for s in spans
    ]
    return Document(
        key=row.key,
        text=row.text,
        sections=sections,
        title=row.title,
        authors=json.loads(row.authors or "[]"),
        year=row.year,
        date=row.date,
        type=row.type,
        journal=row.journal,
        volume=row.volume,
        issue=row.issue,
        pages=row.pages,
        issn=row.issn,
        doi=row.doi,
        keywords=json.loads(row.keywords or "[]"),
        source_file=row.source_file,
        source_format=row.source_format,
        content_hash=row.content_hash,
        id=row.id,
    )


def to_segment(row: SegmentRow, doc: DocumentRow) -> Segment:
    return Segment(
        id=row.id,
        document_key=doc.key,
        ordinal=row.ordinal,
        kind=SegmentKind(row.kind),
        start=row.start,
        end=row.end,
        heading=row.heading,
        text=doc.text[row.start : row.end],
        speaker=row.speaker,
        start_ms=row.start_ms,
        end_ms=row.end_ms,
    )


def to_code(row: CodeRow, names: dict[int, str]) -> Code:
    return Code(
        name=row.name,
        definition=row.definition,
        include=row.include,
        exclude=row.exclude,
        examples=json.loads(row.examples or "[]"),
        keywords=json.loads(row.keywords or "[]"),
        colour=row.colour,
        parent=names.get(row.parent_id) if row.parent_id else None,
        uid=row.uid,
        status=CodeStatus(row.status),
        merged_into=names.get(row.merged_into_id) if row.merged_into_id else None,
        id=row.id,
    )


# ---- documents and segments --------------------------------------------------------


def document_row(session: Session, project_id: int, key: str) -> DocumentRow | None:
    return session.exec(
        select(DocumentRow).where(DocumentRow.project_id == project_id, DocumentRow.key == key)
    ).first()


def document_keys(session: Session, project_id: int) -> list[str]:
    return list(session.exec(select(DocumentRow.key).where(DocumentRow.project_id == project_id)))


def count_documents(session: Session, project_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(DocumentRow).where(DocumentRow.project_id == project_id)
    ).one()


def documents(
    session: Session, project_id: int, offset: int = 0, limit: int | None = None
) -> list[Document]:
    query = (
        select(DocumentRow)
        .where(DocumentRow.project_id == project_id)
        .order_by(DocumentRow.ordinal, DocumentRow.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [to_document(r) for r in session.exec(query)]


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


def document_page(
    session: Session,
    project_id: int,
    coder_id: int | None,
    offset: int = 0,
    limit: int = 100,
    unread_only: bool = False,
    search: str | None = None,
) -> tuple[int, list[DocumentListItem]]:
    """A page of the document list, filtered in SQL; returns (total matching, page)."""
    read = (
        select(ReadMarkRow.document_id).where(ReadMarkRow.coder_id == coder_id).scalar_subquery()
        if coder_id is not None
        else None
    )
    conditions: list[Any] = [DocumentRow.project_id == project_id]
    if unread_only and read is not None:
        conditions.append(col(DocumentRow.id).not_in(read))
    if search:
        like = f"%{search.lower()}%"
        conditions.append(
            or_(
                func.lower(DocumentRow.title).like(like),
                func.lower(DocumentRow.text).like(like),
                func.lower(DocumentRow.key).like(like),
                func.lower(DocumentRow.authors).like(like),
            )
        )
    total = session.exec(select(func.count()).select_from(DocumentRow).where(*conditions)).one()
    rows = session.exec(
        select(
            DocumentRow.id,
            DocumentRow.key,
            DocumentRow.title,
            DocumentRow.authors,
            DocumentRow.year,
            DocumentRow.has_abstract,
            func.substr(DocumentRow.text, 1, 120),  # enough to label an untitled, authorless record
        )
        .where(*conditions)
        .order_by(DocumentRow.ordinal, DocumentRow.id)
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [r[0] for r in rows]
    read_ids: set[int] = set()
    counts: dict[int, int] = {}
    if ids:
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
    for doc_id, key, title, authors, year, has_abstract, opening in rows:
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
            )
        )
    return total, items


def units(session: Session, document_id: int) -> list[SegmentRow]:
    return list(
        session.exec(
            select(SegmentRow)
            .where(SegmentRow.document_id == document_id, SegmentRow.kind == "unit")
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
        .where(DocumentRow.project_id == project_id, SegmentRow.kind == "unit")
    ).one()


def count_coded_segments(session: Session, project_id: int, coder_id: int | None = None) -> int:
    query = (
        select(func.count(func.distinct(CodingRow.segment_id)))
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .where(CodingRow.project_id == project_id, SegmentRow.kind == "unit")
    )
    if coder_id is not None:
        query = query.where(CodingRow.coder_id == coder_id)
    return session.exec(query).one()


def count_read(session: Session, project_id: int, coder_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(ReadMarkRow)
        .join(DocumentRow, DocumentRow.id == ReadMarkRow.document_id)
        .where(DocumentRow.project_id == project_id, ReadMarkRow.coder_id == coder_id)
    ).one()


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


# ---- coders ------------------------------------------------------------------------


def coder_id(session: Session, name: str) -> int | None:
    return session.exec(select(CoderRow.id).where(CoderRow.name == name)).first()


def coder_names(session: Session) -> list[str]:
    return list(session.exec(select(CoderRow.name).order_by(CoderRow.name)))


# ---- codes -------------------------------------------------------------------------


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
    counts = {r[0]: r[1:] for r in session.exec(query)}
    return [
        CodeCount(c, *counts.get(c.id, (0, 0, 0)))
        for c in codes(session, project_id, include_inactive=include_inactive)
    ]


# ---- codings -----------------------------------------------------------------------


def coding_row(session: Session, segment_id: int, code_id: int, coder_id: int) -> CodingRow | None:
    return session.exec(
        select(CodingRow).where(
            CodingRow.segment_id == segment_id,
            CodingRow.code_id == code_id,
            CodingRow.coder_id == coder_id,
        )
    ).first()


def codings(
    session: Session,
    project_id: int,
    document_id: int | None = None,
    code_ids: Sequence[int] | None = None,
    coder_ids: Sequence[int] | None = None,
    segment_ids: Sequence[int] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[Coding]:
    query = (
        select(CodingRow, SegmentRow, DocumentRow, CodeRow.name, CoderRow.name)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .join(CoderRow, CoderRow.id == CodingRow.coder_id)
        .where(CodingRow.project_id == project_id)
    )
    if document_id is not None:
        query = query.where(SegmentRow.document_id == document_id)
    if code_ids is not None:
        query = query.where(col(CodingRow.code_id).in_(code_ids))
    if coder_ids is not None:
        query = query.where(col(CodingRow.coder_id).in_(coder_ids))
    if segment_ids is not None:
        query = query.where(col(CodingRow.segment_id).in_(segment_ids))
    query = query.order_by(
        DocumentRow.ordinal, DocumentRow.id, SegmentRow.start, CodingRow.id
    ).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_coding_of(*row) for row in session.exec(query)]


# ---- themes ------------------------------------------------------------------------


def theme_rows(
    session: Session, project_id: int, include_discarded: bool = False
) -> list[ThemeRow]:
    query = select(ThemeRow).where(ThemeRow.project_id == project_id)
    if not include_discarded:
        query = query.where(ThemeRow.status != "discarded")
    return list(session.exec(query.order_by(ThemeRow.order, ThemeRow.id)))


def theme_row(session: Session, project_id: int, name: str) -> ThemeRow | None:
    return session.exec(
        select(ThemeRow).where(
            ThemeRow.project_id == project_id, ThemeRow.name == name, ThemeRow.status != "discarded"
        )
    ).first()


def theme_code_row(session: Session, theme_id: int, code_id: int) -> ThemeCodeRow | None:
    return session.exec(
        select(ThemeCodeRow).where(
            ThemeCodeRow.theme_id == theme_id, ThemeCodeRow.code_id == code_id
        )
    ).first()


def theme_code_rows(session: Session, theme_id: int) -> list[ThemeCodeRow]:
    return list(session.exec(select(ThemeCodeRow).where(ThemeCodeRow.theme_id == theme_id)))


def themes(session: Session, project_id: int) -> list[Theme]:
    rows = theme_rows(session, project_id)
    names = {r.id: r.name for r in rows}
    code_names = {r.id: r.name for r in code_rows(session, project_id)}
    links: dict[int, list[str]] = {}
    for link in session.exec(
        select(ThemeCodeRow)
        .where(col(ThemeCodeRow.theme_id).in_(list(names)))
        .order_by(ThemeCodeRow.id)
    ):
        links.setdefault(link.theme_id, []).append(code_names[link.code_id])
    return [
        Theme(
            name=r.name,
            definition=r.definition,
            scope=r.scope,
            codes=links.get(r.id, []),
            parent=names.get(r.parent_id) if r.parent_id else None,
            order=r.order,
            status=ThemeStatus(r.status),
            uid=r.uid,
            id=r.id,
        )
        for r in rows
    ]


def exemplar_rows(session: Session, theme_id: int) -> list[ExemplarRow]:
    return list(
        session.exec(
            select(ExemplarRow).where(ExemplarRow.theme_id == theme_id).order_by(ExemplarRow.order)
        )
    )


def exemplar_row(session: Session, theme_id: int, coding_id: int) -> ExemplarRow | None:
    return session.exec(
        select(ExemplarRow).where(
            ExemplarRow.theme_id == theme_id, ExemplarRow.coding_id == coding_id
        )
    ).first()


def misfit_row(session: Session, theme_id: int, coding_id: int) -> MisfitRow | None:
    return session.exec(
        select(MisfitRow).where(MisfitRow.theme_id == theme_id, MisfitRow.coding_id == coding_id)
    ).first()


def misfit_coding_ids(session: Session, theme_id: int) -> set[int]:
    return set(session.exec(select(MisfitRow.coding_id).where(MisfitRow.theme_id == theme_id)))


# ---- memos -------------------------------------------------------------------------


def memos(
    session: Session,
    project_id: int,
    target_type: str | None = None,
    target_id: int | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[Memo]:
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
    query = query.order_by(col(MemoRow.created_at).desc(), col(MemoRow.id).desc())
    if limit is not None:
        query = query.limit(limit)
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
        )
        for m, name in session.exec(query)
    ]


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


# ---- phases and ui state -----------------------------------------------------------


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


def save_ui_state(session: Session, project_id: int, coder_id: int, values: dict[str, str]) -> None:
    """Where the coder left off. Not analysis data, so not audited."""
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


# ---- audit -------------------------------------------------------------------------


def to_event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        row.seq, row.time, row.coder, row.action, row.target,
        json.loads(row.before), json.loads(row.after), row.prev_hash, row.hash,
    )  # fmt: skip


def audit_events(
    session: Session,
    project_id: int,
    coder: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = True,
) -> list[AuditEvent]:
    query = select(AuditEventRow).where(AuditEventRow.project_id == project_id)
    if coder:
        query = query.where(AuditEventRow.coder == coder)
    if action:
        query = query.where(AuditEventRow.action == action)
    if target:
        query = query.where(func.lower(AuditEventRow.target).like(f"%{target.lower()}%"))
    order = col(AuditEventRow.seq).desc() if newest_first else col(AuditEventRow.seq)
    query = query.order_by(order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [to_event(r) for r in session.exec(query)]


def audit_event(session: Session, project_id: int, seq: int) -> AuditEvent | None:
    row = session.exec(
        select(AuditEventRow).where(
            AuditEventRow.project_id == project_id, AuditEventRow.seq == seq
        )
    ).first()
    return to_event(row) if row else None


def coder_history(session: Session, project_id: int, coder: str) -> list[tuple[int, str, str]]:
    """(seq, action, target) of one coder's events, oldest first: what undo/redo replay."""
    return [
        (r[0], r[1], r[2])
        for r in session.exec(
            select(AuditEventRow.seq, AuditEventRow.action, AuditEventRow.target)
            .where(AuditEventRow.project_id == project_id, AuditEventRow.coder == coder)
            .order_by(AuditEventRow.seq)
        )
    ]


def code_name(session: Session, code_id: int) -> str | None:
    row = session.get(CodeRow, code_id)
    return row.name if row else None


def rows_for_coding(session: Session, table: str, coding_id: int) -> list[ExemplarRow | MisfitRow]:
    model = {"theme_exemplar": ExemplarRow, "theme_misfit": MisfitRow}[table]
    return list(session.exec(select(model).where(model.coding_id == coding_id)))


def codings_of_code(session: Session, code_id: int) -> list[CodingRow]:
    return list(session.exec(select(CodingRow).where(CodingRow.code_id == code_id)))


def children_of(session: Session, code_id: int) -> list[CodeRow]:
    return list(session.exec(select(CodeRow).where(CodeRow.parent_id == code_id)))


def theme_links_of_code(session: Session, code_id: int) -> list[ThemeCodeRow]:
    return list(session.exec(select(ThemeCodeRow).where(ThemeCodeRow.code_id == code_id)))


def next_code_order(session: Session, project_id: int) -> int:
    value = session.exec(
        select(func.max(CodeRow.order)).where(CodeRow.project_id == project_id)
    ).one()
    return (value or 0) + 1


def next_theme_order(session: Session, project_id: int) -> int:
    value = session.exec(
        select(func.max(ThemeRow.order)).where(ThemeRow.project_id == project_id)
    ).one()
    return (value or 0) + 1


def iter_units_with_text(
    session: Session, project_id: int, like: Sequence[str] = (), batch: int = 500
) -> Iterator[tuple[str, str, list[SegmentRow]]]:
    """(key, text, units) for every document, in reading order and in batches; ``like``
    words (lower case) pre-filter documents in SQL so a search scans only candidates."""
    last_ordinal, last_id = -1, -1
    while True:
        query = select(
            DocumentRow.id, DocumentRow.key, DocumentRow.text, DocumentRow.ordinal
        ).where(
            DocumentRow.project_id == project_id,
            or_(
                DocumentRow.ordinal > last_ordinal,
                and_(DocumentRow.ordinal == last_ordinal, DocumentRow.id > last_id),
            ),
        )
        for word in like:
            query = query.where(func.lower(DocumentRow.text).like(f"%{word}%"))
        docs = session.exec(query.order_by(DocumentRow.ordinal, DocumentRow.id).limit(batch)).all()
        if not docs:
            return
        ids = [d[0] for d in docs]
        by_doc: dict[int, list[SegmentRow]] = {}
        for seg in session.exec(
            select(SegmentRow)
            .where(col(SegmentRow.document_id).in_(ids), SegmentRow.kind == "unit")
            .order_by(SegmentRow.document_id, SegmentRow.ordinal)
        ):
            by_doc.setdefault(seg.document_id, []).append(seg)
        for doc_id, key, text, _ordinal in docs:
            yield key, text, by_doc.get(doc_id, [])
        last_ordinal, last_id = docs[-1][3], docs[-1][0]


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


# ---- phases 3 to 6: co-occurrence, theme extracts, quality evidence ------------------


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


def _live_theme_ids(project_id: int):
    return select(ThemeRow.id).where(
        ThemeRow.project_id == project_id, ThemeRow.status != "discarded"
    )


def _theme_codings_query(project_id: int, theme_id: int):
    codes_of_theme = select(ThemeCodeRow.code_id).where(ThemeCodeRow.theme_id == theme_id)
    return (
        select(CodingRow, SegmentRow, DocumentRow, CodeRow.name, CoderRow.name)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .join(CoderRow, CoderRow.id == CodingRow.coder_id)
        .where(CodingRow.project_id == project_id, col(CodingRow.code_id).in_(codes_of_theme))
    )


def _coding_of(
    coding: CodingRow, seg: SegmentRow, doc: DocumentRow, code_name: str, coder_name: str
) -> Coding:
    return Coding(
        id=coding.id,
        segment_id=seg.id,
        document_key=doc.key,
        code=code_name,
        coder=coder_name,
        start=seg.start,
        end=seg.end,
        heading=seg.heading,
        text=doc.text[seg.start : seg.end],
        created_at=coding.created_at,
        memo=coding.memo,
        ordinal=seg.ordinal,
        speaker=seg.speaker,
    )


def count_theme_codings(session: Session, project_id: int, theme_id: int) -> int:
    codes_of_theme = select(ThemeCodeRow.code_id).where(ThemeCodeRow.theme_id == theme_id)
    return session.exec(
        select(func.count(CodingRow.id)).where(
            CodingRow.project_id == project_id, col(CodingRow.code_id).in_(codes_of_theme)
        )
    ).one()


def theme_codings(
    session: Session, project_id: int, theme_id: int, offset: int = 0, limit: int | None = None
) -> list[Coding]:
    """A theme's coded extracts grouped by code (codebook order), then in reading order."""
    query = _theme_codings_query(project_id, theme_id).order_by(
        CodeRow.order,
        CodeRow.name,
        DocumentRow.ordinal,
        DocumentRow.id,
        SegmentRow.start,
        CodingRow.id,
    )
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_coding_of(*row) for row in session.exec(query)]


def exemplar_codings(session: Session, project_id: int, theme_id: int) -> list[Coding]:
    """A theme's exemplar extracts in their chosen order."""
    query = (
        _theme_codings_query(project_id, theme_id)
        .join(
            ExemplarRow,
            and_(ExemplarRow.coding_id == CodingRow.id, ExemplarRow.theme_id == theme_id),
        )
        .order_by(ExemplarRow.order, ExemplarRow.id)
    )
    return [_coding_of(*row) for row in session.exec(query)]


def exemplar_coding_ids(session: Session, theme_id: int) -> set[int]:
    return set(session.exec(select(ExemplarRow.coding_id).where(ExemplarRow.theme_id == theme_id)))


@dataclass
class ThemeStats:
    """Counts over a theme's codes: codings, distinct segments and documents, marks."""

    codes: int = 0
    codings: int = 0
    segments: int = 0
    documents: int = 0
    exemplars: int = 0
    misfits: int = 0


def theme_stats(session: Session, project_id: int) -> dict[int, ThemeStats]:
    """Per live theme, in a handful of grouped queries whatever the project's size."""
    live = _live_theme_ids(project_id)
    stats: dict[int, ThemeStats] = {tid: ThemeStats() for tid in session.exec(live)}
    for tid, n in session.exec(
        select(ThemeCodeRow.theme_id, func.count())
        .where(col(ThemeCodeRow.theme_id).in_(live))
        .group_by(ThemeCodeRow.theme_id)
    ):
        stats[tid].codes = n
    for tid, codings_n, segments_n, documents_n in session.exec(
        select(
            ThemeCodeRow.theme_id,
            func.count(CodingRow.id),
            func.count(func.distinct(CodingRow.segment_id)),
            func.count(func.distinct(SegmentRow.document_id)),
        )
        .join(CodingRow, CodingRow.code_id == ThemeCodeRow.code_id)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .where(col(ThemeCodeRow.theme_id).in_(live), CodingRow.project_id == project_id)
        .group_by(ThemeCodeRow.theme_id)
    ):
        s = stats[tid]
        s.codings, s.segments, s.documents = codings_n, segments_n, documents_n
    for model, name in ((ExemplarRow, "exemplars"), (MisfitRow, "misfits")):
        for tid, n in session.exec(
            select(model.theme_id, func.count())
            .where(col(model.theme_id).in_(live))
            .group_by(model.theme_id)
        ):
            setattr(stats[tid], name, n)
    return stats


def theme_shared_segments(session: Session, project_id: int) -> dict[tuple[int, int], int]:
    """Coded segments each pair of live themes has in common (theme ids a < b)."""
    from sqlalchemy.orm import aliased

    pairs = (
        select(ThemeCodeRow.theme_id.label("theme_id"), CodingRow.segment_id.label("segment_id"))
        .join(CodingRow, CodingRow.code_id == ThemeCodeRow.code_id)
        .where(
            col(ThemeCodeRow.theme_id).in_(_live_theme_ids(project_id)),
            CodingRow.project_id == project_id,
        )
        .distinct()
        .subquery()
    )
    a, b = aliased(pairs), aliased(pairs)
    rows = session.exec(
        select(a.c.theme_id, b.c.theme_id, func.count())
        .select_from(a)
        .join(b, and_(a.c.segment_id == b.c.segment_id, a.c.theme_id < b.c.theme_id))
        .group_by(a.c.theme_id, b.c.theme_id)
    ).all()
    return {(x, y): n for x, y, n in rows}


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


def unthemed_codes(session: Session, project_id: int) -> list[tuple[str, int]]:
    """Active codes in no live theme (the unassigned pile), with their number of codings."""
    themed = select(ThemeCodeRow.code_id).where(
        col(ThemeCodeRow.theme_id).in_(_live_theme_ids(project_id))
    )
    rows = session.exec(
        select(CodeRow.name, func.count(CodingRow.id))
        .outerjoin(CodingRow, CodingRow.code_id == CodeRow.id)
        .where(
            CodeRow.project_id == project_id,
            CodeRow.status == "active",
            col(CodeRow.id).not_in(themed),
        )
        .group_by(CodeRow.id, CodeRow.name, CodeRow.order)
        .order_by(CodeRow.order, CodeRow.id)
    ).all()
    return [(name, n) for name, n in rows]


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


def iter_audit_times(
    session: Session, project_id: int, batch: int = 5000
) -> Iterator[tuple[str, str, str, str]]:
    """(time, coder, action, target) of every audit event, oldest first, in batches."""
    last = 0
    while True:
        rows = session.exec(
            select(
                AuditEventRow.seq,
                AuditEventRow.time,
                AuditEventRow.coder,
                AuditEventRow.action,
                AuditEventRow.target,
            )
            .where(AuditEventRow.project_id == project_id, AuditEventRow.seq > last)
            .order_by(AuditEventRow.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        for _seq, time, coder, action, target in rows:
            yield time, coder, action, target
        last = rows[-1][0]


def audit_actions(session: Session, project_id: int) -> list[str]:
    """The distinct actions in the trail, for the audit view's filter."""
    return list(
        session.exec(
            select(AuditEventRow.action)
            .where(AuditEventRow.project_id == project_id)
            .distinct()
            .order_by(AuditEventRow.action)
        )
    )


def count_audit_events(
    session: Session,
    project_id: int,
    coder: str | None = None,
    action: str | None = None,
    target: str | None = None,
) -> int:
    query = (
        select(func.count())
        .select_from(AuditEventRow)
        .where(AuditEventRow.project_id == project_id)
    )
    if coder:
        query = query.where(AuditEventRow.coder == coder)
    if action:
        query = query.where(AuditEventRow.action == action)
    if target:
        query = query.where(func.lower(AuditEventRow.target).like(f"%{target.lower()}%"))
    return session.exec(query).one()


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
    last_ordinal, last_id = -1, -1
    while True:
        docs = session.exec(
            select(DocumentRow.id, DocumentRow.key, DocumentRow.text, DocumentRow.ordinal)
            .where(
                DocumentRow.project_id == project_id,
                or_(
                    DocumentRow.ordinal > last_ordinal,
                    and_(DocumentRow.ordinal == last_ordinal, DocumentRow.id > last_id),
                ),
            )
            .order_by(DocumentRow.ordinal, DocumentRow.id)
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
        last_ordinal, last_id = docs[-1][3], docs[-1][0]


# ---- TUI: the phase stepper, reading-order navigation, where a coder left off --------


def ensure_coder(session: Session, name: str) -> int:
    """The coder's id, adding the coder on first use: the TUI remembers where a coder left
    off (ui_state) before they have made any audited change."""
    found = coder_id(session, name)
    if found is not None:
        return found
    from coder.store.db import now

    row = CoderRow(name=name, created_at=now())
    session.add(row)
    session.commit()
    session.refresh(row)
    assert row.id is not None
    return row.id


def theme_status_counts(session: Session, project_id: int) -> dict[str, int]:
    """Themes (not discarded) per status, in one grouped COUNT: the stepper's phases 3-5."""
    return dict(
        session.exec(
            select(ThemeRow.status, func.count())
            .where(ThemeRow.project_id == project_id, ThemeRow.status != "discarded")
            .group_by(ThemeRow.status)
        ).all()
    )


def count_unassigned_codes(session: Session, project_id: int) -> int:
    """Active codes in no live theme: the unassigned pile of phase 3."""
    linked = (
        select(ThemeCodeRow.code_id)
        .join(ThemeRow, ThemeRow.id == ThemeCodeRow.theme_id)
        .where(ThemeRow.project_id == project_id, ThemeRow.status != "discarded")
    )
    return session.exec(
        select(func.count())
        .select_from(CodeRow)
        .where(
            CodeRow.project_id == project_id,
            CodeRow.status == "active",
            col(CodeRow.id).not_in(linked),
        )
    ).one()


def document_neighbour(session: Session, project_id: int, key: str, step: int) -> str | None:
    """The key of the next (step > 0) or previous (step < 0) document in reading order."""
    doc = document_row(session, project_id, key)
    if doc is None:
        return None
    if step > 0:
        where = or_(
            DocumentRow.ordinal > doc.ordinal,
            and_(DocumentRow.ordinal == doc.ordinal, DocumentRow.id > doc.id),
        )
        order = (col(DocumentRow.ordinal), col(DocumentRow.id))
    else:
        where = or_(
            DocumentRow.ordinal < doc.ordinal,
            and_(DocumentRow.ordinal == doc.ordinal, DocumentRow.id < doc.id),
        )
        order = (col(DocumentRow.ordinal).desc(), col(DocumentRow.id).desc())
    return session.exec(
        select(DocumentRow.key)
        .where(DocumentRow.project_id == project_id, where)
        .order_by(*order)
        .limit(1)
    ).first()


def end_document_key(session: Session, project_id: int, last: bool = False) -> str | None:
    """The first (or last) document's key in reading order; None in an empty project."""
    order = (
        (col(DocumentRow.ordinal).desc(), col(DocumentRow.id).desc())
        if last
        else (col(DocumentRow.ordinal), col(DocumentRow.id))
    )
    return session.exec(
        select(DocumentRow.key)
        .where(DocumentRow.project_id == project_id)
        .order_by(*order)
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
            or_(
                DocumentRow.ordinal < doc.ordinal,
                and_(DocumentRow.ordinal == doc.ordinal, DocumentRow.id < doc.id),
            ),
        )
    ).one()


# ---- exports and project exchange (issue 7) -------------------------------------------


def document_metadata(session: Session, project_id: int) -> list[Document]:
    """Every document's bibliographic metadata in reading order, without the text: what
    citations and reference lists need, cheap even for a very large project."""
    rows = session.exec(
        select(
            DocumentRow.id,
            DocumentRow.key,
            DocumentRow.title,
            DocumentRow.authors,
            DocumentRow.year,
            DocumentRow.date,
            DocumentRow.type,
            DocumentRow.journal,
            DocumentRow.volume,
            DocumentRow.issue,
            DocumentRow.pages,
            DocumentRow.issn,
            DocumentRow.doi,
        )
        .where(DocumentRow.project_id == project_id)
        .order_by(DocumentRow.ordinal, DocumentRow.id)
    ).all()
    return [
        Document(
            key=key, text="", title=title, authors=json.loads(authors or "[]"), year=year, date=date,
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


# ---- agreement between coders: set reads, never one query per unit ------------------


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


def family_coverage(
    session: Session, project_id: int, code_ids: Sequence[int], misfit_theme_ids: Sequence[int]
) -> tuple[int, int]:
    """(distinct coded segments, distinct documents) of some codes, leaving out codings
    marked as misfits of the given themes: a theme's support as the report counts it."""
    if not code_ids:
        return 0, 0
    misfits = select(MisfitRow.coding_id).where(col(MisfitRow.theme_id).in_(list(misfit_theme_ids)))
    segments, documents = session.exec(
        select(
            func.count(func.distinct(CodingRow.segment_id)),
            func.count(func.distinct(SegmentRow.document_id)),
        )
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .where(
            CodingRow.project_id == project_id,
            col(CodingRow.code_id).in_(list(code_ids)),
            col(CodingRow.id).not_in(misfits),
        )
    ).one()
    return segments, documents
