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
    sections = [Section(s.get("heading"), row.text[s["start"] : s["end"]]) for s in spans]
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
    for doc_id, key, title, authors, year, has_abstract in rows:
        doc = Document(
            key=key, text="", title=title, authors=json.loads(authors or "[]"), year=year
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
    out = []
    for coding, seg, doc, code_name, coder_name in session.exec(query):
        out.append(
            Coding(
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
            )
        )
    return out


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
