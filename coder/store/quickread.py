"""A quick read path for listing commands on an SQLite project: stdlib sqlite3 only.

``coder codes --json`` ran a 9 ms query after half a second of importing SQLAlchemy,
SQLModel and pydantic. For a project file already at the newest schema, this module
answers such listings with plain SQL on a read-only connection. Anything it is not sure
of (a URL, an older or newer schema, several projects, any sqlite error) returns None,
and the caller takes the ordinary path, which also words every error for the user.

The TUI reads its first screen here too (``first_frame``): the first page of the document
list and the document where the coder left off, drawn read-only while the loading thread
imports SQLModel (issue 16: the first frame with data went from 2.1 s to a third of that).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from coder.core.model import Document, Section, Segment, SegmentKind
from coder.store.schema_head import HEAD

T = TypeVar("T")


def sqlite_file(db: str | None) -> Path | None:
    """The project file ``--db``/``$CODER_DB``/``coder.db`` names, if it is a plain file."""
    value = db or os.environ.get("CODER_DB") or "coder.db"
    if "://" in value:
        if not value.startswith("sqlite:///") or "?" in value:
            return None
        value = value.removeprefix("sqlite:///")
    path = Path(value).expanduser()
    return path if path.is_file() else None


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    conn.execute("PRAGMA query_only = ON")
    return conn


def _project_id(conn: sqlite3.Connection, name: str | None) -> int | None:
    if conn.execute("SELECT version_num FROM alembic_version").fetchone() != (HEAD,):
        return None
    projects = conn.execute("SELECT id, name FROM project ORDER BY id").fetchall()
    if name is None:
        return projects[0][0] if len(projects) == 1 else None
    return next((pid for pid, pname in projects if pname == name), None)


def _reading_file(db: str | None, read: Callable[[sqlite3.Connection], T | None]) -> T | None:
    """``read(conn)`` on the project file, read-only; None when it is not an SQLite file
    coder can read this way, or anything in it is odd (the caller takes the full path)."""
    path = sqlite_file(db)
    if path is None:
        return None
    try:
        conn = _connect(path)
        try:
            return read(conn)
        finally:
            conn.close()
    except (sqlite3.Error, ValueError, TypeError, KeyError):
        return None


def _code_rows(
    conn: sqlite3.Connection, project: str | None
) -> tuple[list[tuple], dict[int, tuple[int, int, int]]] | None:
    pid = _project_id(conn, project)
    if pid is None:
        return None
    rows = conn.execute(
        'SELECT id, name, parent_id, status FROM code WHERE project_id = ? ORDER BY "order", id',
        (pid,),
    ).fetchall()
    counts = {
        code_id: (n, segments, documents)
        for code_id, n, segments, documents in conn.execute(
            "SELECT g.code_id, count(g.id), count(DISTINCT g.segment_id), "
            "count(DISTINCT s.document_id) FROM coding g "
            "JOIN segment s ON s.id = g.segment_id WHERE g.project_id = ? "
            "GROUP BY g.code_id",
            (pid,),
        )
    }
    return rows, counts


def code_counts(
    db: str | None, project: str | None, include_inactive: bool
) -> list[dict[str, Any]] | None:
    """The codebook with counts, as ``coder codes --json`` prints it, or None."""
    read = _reading_file(db, lambda conn: _code_rows(conn, project))
    if read is None:
        return None
    rows, counts = read
    names = {code_id: name for code_id, name, _p, _s in rows}
    out = []
    for code_id, name, parent_id, status in rows:
        if not include_inactive and status != "active":
            continue
        n, segments, documents = counts.get(code_id, (0, 0, 0))
        out.append(
            {"name": name, "parent": names.get(parent_id) if parent_id else None,
             "status": status, "codings": n, "segments": segments, "documents": documents}
        )  # fmt: skip
    return out


# ---- the TUI's first frame ---------------------------------------------------------------

PHASE_NUMBERS = range(1, 7)
_DOCUMENT_COLUMNS = (
    "id, key, text, sections, title, authors, year, date, type, journal, volume, issue, "
    "pages, issn, doi, keywords, source_file, source_format, content_hash"
)


@dataclass(frozen=True)
class ListRow:
    """One line of phase 1's document list (the fields ``DocumentListItem`` draws)."""

    key: str
    label: str
    year: int | None
    has_abstract: bool
    read: bool
    excluded: bool


@dataclass(frozen=True)
class FirstFrame:
    """What the app draws before SQLModel is imported: where the coder left off, and the
    data of that phase's first screen (phases 1 and 2; other phases get none)."""

    project: str
    phase: int
    ui_state: dict[str, str]
    rows: list[ListRow] = field(default_factory=list)  # phase 1: a page in reading order
    cursor: int = 0  # phase 1: the row of ``document`` in ``rows``
    document: Document | None = None  # the document shown (phase 1 reads, phase 2 codes)
    units: list[Segment] = field(default_factory=list)  # phase 2: the document's units
    unit: int = 0  # phase 2: the index in ``units`` of the segment to code


def first_frame(
    db: str | None, coder: str, project: str | None, rows: int = 100
) -> FirstFrame | None:
    """The first screen's data, read with sqlite3 on a project file at the newest schema
    (the same choices the phases make: the remembered document, else the first in reading
    order; the list by keyset on ``ix_document_order``). None: take the ordinary path."""
    return _reading_file(db, lambda conn: _first_frame(conn, coder, project, rows))


def _first_frame(
    conn: sqlite3.Connection, coder: str, project: str | None, limit: int
) -> FirstFrame | None:
    pid = _project_id(conn, project)
    if pid is None:
        return None
    (name,) = conn.execute("SELECT name FROM project WHERE id = ?", (pid,)).fetchone()
    found = conn.execute("SELECT id FROM coder WHERE name = ?", (coder,)).fetchone()
    coder_id = found[0] if found else None
    state: dict[str, str] = {}
    if coder_id is not None:
        state = dict(
            conn.execute(
                "SELECT name, value FROM ui_state WHERE project_id = ? AND coder_id = ?",
                (pid, coder_id),
            ).fetchall()
        )
    saved = state.get("phase", "1")
    phase = int(saved) if saved.isdigit() and int(saved) in PHASE_NUMBERS else 1
    if phase == 1:
        return _reading(conn, pid, coder_id, name, state, limit)
    if phase == 2:
        return _coding(conn, pid, name, state)
    return FirstFrame(name, phase, state)


def _reading(
    conn: sqlite3.Connection,
    pid: int,
    coder_id: int | None,
    name: str,
    state: dict[str, str],
    limit: int,
) -> FirstFrame:
    """Phase 1: the first page of the list (or the page from the remembered document, if
    it lies further on) and the remembered document, else the first."""
    key = state.get("familiarise.document")
    rows = _list_page(conn, pid, coder_id, None, limit)
    keys = [row.key for row in rows]
    if key and key not in keys:
        start = conn.execute(
            "SELECT ordinal, id FROM document WHERE project_id = ? AND key = ?", (pid, key)
        ).fetchone()
        if start is not None:
            rows = _list_page(conn, pid, coder_id, start, limit)
            keys = [row.key for row in rows]
    cursor = keys.index(key) if key in keys else 0
    document = _document(conn, pid, keys[cursor]) if keys else None
    return FirstFrame(name, 1, state, rows, cursor, document)


def _list_page(
    conn: sqlite3.Connection,
    pid: int,
    coder_id: int | None,
    start: tuple[int, int] | None,
    limit: int,
) -> list[ListRow]:
    """Rows in reading order from ``start`` (ordinal, id), read marks and set-asides with
    them: one query on the ordering index, as ``queries.document_list_page`` pages."""
    after = "AND (d.ordinal, d.id) >= (?, ?)" if start is not None else ""
    found = conn.execute(
        "SELECT d.key, d.title, d.authors, d.year, d.has_abstract, substr(d.text, 1, 120), "
        "EXISTS (SELECT 1 FROM document_read r WHERE r.document_id = d.id AND r.coder_id = ?), "
        "EXISTS (SELECT 1 FROM document_exclusion x WHERE x.document_id = d.id) "
        f"FROM document d WHERE d.project_id = ? {after} ORDER BY d.ordinal, d.id LIMIT ?",
        (coder_id if coder_id is not None else -1, pid, *(start or ()), limit),
    ).fetchall()
    rows = []
    for key, title, authors, year, has_abstract, opening, read, excluded in found:
        doc = Document(
            key=key, text=opening or "", title=title, authors=json.loads(authors or "[]"), year=year
        )
        rows.append(ListRow(key, doc.label, year, bool(has_abstract), bool(read), bool(excluded)))
    return rows


def _coding(conn: sqlite3.Connection, pid: int, name: str, state: dict[str, str]) -> FirstFrame:
    """Phase 2: the remembered document at the remembered unit, else the first document
    in the coding queue (not set aside) at its first unit."""
    key = state.get("code.document")
    saved = state.get("code.segment", "")
    ordinal = int(saved) if saved.isdigit() else 1
    document = _document(conn, pid, key) if key else None
    if document is None:
        ordinal = 1
        first = conn.execute(
            "SELECT key FROM document WHERE project_id = ? AND id NOT IN "
            "(SELECT document_id FROM document_exclusion) ORDER BY ordinal, id LIMIT 1",
            (pid,),
        ).fetchone()
        document = _document(conn, pid, first[0]) if first else None
    if document is None:
        return FirstFrame(name, 2, state)
    units = [
        Segment(id=sid, document_key=document.key, ordinal=n, kind=SegmentKind.UNIT,
                start=start, end=end, heading=heading, text=document.text[start:end],
                speaker=speaker, start_ms=start_ms, end_ms=end_ms)
        for sid, n, heading, start, end, speaker, start_ms, end_ms in conn.execute(
            'SELECT id, ordinal, heading, start, "end", speaker, start_ms, end_ms FROM segment '
            "WHERE document_id = ? AND kind = 'unit' ORDER BY ordinal",
            (document.id,),
        )
    ]  # fmt: skip
    unit = next((i for i, u in enumerate(units) if u.ordinal == ordinal), 0)
    return FirstFrame(name, 2, state, document=document, units=units, unit=unit)


def _document(conn: sqlite3.Connection, pid: int, key: str) -> Document | None:
    """The document ``key`` as ``queries.to_document`` builds it."""
    row = conn.execute(
        f"SELECT {_DOCUMENT_COLUMNS} FROM document WHERE project_id = ? AND key = ?", (pid, key)
    ).fetchone()
    if row is None:
        return None
    (doc_id, key, text, sections, title, authors, year, date, kind, journal, volume, issue,
     pages, issn, doi, keywords, source_file, source_format, content_hash) = row  # fmt: skip
    return Document(
        key=key,
        text=text,
        sections=[
            Section(
                s.get("heading"),
                text[s["start"] : s["end"]],
                s.get("speaker"),
                s.get("start_ms"),
                s.get("end_ms"),
            )
            for s in json.loads(sections or "[]")
        ],  # fmt: skip
        title=title,
        authors=json.loads(authors or "[]"),
        year=year,
        date=date,
        type=kind,
        journal=journal,
        volume=volume,
        issue=issue,
        pages=pages,
        issn=issn,
        doi=doi,
        keywords=json.loads(keywords or "[]"),
        source_file=source_file,
        source_format=source_format,
        content_hash=content_hash,
        id=doc_id,
    )
