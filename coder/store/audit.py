"""The hash-chained audit trail: canonical serialisation, hashing, replay and verification.

Every audited write records the rows it changed, before and after. That makes the trail a
log that can be replayed: ``verify`` replays it and compares the result with the tables,
so a row changed, inserted or deleted with plain SQL is found, and the chain of hashes
finds an edited or removed event.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
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


# Events per page while verifying: a bulk event can list 30,000 rows, so pages stay small.
EVENT_PAGE = 50
ROW_PAGE = 2000
# Replayed rows are keyed by one integer, table number * 2**40 + row id.
_TABLE_SPAN = 1 << 40
_EVENT_COLUMNS = (
    AuditEventRow.seq,
    AuditEventRow.time,
    AuditEventRow.coder,
    AuditEventRow.action,
    AuditEventRow.target,
    AuditEventRow.before,
    AuditEventRow.after,
    AuditEventRow.prev_hash,
    AuditEventRow.hash,
)


PAGE_CHARS = 4_000_000  # at most this much event text per fetch (a bulk event is fetched alone)


def iter_events(
    session: Session, project_id: int, batch: int = EVENT_PAGE
) -> Iterator[AuditEventRow]:
    """The project's events oldest first, paged by sequence number (keyset, not OFFSET),
    as light rows with the columns the hash covers; no ORM object is kept. A page is cut
    by the size of its text too, so a few 30,000-row bulk events never sit in memory
    together."""
    last = 0
    size = func.length(AuditEventRow.before) + func.length(AuditEventRow.after)
    while True:
        sizes = session.execute(
            select(AuditEventRow.seq, size)
            .where(AuditEventRow.project_id == project_id, AuditEventRow.seq > last)
            .order_by(AuditEventRow.seq)
            .limit(batch)
        ).all()
        if not sizes:
            return
        upto, total = sizes[0][0], 0
        for seq, chars in sizes:
            if total and total + (chars or 0) > PAGE_CHARS:
                break
            upto, total = seq, total + (chars or 0)
        rows = session.execute(
            select(*_EVENT_COLUMNS)
            .where(
                AuditEventRow.project_id == project_id,
                AuditEventRow.seq > last,
                AuditEventRow.seq <= upto,
            )
            .order_by(AuditEventRow.seq)
        ).all()
        for row in rows:
            yield AuditEventRow.model_construct(**row._mapping)
        del rows
        last = upto


def _hash_streamed(event: AuditEventRow) -> str:
    """``hash_of(event)`` without building the whole canonical payload: the same bytes
    fed to SHA-256 a field at a time (a bulk event's text is megabytes)."""
    digest = hashlib.sha256(b"[")
    fields = (
        event.prev_hash, event.seq, event.time, event.coder, event.action, event.target,
        event.before, event.after,
    )  # fmt: skip
    for i, value in enumerate(fields):
        if i:
            digest.update(b",")
        digest.update(canonical(value).encode("utf-8"))
    digest.update(b"]")
    return digest.hexdigest()


def _digest_text(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _fingerprint(row: dict[str, Any]) -> bytes:
    return _digest_text(canonical(row))


_DECODER = json.JSONDecoder()


def _members(text: str) -> Iterator[tuple[str, str]]:
    """(key, value's own JSON text) of each member of a JSON object, in order, parsing
    one value at a time."""
    i = 1  # past "{"
    if text[i] == "}":
        return
    while True:
        key, i = _DECODER.raw_decode(text, i)
        start = i + 1  # past ":"
        _value, i = _DECODER.raw_decode(text, start)
        yield key, text[start:i]
        if text[i] == "}":
            return
        i += 1  # past ","


def _top_level(text: str) -> Iterator[tuple[str, str]]:
    return _members(text) if text.startswith("{") and text != "{}" else iter(())


class _Replay:
    """The state the trail says each audited row is in, kept as a fingerprint per row in
    a private temporary SQLite file: memory stays flat however long the trail grows."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # "" = a private on-disk temporary database
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -8000")  # 8 MB of pages, the rest on disk
        self.db.execute(
            "CREATE TABLE state (key INTEGER PRIMARY KEY, seq INTEGER NOT NULL, digest BLOB)"
        )

    def record(self, seq: int, after: str) -> dict[str, Any]:
        """Replay one event's ``after`` text; returns its ``info``. The rows are read one
        at a time from the text (a bulk event lists 30,000), never as one parsed object.
        The text is canonical JSON, so each row's own text is its canonical form."""
        info: dict[str, Any] = {}
        values = []
        for key, raw in _top_level(after):
            if key == "info":
                info = json.loads(raw)
                continue
            if key != "rows":
                continue
            for row_key_text, row_raw in _members(raw):
                table, row_id = split_key(row_key_text)
                number = AUDITED_NUMBER.get(table)
                if number is None:
                    continue
                digest = None if row_raw == "null" else _digest_text(row_raw)
                values.append((number * _TABLE_SPAN + row_id, seq, digest))
                if len(values) >= 5000:
                    self.db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?, ?)", values)
                    values = []
        self.db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?, ?)", values)
        return info

    def rows_of(self, table: str) -> Iterator[tuple[int, int, bytes | None]]:
        """(row id, seq of the last event that touched it, fingerprint or None if deleted)."""
        base = AUDITED_NUMBER[table] * _TABLE_SPAN
        for key, seq, digest in self.db.execute(
            "SELECT key, seq, digest FROM state WHERE key >= ? AND key < ? ORDER BY key",
            (base, base + _TABLE_SPAN),
        ):
            yield key - base, seq, digest

    def close(self) -> None:
        self.db.close()


AUDITED_NUMBER = {table: i + 1 for i, table in enumerate(AUDITED_TABLES)}


class _Problems:
    """The first problem by event number (problems no event explains come last); only
    the best is kept, so a table tampered with wholesale does not fill memory."""

    def __init__(self) -> None:
        self.best: tuple[int | None, str] | None = None

    def wants(self, seq: int | None) -> bool:
        if self.best is None:
            return True
        have = self.best[0]
        return seq is not None and (have is None or seq < have)

    def add(self, seq: int | None, message: str) -> None:
        if self.wants(seq):
            self.best = (seq, message)


def verify(
    session: Session, project_id: int, progress: Callable[[int, int], None] | None = None
) -> VerifyResult:
    project = session.get(Project, project_id)
    assert project is not None
    prev = GENESIS
    expected_seq = 1
    imports: dict[int, str] = {}
    checked = 0
    replay = _Replay()
    try:
        for event in iter_events(session, project_id):
            if event.seq != expected_seq:
                return VerifyResult(
                    False,
                    checked,
                    f"event #{expected_seq} is missing (deleted from the trail)",
                    expected_seq,
                )
            if event.prev_hash != prev or _hash_streamed(event) != event.hash:
                return VerifyResult(
                    False,
                    checked,
                    f"event #{event.seq} ({event.action} {event.target}) was altered: its hash does not match",
                    event.seq,
                )
            digest = replay.record(event.seq, event.after).get("digest")
            if digest:
                imports[event.seq] = digest
            prev = event.hash
            expected_seq += 1
            checked += 1
            if progress is not None and checked % EVENT_PAGE == 0:
                progress(checked, project.last_seq)
        if checked != project.last_seq or prev != (project.last_hash or GENESIS):
            return VerifyResult(
                False,
                checked,
                f"the trail ends at event #{checked} but the project recorded #{project.last_seq}: "
                "events were removed from the end",
                checked + 1,
            )
        problems = _Problems()
        _compare_rows(session, project_id, replay, problems)
        _compare_documents(session, project_id, imports, problems)
    finally:
        replay.close()
    if problems.best is not None:
        seq, message = problems.best
        return VerifyResult(False, checked, message, seq)
    return VerifyResult(True, checked, f"{checked} events checked: the trail is intact")


def _describe_event(session: Session, project_id: int, seq: int) -> str:
    row = session.execute(
        select(AuditEventRow.action, AuditEventRow.target).where(
            AuditEventRow.project_id == project_id, AuditEventRow.seq == seq
        )
    ).first()
    if row is None:
        return f"event #{seq}"
    return f"event #{seq} ({row.action} {row.target})"


def _recorded_row(session: Session, project_id: int, seq: int, key: str) -> dict[str, Any]:
    """The row as event ``seq`` left it (read again only to name the changed fields)."""
    after = session.execute(
        select(AuditEventRow.after).where(
            AuditEventRow.project_id == project_id, AuditEventRow.seq == seq
        )
    ).scalar_one()
    return json.loads(after)["rows"][key]


def _project_rows(table: str, model: type[SQLModel], project_id: int) -> Any:
    """The rows of one audited table that belong to one project (a database may hold
    several projects, each with its own trail), as plain columns."""
    columns = model.__table__.columns  # type: ignore[attr-defined]
    query = select(*columns)
    if hasattr(model, "project_id"):
        return query.where(columns["project_id"] == project_id)
    if table == "segment":
        return query.join(DocumentRow, DocumentRow.id == SegmentRow.document_id).where(
            DocumentRow.project_id == project_id, SegmentRow.kind != "unit"
        )
    if table == "document_read":
        return query.join(DocumentRow, DocumentRow.id == ReadMarkRow.document_id).where(
            DocumentRow.project_id == project_id
        )
    return query.join(ThemeRow, ThemeRow.id == columns["theme_id"]).where(
        ThemeRow.project_id == project_id
    )


def _stream_rows(
    session: Session, table: str, model: type[SQLModel], project_id: int
) -> Iterator[dict[str, Any]]:
    """Every row of the table in the project, by id, one keyset page at a time."""
    id_column = model.__table__.columns["id"]  # type: ignore[attr-defined]
    base = _project_rows(table, model, project_id)
    last = 0
    while True:
        page = session.execute(
            base.where(id_column > last).order_by(id_column).limit(ROW_PAGE)
        ).all()
        if not page:
            return
        for row in page:
            yield dict(row._mapping)
        last = page[-1].id


def _compare_rows(session: Session, project_id: int, replay: _Replay, problems: _Problems) -> None:
    """Walk each table and its replayed state side by side, both ordered by id."""
    end = (1 << 63, 0, None)
    for table, model in AUDITED_TABLES.items():
        actual = _stream_rows(session, table, model, project_id)
        expected = replay.rows_of(table)
        have = next(actual, None)
        want = next(expected, end)
        while have is not None or want is not end:
            have_id = have["id"] if have is not None else 1 << 63
            want_id, seq, digest = want
            if have_id < want_id:
                problems.add(
                    None, f"{table} {have_id} was inserted outside coder: no event records it"
                )
                have = next(actual, None)
                continue
            if want_id < have_id:
                if digest is not None and problems.wants(seq):
                    where = _describe_event(session, project_id, seq)
                    problems.add(
                        seq,
                        f"{where} does not check out: {table} {want_id} was deleted outside coder",
                    )
                want = next(expected, end)
                continue
            assert have is not None
            if digest is None:
                if problems.wants(seq):
                    where = _describe_event(session, project_id, seq)
                    problems.add(
                        seq,
                        f"{where} does not check out: {table} {have_id} exists but the trail deleted it",
                    )
            elif _fingerprint(have) != digest and problems.wants(seq):
                recorded = _recorded_row(session, project_id, seq, row_key(table, have_id))
                fields = sorted(
                    f for f in recorded.keys() | have.keys() if recorded.get(f) != have.get(f)
                )
                where = _describe_event(session, project_id, seq)
                problems.add(
                    seq,
                    f"{where} does not check out: {table} {have_id} was changed outside coder ({', '.join(fields)})",
                )
            have = next(actual, None)
            want = next(expected, end)


_DOC_COLUMNS = [DocumentRow.id, DocumentRow.import_seq] + [
    getattr(DocumentRow, f) for f in DIGEST_DOC_FIELDS
]
_SEG_COLUMNS = [SegmentRow.document_id] + [getattr(SegmentRow, f) for f in DIGEST_SEG_FIELDS]


def _compare_documents(
    session: Session, project_id: int, imports: dict[int, str], problems: _Problems
) -> None:
    """Each import's digest against its documents and units, read a page of documents at
    a time with only the columns the digest covers; one 32-byte digest per document is
    all that is held."""
    digests: dict[int | None, list[bytes]] = {}
    doc_ids: dict[int | None, int] = {}
    last = 0
    while True:
        docs = session.execute(
            select(*_DOC_COLUMNS)
            .where(DocumentRow.project_id == project_id, DocumentRow.id > last)
            .order_by(DocumentRow.id)
            .limit(ROW_PAGE)
        ).all()
        if not docs:
            break
        units: dict[int, list[list[Any]]] = {}
        for seg in session.execute(
            select(*_SEG_COLUMNS).where(
                SegmentRow.document_id >= docs[0].id,
                SegmentRow.document_id <= docs[-1].id,
                SegmentRow.kind == "unit",
            )
        ):
            units.setdefault(seg[0], []).append(list(seg[1:]))
        for doc in docs:
            digest = digest_values(list(doc[2:]), units.get(doc.id, []))
            digests.setdefault(doc.import_seq, []).append(bytes.fromhex(digest))
            doc_ids.setdefault(doc.import_seq, doc.id)
        last = docs[-1].id
    for seq, found in digests.items():
        if seq not in imports:
            problems.add(
                None,
                f"document {doc_ids[seq]} was inserted outside coder: no import event records it",
            )
        elif combine_digests(d.hex() for d in found) != imports[seq]:
            where = _describe_event(session, project_id, seq)
            problems.add(
                seq, f"{where} does not check out: its documents were changed outside coder"
            )
    for seq in imports.keys() - digests.keys():
        where = _describe_event(session, project_id, seq)
        problems.add(seq, f"{where} does not check out: its documents were deleted outside coder")
