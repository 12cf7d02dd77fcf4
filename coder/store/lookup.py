"""Look-ups in bulk for bulk actions (autocode, batch coding from a file): a few queries
for thousands of references, chunked, returning plain tuples, never a query per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from coder.store.rows import chunks
from coder.store.tables import CodeRow, CoderRow, CodingRow, DocumentRow, SegmentRow


@dataclass(frozen=True)
class DocInfo:
    id: int
    length: int  # of the text, in code points


@dataclass(frozen=True)
class SegInfo:
    id: int
    document_id: int
    kind: str
    ordinal: int | None
    heading: str | None
    start: int
    end: int


def documents_by_key(session: Session, project_id: int, keys: Iterable[str]) -> dict[str, DocInfo]:
    found: dict[str, DocInfo] = {}
    for chunk in chunks(sorted(set(keys))):
        for key, doc_id, length in session.execute(
            select(DocumentRow.key, DocumentRow.id, func.length(DocumentRow.text)).where(
                DocumentRow.project_id == project_id, col(DocumentRow.key).in_(chunk)
            )
        ):
            found[key] = DocInfo(doc_id, length or 0)
    return found


def document_texts(session: Session, document_ids: Iterable[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in chunks(sorted(set(document_ids))):
        for doc_id, text in session.execute(
            select(DocumentRow.id, DocumentRow.text).where(col(DocumentRow.id).in_(chunk))
        ):
            found[doc_id] = text
    return found


def segments_of_documents(session: Session, document_ids: Iterable[int]) -> list[SegInfo]:
    """Every segment (units, spans, whole-document rows) of the documents, in offset order."""
    found: list[SegInfo] = []
    for chunk in chunks(sorted(set(document_ids))):
        for row in session.execute(
            select(
                SegmentRow.id,
                SegmentRow.document_id,
                SegmentRow.kind,
                SegmentRow.ordinal,
                SegmentRow.heading,
                SegmentRow.start,
                SegmentRow.end,
            ).where(col(SegmentRow.document_id).in_(chunk))
        ):
            found.append(SegInfo(*row))
    found.sort(key=lambda s: (s.document_id, s.start, s.end, s.id))
    return found


def codes_by_name(session: Session, project_id: int) -> dict[str, tuple[int, str, int | None]]:
    """name -> (id, status, merged_into_id) for every code of the project."""
    return {
        name: (code_id, status, merged)
        for name, code_id, status, merged in session.execute(
            select(CodeRow.name, CodeRow.id, CodeRow.status, CodeRow.merged_into_id).where(
                CodeRow.project_id == project_id
            )
        )
    }


def coders_by_name(session: Session, names: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(sorted(set(names))):
        for name, coder_id in session.execute(
            select(CoderRow.name, CoderRow.id).where(col(CoderRow.name).in_(chunk))
        ):
            found[name] = coder_id
    return found


def existing_codings(
    session: Session, project_id: int, code_ids: Iterable[int], coder_ids: Iterable[int]
) -> set[tuple[int, int, int]]:
    """(segment_id, code_id, coder_id) of the codings these codes and coders already have."""
    coders = sorted(set(coder_ids))
    found: set[tuple[int, int, int]] = set()
    for chunk in chunks(sorted(set(code_ids))):
        for seg, code, coder in session.execute(
            select(CodingRow.segment_id, CodingRow.code_id, CodingRow.coder_id).where(
                CodingRow.project_id == project_id,
                col(CodingRow.code_id).in_(chunk),
                col(CodingRow.coder_id).in_(coders),
            )
        ):
            found.add((seg, code, coder))
    return found
