"""The hash-chained audit trail: canonical serialisation, hashing, replay and verification.

Every audited write records the rows it changed, before and after. That makes the trail a
log that can be replayed: ``verify`` replays it and compares the result with the tables,
so a row changed, inserted or deleted with plain SQL is found, and the chain of hashes
finds an edited or removed event.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, col, select

from coder.core.canonical import canonical, canonical_rows, json_string  # noqa: F401 (audit's API)
from coder.store.replay import NotCompact, ReplayStore, event_members, fingerprint
from coder.store.tables import (
    AUDITED_TABLES,
    AuditEventRow,
    CoderRow,
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
    "exclusion_reason",
    "document_exclusion",
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
# Version 2 (import events with ``info.digest_version == 2``) also covers the reading order.
# The context kept with each unit is not hashed (it doubled the digest's cost on a large
# import): it is the text either side of the unit, ``info.context_chars`` wide, and the
# text and offsets are in the digest, so verify derives it again and compares.
DIGEST_VERSION = 2
DIGEST_DOC_FIELDS_V2 = [*DIGEST_DOC_FIELDS, "ordinal"]
_DIGEST_FIELDS = {
    1: (DIGEST_DOC_FIELDS, DIGEST_SEG_FIELDS),
    2: (DIGEST_DOC_FIELDS_V2, DIGEST_SEG_FIELDS),
}


def document_digest(
    doc: dict[str, Any], segments: Iterable[dict[str, Any]], version: int = 1
) -> str:
    """A document and its reading units, hashed without database ids (which a bulk insert
    does not hand back), so an import event can vouch for what it imported. ``version``:
    which fields (the import event records the version it used)."""
    doc_fields, seg_fields = _DIGEST_FIELDS[version]
    return digest_values(
        [doc[f] for f in doc_fields], [[s[f] for f in seg_fields] for s in segments]
    )


def digest_values(doc_values: Sequence[Any], segment_values: Iterable[Sequence[Any]]) -> str:
    """``document_digest`` from the values themselves: the document's in
    ``DIGEST_DOC_FIELDS`` order, each unit's in ``DIGEST_SEG_FIELDS`` order (the importer
    holds units as tuples, and a tuple encodes as the same JSON array as a list)."""
    payload = canonical([doc_values, sorted(segment_values)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def combine_digests(digests: Iterable[str]) -> str:
    return hashlib.sha256("".join(sorted(digests)).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Head:
    """The last event of a trail: quoting it outside the database (a methods appendix, an
    e-mail) anchors the trail, so cutting or extending it later is found."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


_HEAD = re.compile(r"#?(\d+):([0-9a-fA-F]{64})")


def parse_head(text: str) -> Head:
    """``SEQ:HASH`` as ``coder audit head`` prints it; ValueError with a one-line reason."""
    match = _HEAD.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"{text!r} is not a trail head: expected SEQ:HASH with the 64-digit hash "
            "that 'coder audit head' prints"
        )
    return Head(int(match.group(1)), match.group(2).lower())


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    message: str
    seq: int | None = None  # the first event that does not check out
    head: Head | None = None  # the last event of the chain as verified


class Malformed(Exception):
    """A stored row that cannot be read (bytes that are not UTF-8, JSON that is not an
    event's): verify reports it in one line naming the table, row and event."""

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.message, self.seq = message, seq


# Events per keyset page while verifying, fetched a few at a time within the page (a bulk
# event lists 30,000 rows: megabytes of text), and rows per page of an audited table.
EVENT_PAGE = 1000
STREAM = 20
ROW_PAGE = 2000
DOC_PAGE = 200
_EVENT_COLUMNS = (
    AuditEventRow.id,
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


def iter_events(session: Session, project_id: int, batch: int = EVENT_PAGE) -> Iterator[Any]:
    """The project's events oldest first, paged by sequence number (keyset), as light rows
    of the columns the hash covers (and the id, to name a row that cannot be read)."""
    last = 0
    while True:
        query = (
            select(*_EVENT_COLUMNS)
            .where(AuditEventRow.project_id == project_id, AuditEventRow.seq > last)
            .order_by(AuditEventRow.seq)
            .limit(batch)
        )
        count = 0
        for row in _stream(
            session, query, AuditEventRow, "audit_event", lambda i: _event_of_row(session, i)
        ):
            count += 1
            last = row.seq
            yield row
        if count < batch:
            return


def verify(
    session: Session,
    project_id: int,
    anchor: Head | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    """Replay the trail and compare it with the tables. Memory stays flat as the trail
    grows: events are read a page at a time, the replayed state goes to a temporary SQLite
    file (``store.replay``), and each table is walked beside it in id order."""
    project = session.get(Project, project_id)
    assert project is not None
    prev = GENESIS
    expected_seq = 1
    imports: dict[int, str] = {}
    versions: dict[int, int] = {}
    widths: dict[int, int] = {}
    coders = CoderBindings()
    anchored: str | None = None
    checked = 0
    replay = ReplayStore(list(AUDITED_TABLES))
    try:
        for event in iter_events(session, project_id):
            if event.seq != expected_seq:
                return VerifyResult(
                    False,
                    checked,
                    f"event #{expected_seq} is missing (deleted from the trail)",
                    expected_seq,
                )
            if event.prev_hash != prev or _hash_row(event) != event.hash:
                return VerifyResult(
                    False,
                    checked,
                    f"event #{event.seq} ({event.action} {event.target}) was altered: its hash does not match",
                    event.seq,
                )
            info = _replay_event(event, replay, coders)
            digest = info.get("digest")
            if digest:
                imports[event.seq] = digest
                versions[event.seq] = info.get("digest_version", 1)
                if "context_chars" in info:
                    widths[event.seq] = info["context_chars"]
            if anchor is not None and event.seq == anchor.seq:
                anchored = event.hash
            prev = event.hash
            expected_seq += 1
            checked += 1
            if progress is not None and checked % 200 == 0:
                progress(checked, project.last_seq)
        head = Head(checked, prev)
        if checked != project.last_seq or prev != (project.last_hash or GENESIS):
            seq, message = _end_mismatch(checked, project)
            return VerifyResult(False, checked, message, seq, head)
        if anchor is not None:
            problem = check_anchor(anchor, head, anchored)
            if problem is not None:
                return VerifyResult(False, checked, problem[1], problem[0], head)
        problems = _Problems()
        _compare_rows(session, project_id, replay, problems)
        _compare_documents(session, project_id, imports, versions, widths, replay, problems)
        for seq, message in coders.check(session):
            problems.add(seq, message)
    except Malformed as exc:
        return VerifyResult(False, checked, exc.message, exc.seq)
    finally:
        replay.close()
    if problems.best is not None:
        seq, message = problems.best
        return VerifyResult(False, checked, message, seq, head)
    return VerifyResult(True, checked, f"{checked} events checked: the trail is intact", head=head)


class _Problems:
    """The first problem by event number (problems no event explains come last, and of
    equals the first found): only that one is reported, so only it is kept, and a table
    changed wholesale does not fill memory with messages."""

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


def _hash_row(event: Any) -> str:
    """``hash_of(event)``; for a big event the same bytes are fed to SHA-256 a field at a
    time rather than built into one payload (a bulk event's text is megabytes)."""
    if len(event.before) + len(event.after) < BIG_COLUMN:
        return hash_of(event)
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


BIG_COLUMN = 1 << 16  # characters: walked a row at a time rather than parsed whole
_CODERS_FIRST = '{"coders":'  # canonical JSON sorts keys: an event's coders come first


def _replay_event(event: Any, replay: ReplayStore, coders: CoderBindings) -> dict[str, Any]:
    """Replay one event into ``replay`` and ``coders``, a row at a time; its ``info``."""
    seq = event.seq
    where = f"audit_event row {event.id} (event #{seq})"
    # An event without coders (older than the bindings) is checked against its before:
    # only then are the rows it had before needed.
    legacy = not (isinstance(event.after, str) and event.after.startswith(_CODERS_FIRST))
    had: set[str] = set()
    for part, key, row in _members(event.before, where, "before", seq):
        if part == "rows":
            table, _, row_id = key.partition(":")  # type: ignore[union-attr]
            replay.touch(table, int(row_id), seq)
            if legacy and row is not None:
                had.add(key)  # type: ignore[arg-type]
    info: dict[str, Any] = {}
    named: dict[str, Any] | None = None
    guesses: list[Any] = []
    for part, key, row in _members(event.after, where, "after", seq):
        if part == "rows":
            table, _, row_id = key.partition(":")  # type: ignore[union-attr]
            replay.set(table, int(row_id), seq, row)
            if legacy and row is not None and table in _CODER_ROWS and key not in had:
                guesses.append(row.get("coder_id"))
        elif part == "info":
            info = row
        elif part == "coders":
            named = row
    coders.bind(event, named, guesses)
    return info


def _members(text: str, where: str, name: str, seq: int) -> Iterator[tuple[str, str | None, Any]]:
    """``replay.event_members`` of a column, checked for the shape replay relies on as
    ``decode_event`` checks it. Only a big column (a bulk event's) is walked a row at a
    time; a small one, or one coder did not write compactly, is parsed whole, faster."""
    try:
        if len(text) < BIG_COLUMN:
            raise NotCompact("small")
        for part, key, value in event_members(text):
            if part == "rows":
                if not (_is_key(key) and (value is None or isinstance(value, dict))):  # type: ignore[arg-type]
                    raise Malformed(f"{where}: column {name!r} holds malformed rows", seq)
            elif part in ("info", "coders") and not isinstance(value, dict):
                raise Malformed(f"{where}: column {name!r} holds a malformed {part!r}", seq)
            yield part, key, value
        return
    except NotCompact:
        pass
    decoded = _decode_column(text, where, name, seq)
    for part, value in decoded.items():
        if part == "rows":
            for key, row in value.items():
                yield part, key, row
        else:
            yield part, None, value


def head(session: Session, project_id: int) -> Head:
    """The head the project recorded (``verify`` says whether the trail agrees)."""
    project = session.get(Project, project_id)
    assert project is not None
    return Head(project.last_seq, project.last_hash or GENESIS)


def _end_mismatch(checked: int, project: Project) -> tuple[int, str]:
    recorded = project.last_seq
    if checked < recorded:
        return checked + 1, (
            f"the trail ends at event #{checked} but the project recorded #{recorded}: "
            f"events #{checked + 1} to #{recorded} were removed from the end"
        )
    if checked > recorded:
        return recorded + 1, (
            f"the trail runs to event #{checked} but the project recorded only #{recorded}: "
            f"events #{recorded + 1} to #{checked} were added outside coder"
        )
    return checked, (
        f"the trail ends at event #{checked} as the project recorded, but its hash is not "
        "the head hash the project recorded: the last event was replaced outside coder"
    )


def check_anchor(anchor: Head, head: Head, anchored: str | None) -> tuple[int, str] | None:
    """Compare the chain with a head quoted earlier: the same event must still be there
    with the same hash, and nothing may follow it."""
    if anchor.seq > head.seq:
        return head.seq + 1, (
            f"the trail was cut: it ends at event #{head.seq}, before the anchored head "
            f"#{anchor.seq}"
        )
    if anchor.seq == 0:
        anchored = GENESIS
    if anchored != anchor.hash:
        return anchor.seq, (
            f"event #{anchor.seq} is not the anchored head: its hash is {anchored}, the anchor "
            f"says {anchor.hash}; the trail was rewritten up to there"
        )
    if head.seq > anchor.seq:
        return anchor.seq + 1, (
            f"the trail was extended: {head.seq - anchor.seq} events (#{anchor.seq + 1} to "
            f"#{head.seq}) follow the anchored head #{anchor.seq}"
        )
    return None


def decode_event(event: AuditEventRow) -> tuple[dict[str, Any], dict[str, Any]]:
    """The before and after of an event, checked for the shape replay relies on."""
    where = f"audit_event row {event.id} (event #{event.seq})"
    before = _decode_column(event.before, where, "before", event.seq)
    return before, _decode_column(event.after, where, "after", event.seq)


def _decode_column(text: str, where: str, name: str, seq: int) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise Malformed(f"{where}: column {name!r} is not JSON ({exc})", seq) from exc
    if not isinstance(value, dict):
        raise Malformed(f"{where}: column {name!r} is not a JSON object", seq)
    rows = value.get("rows", {})
    if not isinstance(rows, dict) or not all(
        _is_key(k) and (v is None or isinstance(v, dict)) for k, v in rows.items()
    ):
        raise Malformed(f"{where}: column {name!r} holds malformed rows", seq)
    for part in ("info", "coders"):
        if not isinstance(value.get(part, {}), dict):
            raise Malformed(f"{where}: column {name!r} holds a malformed {part!r}", seq)
    return value


def _is_key(key: str) -> bool:
    table, _, row_id = key.partition(":")
    return table in AUDITED_TABLES and row_id.isascii() and row_id.isdigit()


_COLUMN = re.compile(r"column '([^']+)'")


def _fetch(
    session: Session,
    query: Any,
    model: type[SQLModel],
    table: str,
    event_of: Callable[[int], int | None],
) -> list[Any]:
    """``session.exec(query).all()``, or, when a stored value cannot be decoded (bytes
    that are not UTF-8 in SQLite), Malformed naming the row."""
    try:
        return list(session.exec(query).all())
    except DBAPIError as exc:
        _undecodable(session, query, model, table, event_of, exc)


def _stream(
    session: Session,
    query: Any,
    model: type[SQLModel],
    table: str,
    event_of: Callable[[int], int | None],
) -> Iterator[Any]:
    """The rows of ``query`` fetched ``STREAM`` at a time (a server-side cursor on
    PostgreSQL), so a page of big rows is never all in memory; a value that cannot be
    decoded is Malformed naming the row, as in ``_fetch``."""
    try:
        result = session.exec(query.execution_options(yield_per=STREAM))
        try:
            yield from result
        finally:
            result.close()
    except DBAPIError as exc:
        _undecodable(session, query, model, table, event_of, exc)


def _undecodable(
    session: Session,
    query: Any,
    model: type[SQLModel],
    table: str,
    event_of: Callable[[int], int | None],
    exc: DBAPIError,
) -> NoReturn:
    """The row of ``query`` that cannot be decoded, found by reading the ids (integers
    always decode) and then the rows one by one; re-raises any other database error."""
    reason = str(exc.orig)
    if "decode" not in reason.lower():
        raise exc
    column = _COLUMN.search(reason)
    what = f"column {column.group(1)!r}" if column else "a value"
    found = session.exec(query.with_only_columns(model.id)).all()  # type: ignore[attr-defined]
    for row_id in (i if isinstance(i, int) else i[0] for i in found):
        try:
            session.exec(select(model).where(model.id == row_id)).all()  # type: ignore[attr-defined]
        except DBAPIError:
            seq = event_of(row_id)
            event = f" (event #{seq})" if seq else " (no event records it)"
            raise Malformed(
                f"{table} row {row_id}{event}: {what} holds bytes that are not valid UTF-8",
                seq,
            ) from exc
    raise Malformed(f"{table}: {what} holds bytes that are not valid UTF-8") from exc


def _event_of_row(session: Session, row_id: int) -> int | None:
    return session.exec(select(AuditEventRow.seq).where(AuditEventRow.id == row_id)).first()


# Rows that name a coder by id; before the trail bound coders (events without "coders"),
# a row such an event inserted was the writer's own, except in these actions.
_CODER_ROWS = ("coding", "memo", "document_read")
_FOREIGN_WRITES = {"merge", "undo", "redo"}


@dataclass
class CoderBindings:
    """Who is who, as the trail says: coder id -> name (and the event that first said
    so). Every event since coders were bound names its writer and the coder of every row
    it changed; older events give their writer's name and, where sure, the id."""

    by_id: dict[int, tuple[str, int]] = field(default_factory=dict)
    by_name: dict[str, tuple[int, int]] = field(default_factory=dict)
    conflicts: list[tuple[int, str]] = field(default_factory=list)
    guessed: dict[int, tuple[str, int] | None] = field(default_factory=dict)
    writers: dict[str, int] = field(default_factory=dict)  # names of older events' writers

    def bind(self, event: Any, named: dict[str, Any] | None, guesses: Sequence[Any]) -> None:
        """One event's coders (``named``, the after's ``coders``), or, for an event older
        than the bindings, the coder ids of the rows it inserted (``guesses``)."""
        if named is None:
            self._guess(event, guesses)
            return
        for key, name in named.items():
            if not key.isdigit() or not isinstance(name, str):
                raise Malformed(
                    f"audit_event row {event.id} (event #{event.seq}): malformed coder {key!r}",
                    event.seq,
                )
            self._bind(int(key), name, event.seq)

    def _bind(self, coder_id: int, name: str, seq: int) -> None:
        known = self.by_id.get(coder_id)
        if known is None:
            self.by_id[coder_id] = (name, seq)
        elif known[0] != name and not self.conflicts:  # the first is the one reported
            self.conflicts.append(
                (
                    seq,
                    f"event #{seq} names coder {coder_id} {name!r} but event #{known[1]} named "
                    f"it {known[0]!r}: the coder was renamed outside coder in between",
                )
            )
        other = self.by_name.get(name)
        if other is None:
            self.by_name[name] = (coder_id, seq)
        elif other[0] != coder_id and not self.conflicts:
            self.conflicts.append(
                (
                    seq,
                    f"event #{seq} names {name!r} coder {coder_id} but event #{other[1]} named "
                    f"{name!r} coder {other[0]}: coders were swapped outside coder in between",
                )
            )

    def _guess(self, event: Any, guesses: Sequence[Any]) -> None:
        self.writers.setdefault(event.coder, event.seq)
        if event.action in _FOREIGN_WRITES:
            return
        for coder_id in guesses:
            if not isinstance(coder_id, int):
                continue
            seen = self.guessed.get(coder_id, (event.coder, event.seq))
            # an id seen with two writers is not a sure guess: leave it out
            self.guessed[coder_id] = seen if seen and seen[0] == event.coder else None

    def check(self, session: Session) -> list[tuple[int | None, str]]:
        """The coder table against the trail."""
        table = dict(session.exec(select(CoderRow.id, CoderRow.name)).all())
        bound = dict(self.by_id)
        for coder_id, guess in self.guessed.items():
            if guess is not None and coder_id not in bound:
                bound[coder_id] = guess
        problems: list[tuple[int | None, str]] = list(self.conflicts)
        wrong = {i: (name, seq) for i, (name, seq) in bound.items() if table.get(i) != name}
        done: set[int] = set()
        for i, (name, seq) in sorted(wrong.items()):
            if i in done:
                continue
            now_called = table.get(i)
            if now_called is None:
                problems.append(
                    (seq, f"coder {i} ({name!r} in event #{seq}) was deleted outside coder")
                )
                continue
            partner = next(
                (
                    j
                    for j, (other, _s) in wrong.items()
                    if j != i and other == now_called and table.get(j) == name
                ),
                None,
            )
            if partner is not None:
                done.add(partner)
                first = min(seq, wrong[partner][1])
                problems.append(
                    (
                        first,
                        f"coders {i} and {partner} swapped names outside coder: the trail "
                        f"(event #{first}) names {i} {name!r} and {partner} {now_called!r}, "
                        f"the coder table the other way round, so exports would credit "
                        f"each one's work to the other",
                    )
                )
            else:
                problems.append(
                    (
                        seq,
                        f"coder {i} was renamed outside coder: the trail (event #{seq}) names "
                        f"it {name!r}, the coder table {now_called!r}, so exports would credit "
                        f"{name}'s work to {now_called}",
                    )
                )
        names = set(table.values())
        for name, seq in self.writers.items():
            if name not in names and name not in self.by_name:
                problems.append(
                    (
                        seq,
                        f"coder {name!r}, who wrote event #{seq}, is not in the coder table: "
                        "renamed or deleted outside coder",
                    )
                )
        return problems


def events_touching(
    session: Session, project_id: int, key: str, after_seq: int
) -> list[tuple[int, str, str, str]]:
    """(seq, coder, action, target) of the events after ``after_seq`` that changed the row
    ``key`` (``table:id``), oldest first: who moved a row on, when an undo cannot."""
    pattern = f'%"{key}"%'
    rows = session.exec(
        select(AuditEventRow.seq, AuditEventRow.coder, AuditEventRow.action, AuditEventRow.target)
        .where(
            AuditEventRow.project_id == project_id,
            AuditEventRow.seq > after_seq,
            col(AuditEventRow.after).like(pattern),
        )
        .order_by(AuditEventRow.seq)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


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


def _table_rows(
    session: Session, table: str, model: type[SQLModel], project_id: int, replay: ReplayStore
) -> Iterator[dict[str, Any]]:
    """Every row of the table in the project, by id, a keyset page at a time."""
    id_column = model.__table__.columns["id"]  # type: ignore[attr-defined]
    base = _project_rows(table, model, project_id)
    last: int | None = None
    while True:
        query = base if last is None else base.where(id_column > last)
        page = _fetch(
            session,
            query.order_by(id_column).limit(ROW_PAGE),
            model,
            table,
            lambda row_id: replay.seq_of(table, row_id),
        )
        for row in page:
            yield row._asdict()
        if len(page) < ROW_PAGE:
            return
        last = page[-1].id


class _Recorded:
    """Rows as an event left them, read again only when a row's fingerprint differs: to
    name the changed fields, and to let values that compare equal but encode apart (1 and
    1.0) pass as the replay always let them. One event's rows are kept at a time."""

    def __init__(self, session: Session, project_id: int) -> None:
        self.session, self.project_id = session, project_id
        self.seq: int | None = None
        self.rows: dict[str, Any] = {}

    def row(self, seq: int, key: str) -> dict[str, Any]:
        if seq != self.seq:
            after = self.session.exec(
                select(AuditEventRow.after).where(
                    AuditEventRow.project_id == self.project_id, AuditEventRow.seq == seq
                )
            ).one()
            self.seq, self.rows = seq, json.loads(after).get("rows", {})
        return self.rows.get(key) or {}


def _compare_rows(
    session: Session, project_id: int, replay: ReplayStore, problems: _Problems
) -> None:
    """Walk each table and its replayed state side by side, both in id order."""
    recorded = _Recorded(session, project_id)
    for table, model in AUDITED_TABLES.items():
        actual = _table_rows(session, table, model, project_id, replay)
        expected = replay.rows_of(table)
        have = next(actual, None)
        want = next(expected, None)
        while have is not None or want is not None:
            if want is None or (have is not None and have["id"] < want[0]):
                assert have is not None
                problems.add(
                    None, f"{table} {have['id']} was inserted outside coder: no event records it"
                )
                have = next(actual, None)
                continue
            row_id, seq, digest = want
            if have is None or row_id < have["id"]:
                if digest is not None and problems.wants(seq):
                    where = _describe_event(session, project_id, seq)
                    problems.add(
                        seq,
                        f"{where} does not check out: {table} {row_id} was deleted outside coder",
                    )
                want = next(expected, None)
                continue
            if digest is None:
                if problems.wants(seq):
                    where = _describe_event(session, project_id, seq)
                    problems.add(
                        seq,
                        f"{where} does not check out: {table} {row_id} exists but the trail deleted it",
                    )
            elif problems.wants(seq) and fingerprint(have) != digest:
                was = recorded.row(seq, row_key(table, row_id))
                # a column added by a later migration is None in rows recorded before it
                fields = sorted(f for f in was.keys() | have.keys() if was.get(f) != have.get(f))
                if fields:
                    where = _describe_event(session, project_id, seq)
                    problems.add(
                        seq,
                        f"{where} does not check out: {table} {row_id} was changed outside coder ({', '.join(fields)})",
                    )
            have = next(actual, None)
            want = next(expected, None)


def _import_event(session: Session, table: str) -> Callable[[int], int | None]:
    """The import event of a document row (or of a unit's document)."""

    def event_of(row_id: int) -> int | None:
        if table == "document":
            query = select(DocumentRow.import_seq).where(DocumentRow.id == row_id)
        else:
            query = (
                select(DocumentRow.import_seq)
                .join(SegmentRow, SegmentRow.document_id == DocumentRow.id)
                .where(SegmentRow.id == row_id)
            )
        return session.exec(query).first()

    return event_of


_DOC_COLUMNS = [DocumentRow.id, DocumentRow.import_seq] + [
    getattr(DocumentRow, f) for f in DIGEST_DOC_FIELDS_V2 if f != "text"
]
_UNIT_COLUMNS = [SegmentRow.document_id] + [
    getattr(SegmentRow, f) for f in [*DIGEST_SEG_FIELDS, "context_before", "context_after"]
]


def _compare_documents(
    session: Session,
    project_id: int,
    imports: dict[int, str],
    versions: dict[int, int],
    widths: dict[int, int],
    replay: ReplayStore,
    problems: _Problems,
) -> None:
    """Each import event's digest against its documents and units as stored, with the
    fields of the digest version the event used (``versions``, default 1); and, where the
    event gives the context width (``widths``), each unit's context against its text.
    Documents are read a page at a time beside their units, and each one's digest goes to
    the replay file, so memory does not grow with the corpus."""
    altered: set[int | None] = set()
    for docs, units in _document_pages(session, project_id):
        unit = next(units, None)
        for doc in docs:
            while unit is not None and unit[0] < doc.id:
                unit = next(units, None)
            own = []
            while unit is not None and unit[0] == doc.id:
                own.append(unit._asdict())
                unit = next(units, None)
            d = doc._asdict()
            version = versions.get(doc.import_seq or 0, 1)
            replay.add_digest(doc.import_seq, document_digest(d, own, version), doc.id)
            width = widths.get(doc.import_seq or 0)
            if width is not None and not contexts_match(doc.text, own, width):
                altered.add(doc.import_seq)
    seen: set[int | None] = set()
    for seq, first, combined in replay.imports():
        seen.add(seq)
        if seq not in imports:
            problems.add(
                None, f"document {first} was inserted outside coder: no import event records it"
            )
        elif (combined != imports[seq] or seq in altered) and problems.wants(seq):
            where = _describe_event(session, project_id, seq)
            problems.add(
                seq, f"{where} does not check out: its documents were changed outside coder"
            )
    for seq in sorted(imports.keys() - seen):
        if problems.wants(seq):
            where = _describe_event(session, project_id, seq)
            problems.add(
                seq, f"{where} does not check out: its documents were deleted outside coder"
            )


def _document_pages(
    session: Session, project_id: int
) -> Iterator[tuple[Iterator[Any], Iterator[Any]]]:
    """Keyset pages of the project's documents: (documents by id, their units by document
    id), both streamed, so one long document at a time is in memory."""
    last: int | None = None
    while True:
        query = select(DocumentRow.id).where(DocumentRow.project_id == project_id)
        if last is not None:
            query = query.where(DocumentRow.id > last)
        ids = list(session.exec(query.order_by(DocumentRow.id).limit(DOC_PAGE)).all())
        if not ids:
            return
        low, high = ids[0], ids[-1]
        docs = (
            select(*_DOC_COLUMNS, DocumentRow.text)
            .where(
                DocumentRow.project_id == project_id,
                DocumentRow.id >= low,
                DocumentRow.id <= high,
            )
            .order_by(DocumentRow.id)
        )
        units = (
            select(*_UNIT_COLUMNS)
            .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
            .where(
                DocumentRow.project_id == project_id,
                SegmentRow.document_id >= low,
                SegmentRow.document_id <= high,
                SegmentRow.kind == "unit",
            )
            .order_by(SegmentRow.document_id)
        )
        yield (
            _stream(session, docs, DocumentRow, "document", _import_event(session, "document")),
            _stream(session, units, SegmentRow, "segment", _import_event(session, "segment")),
        )
        if len(ids) < DOC_PAGE:
            return
        last = high


def contexts_match(text: str, units: Iterable[dict[str, Any]], width: int) -> bool:
    """Each unit's stored context is the ``width`` characters of ``text`` either side of
    it, as the importer cut them."""
    return all(
        u["context_before"] == text[max(0, u["start"] - width) : u["start"]]
        and u["context_after"] == text[u["end"] : u["end"] + width]
        for u in units
    )
