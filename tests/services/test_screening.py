"""Setting records aside in phase 1: reasons, exclusion, inclusion, search, undo, verify."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from coder.services import history
from coder.services import screening as s
from coder.services.workspace import ServiceError
from coder.store import queries as q

from .helpers import seed


def _counts(ws) -> tuple[int, int]:
    with ws.read() as session:
        return q.count_documents(session, ws.project.id), q.count_segments(session, ws.project.id)


def test_exclude_leaves_counts_and_queue_but_stays_searchable(ws):
    keys = seed(ws)
    s.add_reason(ws, "not about peer support")
    docs_before, units_before = _counts(ws)
    result = s.exclude(ws, [keys[1]], "not about peer support", note="about staff training")
    assert result.changed == [keys[1]]
    docs, units = _counts(ws)
    assert docs == docs_before - 1 and units < units_before
    pid, alice = ws.project.id, ws.coder_id()
    with ws.read() as session:
        # the coding queue walks past it
        assert q.document_neighbour(session, pid, keys[0], 1) == keys[2]
        seen = []
        found = q.next_uncoded(session, pid, alice, -1, -1, 0)
        while found:
            seen.append(found[0])
            doc = q.document_row(session, pid, found[0])
            found = q.next_uncoded(session, pid, alice, doc.ordinal, doc.id, found[1])
        assert keys[1] not in seen and keys[0] in seen
        # still found by a search, and marked
        total, items = q.document_page(session, pid, alice, search="tread carefully")
        assert total == 1 and items[0].key == keys[1] and items[0].excluded
    [item] = s.excluded(ws)
    assert (item.key, item.reason, item.note, item.coder) == (
        keys[1],
        "not about peer support",
        "about staff training",
        "alice",
    )
    assert ws.db.verify(ws.project.id).ok


def test_include_and_undo_bring_documents_back(ws):
    keys = seed(ws)
    s.add_reason(ws, "not empirical")
    before = _counts(ws)
    s.exclude(ws, keys[:2], "not empirical")
    assert _counts(ws)[0] == before[0] - 2
    history.undo(ws)
    assert _counts(ws) == before and s.excluded(ws) == []
    history.redo(ws)
    assert len(s.excluded(ws)) == 2
    result = s.include(ws, [keys[0], keys[2]])
    assert result.changed == [keys[0]] and result.unchanged == [keys[2]]
    assert [e.key for e in s.excluded(ws)] == [keys[1]]
    assert ws.db.verify(ws.project.id).ok


def test_bulk_exclusion_by_search_is_one_event(ws):
    keys = seed(ws)
    s.add_reason(ws, "off topic")
    preview = s.exclude_matching(ws, "WARD", "off topic", dry_run=True)
    assert preview.changed == [keys[0]]
    assert s.excluded(ws) == []
    with ws.read() as session:
        last = q.audit_events(session, ws.project.id, limit=1)[0].seq
    s.exclude_matching(ws, "e", note="screened out by the word e")
    with ws.read() as session:
        events = q.audit_events(session, ws.project.id, limit=5)
    assert events[0].seq == last + 1 and events[0].action == "document.exclude"
    assert len(s.excluded(ws)) == len(keys)
    history.undo(ws)
    assert s.excluded(ws) == []


def test_bad_requests_change_nothing(ws):
    keys = seed(ws)
    s.add_reason(ws, "not empirical")
    with ws.read() as session:
        seq = q.audit_events(session, ws.project.id, limit=1)[0].seq
    with pytest.raises(ServiceError, match="did you mean 'not empirical'"):
        s.exclude(ws, [keys[0]], "not empiricl")
    with pytest.raises(ServiceError, match="say why"):
        s.exclude(ws, [keys[0]])
    with pytest.raises(ServiceError, match="no document with key 'nope'"):
        s.exclude(ws, [keys[0], "nope"], "not empirical")
    with pytest.raises(ServiceError, match="already on the project's list"):
        s.add_reason(ws, "not  empirical")
    s.exclude(ws, [keys[0]], "not empirical")
    with pytest.raises(ServiceError, match="is given for 1 excluded document"):
        s.remove_reason(ws, "not empirical")
    assert s.reasons(ws) == ["not empirical"]
    with ws.read() as session:
        assert q.audit_events(session, ws.project.id, limit=1)[0].seq == seq + 1


def test_verify_finds_an_exclusion_changed_outside_coder(ws):
    keys = seed(ws)
    s.add_reason(ws, "not empirical")
    s.exclude(ws, [keys[0]], "not empirical")
    with ws.db.engine.begin() as conn:
        conn.execute(text("UPDATE document_exclusion SET note = 'edited'"))
    result = ws.db.verify(ws.project.id)
    assert not result.ok and "document_exclusion" in result.message
    with ws.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM document_exclusion"))
    result = ws.db.verify(ws.project.id)
    assert not result.ok and "deleted outside coder" in result.message
