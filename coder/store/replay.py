"""Where ``audit verify`` keeps the replayed trail: out of Python memory, in a private
temporary SQLite file, so verify's memory stays flat however long the trail grows (a team
project reaches millions of events; holding each replayed row as a dict took gigabytes).

Each audited row the trail mentions is one record: an integer key (table number and row
id), the last event that touched it, and a 16-byte fingerprint of the row as that event
left it (NULL when the trail deleted it or only named it in a ``before``). The tables are
then compared with it in one ordered walk per table. The import digests of documents are
kept here too, so they can be combined in order without a list per import in memory.

The file is SQLite whatever the project's backend is: it is verify's scratch space, not
project data, and SQLite deletes it when the connection closes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from coder.core.canonical import canonical

# A replayed row's key is one integer: table number * 2**40 + row id.
TABLE_SPAN = 1 << 40
FLUSH = 5000  # rows buffered in Python before they go to the file


def fingerprint(row: dict[str, Any]) -> bytes:
    """A row's fingerprint without its None values: a column added by a later migration is
    None in the table and absent from rows recorded before it, and the two must agree."""
    kept = {k: v for k, v in row.items() if v is not None}
    return hashlib.blake2b(canonical(kept).encode("utf-8"), digest_size=16).digest()


class NotCompact(ValueError):
    """The text is not the compact JSON object coder writes: read it the slow way."""


_DECODER = json.JSONDecoder()


def event_members(text: str) -> Iterator[tuple[str, str | None, Any]]:
    """The members of an event's ``before`` or ``after`` as coder writes it (compact JSON,
    no whitespace): ("rows", row key, row) for each row, parsed one at a time so a bulk
    event's 30,000 rows are never one parsed object, and (member, None, value) for the
    other members. NotCompact on anything else (the caller then parses the whole text,
    which says exactly what is wrong)."""
    scan = _DECODER.raw_decode
    try:
        if text[0] != "{":
            raise NotCompact(text[:20])
        i = 1
        if text[i] == "}":
            if len(text) != 2:
                raise NotCompact(text[:20])
            return
        while True:
            if text[i] != '"':
                raise NotCompact(text[i : i + 20])
            part, i = scan(text, i)
            if text[i] != ":":
                raise NotCompact(text[i : i + 20])
            i += 1
            if part == "rows":
                if text[i] != "{":
                    raise NotCompact(text[i : i + 20])
                i += 1
                if text[i] == "}":
                    i += 1
                else:
                    while True:
                        if text[i] != '"':
                            raise NotCompact(text[i : i + 20])
                        key, i = scan(text, i)
                        if text[i] != ":":
                            raise NotCompact(text[i : i + 20])
                        value, i = scan(text, i + 1)
                        yield "rows", key, value
                        if text[i] == "}":
                            i += 1
                            break
                        if text[i] != ",":
                            raise NotCompact(text[i : i + 20])
                        i += 1
            else:
                value, i = scan(text, i)
                yield part, None, value
            if text[i] == "}":
                if i + 1 != len(text):
                    raise NotCompact(text[i : i + 20])
                return
            if text[i] != ",":
                raise NotCompact(text[i : i + 20])
            i += 1
    except NotCompact:
        raise
    except (ValueError, IndexError) as exc:
        raise NotCompact(str(exc)) from exc


class ReplayStore:
    """The replayed state of one project's audited rows, in a temporary SQLite file."""

    def __init__(self, tables: list[str]) -> None:
        self.number = {table: i + 1 for i, table in enumerate(tables)}
        self.db = sqlite3.connect("")  # "": a private temporary file, deleted on close
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -8000"):
            self.db.execute(f"PRAGMA {pragma}")  # 8 MB of pages in memory, the rest on disk
        self.db.execute(
            "CREATE TABLE state (key INTEGER PRIMARY KEY, seq INTEGER NOT NULL, print BLOB)"
        )
        self.db.execute("CREATE TABLE digest (seq INTEGER, digest TEXT, doc_id INTEGER)")
        self._set: list[tuple[int, int, bytes | None]] = []
        self._touched: list[tuple[int, int]] = []
        self._digests: list[tuple[int | None, str, int]] = []

    def key(self, table: str, row_id: int) -> int:
        return self.number[table] * TABLE_SPAN + row_id

    def set(self, table: str, row_id: int, seq: int, row: dict[str, Any] | None) -> None:
        """Event ``seq`` left the row so (None: deleted)."""
        key = self.number[table] * TABLE_SPAN + row_id
        self._set.append((key, seq, None if row is None else fingerprint(row)))
        if len(self._set) >= FLUSH:
            self.flush()

    def touch(self, table: str, row_id: int, seq: int) -> None:
        """Event ``seq`` named the row in its ``before``: it is the event to blame for the
        row unless another event already set it."""
        self._touched.append((self.number[table] * TABLE_SPAN + row_id, seq))
        if len(self._touched) >= FLUSH:
            self.flush()

    def flush(self) -> None:
        # Sets first, then touches: a touch never changes a row already recorded, so this
        # order gives the same state as replaying the two lists interleaved.
        if self._set:
            self.db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?, ?)", self._set)
            self._set = []
        if self._touched:
            self.db.executemany("INSERT OR IGNORE INTO state VALUES (?, ?, NULL)", self._touched)
            self._touched = []

    def rows_of(self, table: str) -> Iterator[tuple[int, int, bytes | None]]:
        """(row id, last event that touched it, fingerprint or None) by row id."""
        self.flush()
        base = self.number[table] * TABLE_SPAN
        for key, seq, digest in self.db.execute(
            "SELECT key, seq, print FROM state WHERE key >= ? AND key < ? ORDER BY key",
            (base, base + TABLE_SPAN),
        ):
            yield key - base, seq, digest

    def seq_of(self, table: str, row_id: int) -> int | None:
        """The last event that touched the row, if any."""
        self.flush()
        found = self.db.execute(
            "SELECT seq FROM state WHERE key = ?", (self.key(table, row_id),)
        ).fetchone()
        return found[0] if found else None

    def add_digest(self, seq: int | None, digest: str, doc_id: int) -> None:
        """One document's digest, under the import event that holds it."""
        self._digests.append((seq, digest, doc_id))
        if len(self._digests) >= FLUSH:
            self._flush_digests()

    def _flush_digests(self) -> None:
        self.db.executemany("INSERT INTO digest VALUES (?, ?, ?)", self._digests)
        self._digests = []

    def imports(self) -> Iterator[tuple[int | None, int, str]]:
        """(import event, its first document, the combined digest of its documents), in
        the order of their first documents: ``combine_digests`` fed in sorted order."""
        self._flush_digests()
        self.db.execute("CREATE INDEX digest_order ON digest (seq, digest)")
        groups = self.db.execute(
            "SELECT seq, min(doc_id) FROM digest GROUP BY seq ORDER BY min(doc_id)"
        ).fetchall()
        for seq, first in groups:
            combined = hashlib.sha256()
            for (digest,) in self.db.execute(
                "SELECT digest FROM digest WHERE seq IS ? ORDER BY digest", (seq,)
            ):
                combined.update(digest.encode("ascii"))
            yield seq, first, combined.hexdigest()

    def close(self) -> None:
        self.db.close()
