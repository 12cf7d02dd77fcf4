"""The hash-chained audit trail: canonical serialisation, hashing, replay and verification.

Every audited write records the rows it changed, before and after. That makes the trail a
log that can be replayed: ``verify`` replays it and compares the result with the tables,
so a row changed, inserted or deleted with plain SQL is found, and the chain of hashes
finds an edited or removed event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, SQLModel, select

from coder.core.canonical import canonical, json_string  # noqa: F401 (audit's API)
from coder.store.tables import (
    AUDITED_TABLES,
    AuditEventRow,
    DocumentRow,
    Project,
    ReadMarkRow,
    SegmentRow,
    ThemeRow,
)

GENESIS = "0" * 64

# Tables in foreign-key order: inserts go forwards, deletes backwards.
TABLE_ORDER = [
    "segment",
    "code",
    "theme",
    "theme_code",
    "coding",
    "theme_exemplar",
    "theme_misfit",
    "memo",
    "document_read",
    "phase_status",
    "attribute",
]


def row_dict(row: SQLModel) -> dict[str, Any]:
    return row.model_dump()


def row_key(table: str, row_id: int) -> str:
    return f"{table}:{row_id}"


def split_key(key: str) -> tuple[str, int]:
    table, _, row_id = key.partition(":")
    return table, int(row_id)


def event_hash(
    prev_hash: str,
    seq: int,
    time: str,
    coder: str,
    action: str,
    target: str,
    before: str,
    after: str,
) -> str:
    payload = canonical([prev_hash, seq, time, coder, action, target, before, after])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def hash_of(event: AuditEventRow) -> str:
    return event_hash(
        event.prev_hash,
        event.seq,
        event.time,
        event.coder,
        event.action,
        event.target,
        event.before,
        event.after,
    )


DIGEST_DOC_FIELDS = [
    "key", "source_file", "source_format", "type", "title", "authors", "year", "date",
    "journal", "volume", "issue", "pages", "issn", "doi", "keywords", "sections", "text",
    "has_abstract", "content_hash",
]  # fmt: skip
DIGEST_SEG_FIELDS = ["ordinal", "heading", "start", "end", "text_hash"]


def document_digest(doc: dict[str, Any], segments: Iterable[dict[str, Any]]) -> str:
    """A document and its reading units, hashed without database ids (which a bulk insert
    does not hand back), so an import event can vouch for what it imported."""
    return digest_values(
        [doc[f] for f in DIGEST_DOC_FIELDS], [[s[f] for f in DIGEST_SEG_FIELDS] for s in segments]
    )


def digest_values(doc_values: Sequence[Any], segment_values: Iterable[Sequence[Any]]) -> str:
    """``document_digest`` from the values themselves: the document's in
    ``DIGEST_DOC_FIELDS`` order, each unit's in ``DIGEST_SEG_FIELDS`` order (the importer
    holds units as tuples, and a tuple encodes as the same JSON array as a list)."""
    payload = canonical([doc_values, sorted(segment_values)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def combine_digests(digests: Iterable[str]) -> str:
    return hashlib.sha256("".join(sorted(digests)).encode("ascii")).hexdigest()


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    message: str
    seq: int | None = None  # the first event that does not check out


def iter_events(session: Session, project_id: int, batch: int = 2000) -> Iterator[AuditEventRow]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEventRow)
            .where(AuditEventRow.project_id == project_id, AuditEventRow.seq > last)
            .order_by(AuditEventRow.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(session: Session, project_id: int) -> VerifyResult:
    project = session.get(Project, project_id)
    assert project is not None
    prev = GENESIS
    expected_seq = 1
    state: dict[str, dict[str, Any] | None] = {}
    touched: dict[str, int] = {}
    imports: dict[int, str] = {}
    checked = 0
    for event in iter_events(session, project_id):
        if event.seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                f"event #{expected_seq} is missing (deleted from the trail)",
                expected_seq,
            )
        if event.prev_hash != prev or hash_of(event) != event.hash:
            return VerifyResult(
                False,
                checked,
                f"event #{event.seq} ({event.action} {event.target}) was altered: its hash does not match",
                event.seq,
            )
        before = json.loads(event.before)
        after = json.loads(event.after)
        for key, row in after.get("rows", {}).items():
            state[key] = row
            touched[key] = event.seq
        for key in before.get("rows", {}):
            touched.setdefault(key, event.seq)
        digest = after.get("info", {}).get("digest")
        if digest:
            imports[event.seq] = digest
        prev = event.hash
        expected_seq += 1
        checked += 1
    if checked != project.last_seq or prev != (project.last_hash or GENESIS):
        return VerifyResult(
            False,
            checked,
            f"the trail ends at event #{checked} but the project recorded #{project.last_seq}: "
            "events were removed from the end",
            checked + 1,
        )
    problems = _compare_rows(session, project_id, state, touched)
    problems += _compare_documents(session, project_id, imports)
    if problems:
        problems.sort(key=lambda p: (p[0] is None, p[0] or 0))
        seq, message = problems[0]
        return VerifyResult(False, checked, message, seq)
    return VerifyResult(True, checked, f"{checked} events checked: the trail is intact")


def _describe_event(session: Session, project_id: int, seq: int) -> str:
    row = session.exec(
        select(AuditEventRow).where(
            AuditEventRow.project_id == project_id, AuditEventRow.seq == seq
        )
    ).first()
    if row is None:
        return f"event #{seq}"
    event = row
    return f"event #{seq} ({event.action} {event.target})"


def _project_rows(table: str, model: type[SQLModel], project_id: int) -> Any:
    """The rows of one audited table that belong to one project (a database may hold
    several projects, each with its own trail)."""
    if hasattr(model, "project_id"):
        return select(model).where(model.project_id == project_id)
    if table == "segment":
        return (
            select(SegmentRow)
            .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
            .where(DocumentRow.project_id == project_id, SegmentRow.kind != "unit")
        )
    if table == "document_read":
        return (
            select(ReadMarkRow)
            .join(DocumentRow, DocumentRow.id == ReadMarkRow.document_id)
            .where(DocumentRow.project_id == project_id)
        )
    return (
        select(model)
        .join(ThemeRow, ThemeRow.id == model.theme_id)
        .where(ThemeRow.project_id == project_id)
    )


def _compare_rows(
    session: Session,
    project_id: int,
    state: dict[str, dict[str, Any] | None],
    touched: dict[str, int],
) -> list[tuple[int | None, str]]:
    problems: list[tuple[int | None, str]] = []
    actual: dict[str, dict[str, Any]] = {}
    for table, model in AUDITED_TABLES.items():
        for row in session.exec(_project_rows(table, model, project_id)):
            actual[row_key(table, row.id)] = row_dict(row)
    expected = {k: v for k, v in state.items() if v is not None}
    for key in expected.keys() | actual.keys():
        want, have = expected.get(key), actual.get(key)
        if want == have or (
            # a column added by a later migration is None in rows recorded before it
            want is not None
            and have is not None
            and all(want.get(f) == have.get(f) for f in want.keys() | have.keys())
        ):
            continue
        table, row_id = split_key(key)
        seq = touched.get(key)
        where = _describe_event(session, project_id, seq) if seq else None
        if have is None:
            problems.append(
                (seq, f"{where} does not check out: {table} {row_id} was deleted outside coder")
            )
        elif want is None and seq is None:
            problems.append(
                (None, f"{table} {row_id} was inserted outside coder: no event records it")
            )
        elif want is None:
            problems.append(
                (
                    seq,
                    f"{where} does not check out: {table} {row_id} exists but the trail deleted it",
                )
            )
        else:
            fields = sorted(f for f in want.keys() | have.keys() if want.get(f) != have.get(f))
            problems.append(
                (
                    seq,
                    f"{where} does not check out: {table} {row_id} was changed outside coder ({', '.join(fields)})",
                )
            )
    return problems


def _compare_documents(
    session: Session, project_id: int, imports: dict[int, str]
) -> list[tuple[int | None, str]]:
    problems: list[tuple[int | None, str]] = []
    digests: dict[int | None, list[str]] = {}
    doc_ids: dict[int | None, int] = {}
    docs = session.exec(
        select(DocumentRow).where(DocumentRow.project_id == project_id).order_by(DocumentRow.id)
    )
    segments: dict[int, list[dict[str, Any]]] = {}
    for seg in session.exec(
        select(SegmentRow)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(DocumentRow.project_id == project_id, SegmentRow.kind == "unit")
    ):
        segments.setdefault(seg.document_id, []).append(row_dict(seg))
    for doc in docs:
        d = row_dict(doc)
        digests.setdefault(doc.import_seq, []).append(document_digest(d, segments.get(doc.id, [])))
        doc_ids.setdefault(doc.import_seq, doc.id)
    for seq, found in digests.items():
        if seq not in imports:
            problems.append(
                (
                    None,
                    f"document {doc_ids[seq]} was inserted outside coder: no import event records it",
                )
            )
        elif combine_digests(found) != imports[seq]:
            where = _describe_event(session, project_id, seq)
            problems.append(
                (seq, f"{where} does not check out: its documents were changed outside coder")
            )
    for seq in imports.keys() - digests.keys():
        where = _describe_event(session, project_id, seq)
        problems.append(
            (seq, f"{where} does not check out: its documents were deleted outside coder")
        )
    return problems
