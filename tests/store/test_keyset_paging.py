"""Keyset paging (no OFFSET): every list read page by page gives every row once, in the
order of the whole list, across page boundaries that fall between rows with equal sort
keys, on SQLite and PostgreSQL; and the TUI's row-index pages land where OFFSET would."""

from __future__ import annotations

from sqlalchemy import update

from coder.core.model import Code, DocumentRecord, Section
from coder.services import views
from coder.services.codes import create_code
from coder.services.coding import apply_code
from coder.services.importing import add_records
from coder.services.notes import mark_read
from coder.services.themes import assign_codes, create_theme
from coder.store import queries as q
from coder.store.tables import DocumentRow

# ordinals of the seven documents: runs of equal ones, so pages split ties
TIED = [1, 1, 1, 2, 2, 5, 5]


def _project(ws) -> list[str]:
    """Seven one-sentence documents whose reading order ties on ordinal; two codes in a
    theme applied to every document (twice to some spans), by alice."""
    records = [
        DocumentRecord(sections=[Section(None, f"Peer support note number {i}.")], year=2000 + i)
        for i in range(7)
    ]
    _summary, keys = add_records(ws, records, source="records.txt")
    with ws.db.engine.begin() as conn:
        for key, ordinal in zip(keys, TIED, strict=True):
            conn.execute(
                update(DocumentRow)
                .where(DocumentRow.project_id == ws.project.id, DocumentRow.key == key)
                .values(ordinal=ordinal)
            )
    for name in ("care", "risk"):
        create_code(ws, Code(name=name, definition=name))
    for i, key in enumerate(keys):
        apply_code(ws, f"{key}:1", "care")
        if i % 2:
            apply_code(ws, f"{key}:1", "risk")
    create_theme(ws, "support", codes=["care", "risk"])
    return keys


def test_store_pages_give_every_row_once_in_order(ws) -> None:
    _project(ws)
    pid = ws.project.id
    with ws.read() as session:
        everything = [d.key for d in q.documents(session, pid)]
        assert len(everything) == 7
        paged = [d.key for page in q.document_pages(session, pid, batch=2) for d in page]
        assert paged == everything
        by_hand, after = [], None
        while page := q.documents(session, pid, after_key=after, limit=3):
            by_hand += [d.key for d in page]
            after = (session.get(DocumentRow, page[-1].id).ordinal, page[-1].id)
        assert by_hand == everything

        codings = [c.id for c in q.codings(session, pid)]
        assert len(codings) == 10
        assert [c.id for page in q.coding_pages(session, pid, batch=3) for c in page] == codings

        theme = q.theme_row(session, pid, "support")
        assert theme is not None
        in_theme = [c.id for c in q.theme_codings(session, pid, theme.id)]
        assert sorted(in_theme) == sorted(codings)
        pages = q.theme_coding_pages(session, pid, theme.id, batch=4)
        assert [c.id for page in pages for c in page] == in_theme


def test_document_list_pages_by_row_index(ws) -> None:
    """The virtual list asks for rows by index, in any order (End first, then back up):
    each page is the slice of the whole list it would be with OFFSET."""
    keys = _project(ws)
    mark_read(ws, keys[3])
    coder = ws.coder_id()
    _total, whole = views.document_page(ws, coder, 0, 100)
    everything = [item.key for item in whole]
    pages = views.PageKeys()
    for offset in (6, 4, 0, 2, 5, 1):  # a jump to the end, back up, then odd offsets
        total, items = views.document_page(ws, coder, offset, 2, keys=pages)
        assert total == 7
        assert [i.key for i in items] == everything[offset : offset + 2], offset
    unread = views.PageKeys()
    seen: list[str] = []
    for offset in (0, 2, 4):
        total, items = views.document_page(ws, coder, offset, 2, unread_only=True, keys=unread)
        assert total == 6
        seen += [i.key for i in items]
    assert seen == [k for k in everything if k != keys[3]]
    mark_read(ws, keys[0])  # a change: the remembered boundaries are read afresh
    total, items = views.document_page(ws, coder, 2, 2, unread_only=True, keys=unread)
    assert total == 5
    assert [i.key for i in items] == [k for k in everything if k not in (keys[0], keys[3])][2:4]


def test_audit_and_extract_pages_turn_both_ways(ws) -> None:
    _project(ws)
    pid = ws.project.id
    with ws.read() as session:
        newest_first = [e.seq for e in q.audit_events(session, pid)]
        applied = [e.seq for e in q.audit_events(session, pid, action="code.apply")]
        theme = q.theme_row(session, pid, "support")
        assert theme is not None
        extracts = [e.coding.id for e in q.theme_extracts(session, pid, theme.id)]
    assert len(extracts) == 7  # one per span, however many codes it carries

    audit = views.PageKeys()
    for page in (0, 1, 2, 1, 0, 3):
        read = views.audit_page(ws, page, 4, keys=audit)
        assert [e.seq for e in read.events] == newest_first[page * 4 : page * 4 + 4]
    filtered = views.PageKeys()
    for page in (2, 0, 1):  # a cold jump walks the seqs from the nearest known page
        read = views.audit_page(ws, page, 4, action="code.apply", keys=filtered)
        assert [e.seq for e in read.events] == applied[page * 4 : page * 4 + 4]

    table = views.PageKeys()
    for page in (0, 1, 3, 2, 1):
        read = views.theme_extracts(ws, theme.id, page, 2, keys=table)
        assert read.page == page and read.total == 7
        assert [e.coding.id for e in read.extracts] == extracts[page * 2 : page * 2 + 2]
    assign_codes(ws, "support", ["care"])  # a change resets the boundaries, pages stay right
    read = views.theme_extracts(ws, theme.id, 3, 2, keys=table)
    assert [e.coding.id for e in read.extracts] == extracts[6:]
