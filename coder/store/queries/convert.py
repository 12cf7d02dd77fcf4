"""Row -> domain converters: table rows in, core objects out, in one place."""

from __future__ import annotations

import json
from typing import Any

import orjson

from coder.core.model import (
    AuditEvent,
    Code,
    CodeStatus,
    Coding,
    Document,
    Section,
    Segment,
    SegmentKind,
)
from coder.store.tables import (
    AuditEventRow,
    CodeRow,
    CodingRow,
    DocumentRow,
    SegmentRow,
)


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


def json_list(text: str | None) -> list[Any]:
    """A JSON list column (authors, keywords); orjson for speed, json for what it refuses."""
    if not text:
        return []
    try:
        return orjson.loads(text)  # type: ignore[no-any-return]
    except orjson.JSONDecodeError:
        return json.loads(text)  # type: ignore[no-any-return]


def _rows_json(text: str) -> Any:
    """An event's rows: orjson reads a 30,000-row undo several times faster than json;
    what it refuses (an integer past 64 bits) the json module reads as before."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def to_event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        row.seq, row.time, row.coder, row.action, row.target,
        _rows_json(row.before), _rows_json(row.after), row.prev_hash, row.hash,
    )  # fmt: skip


def to_coding(
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
