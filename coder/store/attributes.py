"""Case attributes and the queries that cross codes and themes with them.

An attribute belongs to a document (by key) or to a speaker (by name). Three document
attributes come from the reference metadata itself (``year``, ``journal``, ``type``) and
one from transcripts (``speaker``); they are read from their columns, never copied.

The value of an attribute for one coded extract: a speaker's own value when the extract
was spoken by someone who has it, else the document's. Extracts with no value count
under ``None`` ("(none)" in reports), so a matrix always adds up to its codings.

Counts are grouped in SQL, so a matrix over 100,000 abstracts reads one row per cell.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import String, cast, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from coder.store.tables import (
    AttributeRow,
    CodeRow,
    CodingRow,
    DocumentRow,
    SegmentRow,
    ThemeCodeRow,
    ThemeRow,
)

METADATA = {"year": DocumentRow.year, "journal": DocumentRow.journal, "type": DocumentRow.type}
BUILT_IN = (*METADATA, "speaker")


def attribute_rows(
    session: Session,
    project_id: int,
    target_type: str | None = None,
    target: str | None = None,
    name: str | None = None,
) -> list[AttributeRow]:
    query = select(AttributeRow).where(AttributeRow.project_id == project_id)
    if target_type is not None:
        query = query.where(AttributeRow.target_type == target_type)
    if target is not None:
        query = query.where(AttributeRow.target == target)
    if name is not None:
        query = query.where(AttributeRow.name == name)
    return list(session.exec(query.order_by(AttributeRow.target, AttributeRow.name)))


def attribute_row(
    session: Session, project_id: int, target_type: str, target: str, name: str
) -> AttributeRow | None:
    return session.exec(
        select(AttributeRow).where(
            AttributeRow.project_id == project_id,
            AttributeRow.target_type == target_type,
            AttributeRow.target == target,
            AttributeRow.name == name,
        )
    ).first()


def attribute_names(session: Session, project_id: int) -> list[str]:
    """Names the user gave attributes, sorted."""
    return list(
        session.exec(
            select(AttributeRow.name)
            .where(AttributeRow.project_id == project_id)
            .distinct()
            .order_by(AttributeRow.name)
        )
    )


def speakers(session: Session, project_id: int) -> list[str]:
    """Everyone who speaks in the project's transcripts, sorted."""
    return list(
        session.exec(
            select(SegmentRow.speaker)
            .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
            .where(DocumentRow.project_id == project_id, col(SegmentRow.speaker).is_not(None))
            .distinct()
            .order_by(SegmentRow.speaker)
        )
    )


def _value_column(project_id: int, name: str) -> tuple[Any, list[tuple[Any, Any]]]:
    """The SQL expression of attribute ``name`` for a coded segment, and the outer joins
    it needs (``(table, on)`` pairs)."""
    if name in METADATA:
        return cast(METADATA[name], String), []
    if name == "speaker":
        return SegmentRow.speaker, []
    by_doc = aliased(AttributeRow)
    by_speaker = aliased(AttributeRow)
    joins = [
        (
            by_doc,
            (by_doc.project_id == project_id)
            & (by_doc.target_type == "document")
            & (by_doc.target == DocumentRow.key)
            & (by_doc.name == name),
        ),
        (
            by_speaker,
            (by_speaker.project_id == project_id)
            & (by_speaker.target_type == "speaker")
            & (by_speaker.target == SegmentRow.speaker)
            & (by_speaker.name == name),
        ),
    ]
    return func.coalesce(by_speaker.value, by_doc.value), joins


def _coded(project_id: int, row_column: Any, name: str, extra: Sequence[Any] = ()) -> Any:
    value, joins = _value_column(project_id, name)
    query = (
        select(row_column, value.label("value"), *extra)
        .select_from(CodingRow)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(CodingRow.project_id == project_id)
    )
    for table, on in joins:
        query = query.outerjoin(table, on)
    return query, value


def matrix_counts(
    session: Session, project_id: int, rows: str, name: str
) -> list[tuple[int, str | None, int, int]]:
    """``(row id, value, extracts, documents)`` per non-empty cell: rows are codes
    (``rows="codes"``, ids of CodeRow) or themes (ThemeRow ids). An extract is a coded
    segment, counted once per row however many coders or codes of the theme coded it."""
    if rows == "codes":
        row_column = CodingRow.code_id
        query, value = _coded(project_id, row_column, name)
    else:
        row_column = ThemeCodeRow.theme_id
        query, value = _coded(project_id, row_column, name)
        query = (
            query.join(ThemeCodeRow, ThemeCodeRow.code_id == CodingRow.code_id)
            .join(ThemeRow, ThemeRow.id == ThemeCodeRow.theme_id)
            .where(ThemeRow.status != "discarded")
        )
    query = query.add_columns(
        func.count(func.distinct(SegmentRow.id)), func.count(func.distinct(DocumentRow.id))
    ).group_by(row_column, value)
    out = []
    for row_id, val, extracts, documents in session.execute(query):
        out.append((row_id, val, extracts, documents))
    return out


def cell_extracts(
    session: Session,
    project_id: int,
    rows: str,
    row_id: int,
    name: str,
    value: str | None,
    limit: int = 200,
) -> list[tuple[str, int, int, str, str | None, str | None]]:
    """The extracts behind one matrix cell, in reading order: ``(document key, start,
    end, text, speaker, heading)``, each coded segment once."""
    query, val = _coded(project_id, SegmentRow.id, name)
    if rows == "codes":
        query = query.where(CodingRow.code_id == row_id)
    else:
        codes = select(ThemeCodeRow.code_id).where(ThemeCodeRow.theme_id == row_id)
        query = query.where(col(CodingRow.code_id).in_(codes))
    query = query.where(val.is_(None) if value is None else val == value)
    segment_ids = select(query.subquery().c[0])
    found = session.execute(
        select(
            DocumentRow.key,
            SegmentRow.start,
            SegmentRow.end,
            DocumentRow.text,
            SegmentRow.speaker,
            SegmentRow.heading,
        )
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(col(SegmentRow.id).in_(segment_ids))
        .order_by(DocumentRow.ordinal, DocumentRow.id, SegmentRow.start, SegmentRow.id)
        .limit(limit)
    )
    return [
        (key, start, end, text[start:end], speaker, heading)
        for key, start, end, text, speaker, heading in found
    ]


def document_values(session: Session, project_id: int, name: str) -> dict[str, str | None]:
    """Each document's own value of attribute ``name`` by key (not a speaker's)."""
    if name in METADATA:
        column = METADATA[name]
        return {
            key: None if value is None else str(value)
            for key, value in session.execute(
                select(DocumentRow.key, column).where(DocumentRow.project_id == project_id)
            )
        }
    return {
        row.target: row.value for row in attribute_rows(session, project_id, "document", name=name)
    }


def code_names(session: Session, project_id: int) -> dict[int, str]:
    return dict(
        session.execute(
            select(CodeRow.id, CodeRow.name).where(CodeRow.project_id == project_id)
        ).all()
    )  # type: ignore[arg-type]


def iter_unit_texts(
    session: Session, project_id: int, batch: int = 500
) -> Iterator[tuple[str, str | None, str]]:
    """``(document key, speaker, unit text)`` of every reading unit, documents paged by
    key set (``id``) so a 100,000-abstract project streams. A transcript's units leave
    out the speaker labels, so words count what was said."""
    last = 0
    while True:
        docs = session.execute(
            select(DocumentRow.id, DocumentRow.key, DocumentRow.text)
            .where(DocumentRow.project_id == project_id, DocumentRow.id > last)
            .order_by(DocumentRow.id)
            .limit(batch)
        ).all()
        if not docs:
            return
        last = docs[-1][0]
        units: dict[int, list[tuple[int, int, str | None]]] = {}
        for doc_id, start, end, speaker in session.execute(
            select(SegmentRow.document_id, SegmentRow.start, SegmentRow.end, SegmentRow.speaker)
            .where(col(SegmentRow.document_id).in_([d[0] for d in docs]), SegmentRow.kind == "unit")
            .order_by(SegmentRow.document_id, SegmentRow.ordinal)
        ):
            units.setdefault(doc_id, []).append((start, end, speaker))
        for doc_id, key, text in docs:
            spans = units.get(doc_id)
            if not spans:
                yield key, None, text
                continue
            for start, end, speaker in spans:
                yield key, speaker, text[start:end]


def speaker_documents(session: Session, project_id: int) -> list[tuple[str, str]]:
    """``(speaker, document key)`` for every speaker and each document they speak in."""
    return [
        (speaker, key)
        for speaker, key in session.execute(
            select(SegmentRow.speaker, DocumentRow.key)
            .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
            .where(DocumentRow.project_id == project_id, col(SegmentRow.speaker).is_not(None))
            .distinct()
            .order_by(SegmentRow.speaker, DocumentRow.key)
        )
    ]
