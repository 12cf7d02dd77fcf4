"""Bulk coding is one action: one transaction, one audit event listing its rows, one undo.
On SQLite and PostgreSQL, with audit verify still finding what plain SQL did to a bulk
event's rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from coder.services import history
from coder.services.batch import BatchError, BatchItem, apply_batch
from coder.services.coding import UnitRef, apply_code, apply_code_many
from coder.services.workspace import ServiceError
from coder.store import queries as q
from tests.services.helpers import seed

ALL_UNITS = [
    UnitRef("gray2024", 1),
    UnitRef("gray2024", 2),
    UnitRef("gray2024", 3),
    UnitRef("doe2019", 1),
    UnitRef("doe2019", 2),
    UnitRef("doe2019", 3),
]


@pytest.fixture
def keys(ws) -> list[str]:
    return seed(ws)


def events(ws):
    with ws.read() as s:
        return q.audit_events(s, ws.project.id, newest_first=False)


def coding_count(ws) -> int:
    with ws.read() as s:
        return len(q.codings(s, ws.project.id))


def sql(ws, statement: str) -> None:
    with ws.db.engine.begin() as conn:
        conn.execute(text(statement))


def test_many_codings_are_one_event_with_its_count_and_rows(ws, keys):
    apply_code(ws, "gray2024:2", "risk")
    before = len(events(ws))
    added = apply_code_many(ws, ALL_UNITS, "risk", action="autocode")
    assert added == 5  # gray2024:2 already had it
    trail = events(ws)
    assert len(trail) == before + 1
    event = trail[-1]
    assert (event.action, event.target) == ("autocode", "'risk': 5 codings")
    rows = event.after["rows"]
    assert len(rows) == 5 and all(k.startswith("coding:") for k in rows)
    assert all(v is None for v in event.before["rows"].values())
    assert coding_count(ws) == 6
    assert history.verify(ws).ok


def test_one_undo_takes_the_whole_batch_back_and_one_redo_restores_it(ws, keys):
    apply_code_many(ws, ALL_UNITS, "risk", action="autocode")
    with ws.read() as s:
        stored = sorted((c.document_key, c.ordinal) for c in q.codings(s, ws.project.id))
    undone = history.undo(ws)
    assert undone.action == "autocode"
    assert coding_count(ws) == 0
    assert events(ws)[-1].target == f"#{undone.seq} autocode 'risk': 6 codings"
    history.redo(ws)
    with ws.read() as s:
        again = sorted((c.document_key, c.ordinal) for c in q.codings(s, ws.project.id))
    assert again == stored
    history.undo(ws)
    assert coding_count(ws) == 0
    assert history.verify(ws).ok


def test_undo_refuses_when_a_row_of_the_batch_changed_since(ws, keys):
    apply_code_many(ws, ALL_UNITS[:3], "risk")
    sql(ws, "UPDATE coding SET memo = 'edited' WHERE id = (SELECT MIN(id) FROM coding)")
    with pytest.raises(ServiceError, match="has changed since"):
        history.undo(ws)
    assert coding_count(ws) == 3  # nothing of the batch was removed


def test_batch_with_spans_whole_documents_memos_and_other_coders(ws, keys):
    items = [
        BatchItem(UnitRef("gray2024", start=4, end=11), "risk", memo="purpose", line=2),
        BatchItem(UnitRef("doe2019"), "us and them", coder="bob", line=3),
        BatchItem(UnitRef("doe2019", 2), "tread carefully", line=4),
        BatchItem(UnitRef("gray2024", start=4, end=11), "us and them", line=5),
    ]
    result = apply_batch(ws, items, "code.apply", "batch.csv")
    assert (result.added, result.already, result.skipped) == (4, 0, [])
    with ws.read() as s:
        got = sorted(
            (c.document_key, c.start, c.end, c.code, c.coder, c.memo)
            for c in q.codings(s, ws.project.id)
        )
    doe_len = len(got[0][0]) and next(g for g in got if g[4] == "bob")[2]
    assert ("gray2024", 4, 11, "risk", "alice", "purpose") in got
    assert ("gray2024", 4, 11, "us and them", "alice", None) in got
    assert ("doe2019", 0, doe_len, "us and them", "bob", None) in got
    event = events(ws)[-1]
    assert event.target == "batch.csv: 4 codings"
    # one new span segment and one whole-document segment, recorded in the same event
    assert sum(k.startswith("segment:") for k in event.after["rows"]) == 2
    assert history.verify(ws).ok
    history.undo(ws)
    assert coding_count(ws) == 0
    assert history.verify(ws).ok


def test_bad_rows_are_all_reported_and_nothing_is_applied(ws, keys):
    items = [
        BatchItem(UnitRef("gray2024", 1), "risk", line=2),
        BatchItem(UnitRef("grey2024", 1), "risk", line=3),
        BatchItem(UnitRef("gray2024", 9), "risk", line=4),
        BatchItem(UnitRef("gray2024", 1), "rsik", line=5),
        BatchItem(UnitRef("gray2024", start=5, end=9999), "risk", line=6),
    ]
    before = len(events(ws))
    with pytest.raises(BatchError) as err:
        apply_batch(ws, items, "code.apply", "b.csv", source="b.csv")
    assert err.value.lines() == [
        "b.csv:3: unknown document 'grey2024' (did you mean 'gray2024'?)",
        "b.csv:4: document 'gray2024' has no segment 9 (it has 3)",
        "b.csv:5: unknown code 'rsik' (did you mean 'risk'?)",
        f"b.csv:6: span 5-9999 is outside document 'gray2024' (0-{_length(ws, 'gray2024')})",
    ]
    assert coding_count(ws) == 0 and len(events(ws)) == before
    result = apply_batch(ws, items, "code.apply", "b.csv", skip_bad=True)
    assert result.added == 1 and [line for line, _ in result.skipped] == [3, 4, 5, 6]


def _length(ws, key: str) -> int:
    with ws.read() as s:
        return len(q.document_row(s, ws.project.id, key).text)


def test_verify_finds_edited_inserted_and_deleted_rows_of_a_bulk_event(ws, keys):
    apply_code_many(ws, ALL_UNITS, "risk", action="autocode")
    seq = events(ws)[-1].seq
    assert history.verify(ws).ok
    sql(ws, "UPDATE coding SET memo = 'x' WHERE id = (SELECT MIN(id) FROM coding)")
    result = history.verify(ws)
    assert not result.ok and result.seq == seq
    assert f"event #{seq} (autocode 'risk': 6 codings) does not check out" in result.message
    assert "changed outside coder (memo)" in result.message
    sql(ws, "UPDATE coding SET memo = NULL")
    assert history.verify(ws).ok
    sql(ws, "DELETE FROM coding WHERE id = (SELECT MAX(id) FROM coding)")
    result = history.verify(ws)
    assert not result.ok and result.seq == seq and "deleted outside coder" in result.message


def test_verify_finds_a_row_inserted_beside_a_bulk_event(ws, keys):
    apply_code_many(ws, ALL_UNITS[:3], "risk")
    sql(ws, "INSERT INTO coding (project_id, segment_id, code_id, coder_id, created_at) "
            "SELECT project_id, segment_id + 3, code_id, coder_id, created_at FROM coding "
            "WHERE id = (SELECT MAX(id) FROM coding)")  # fmt: skip
    result = history.verify(ws)
    assert not result.ok and "inserted outside coder: no event records it" in result.message


def test_nothing_new_writes_no_event(ws, keys):
    apply_code_many(ws, ALL_UNITS[:2], "risk")
    before = len(events(ws))
    assert apply_code_many(ws, ALL_UNITS[:2], "risk") == 0
    assert len(events(ws)) == before


def test_search_hits_carry_their_unit_ids_and_autocode_checks_them(ws, keys):
    """A search hit carries its unit's segment id, so autocode skips re-resolving it; an
    id that is not the unit the reference names (stale, made up, another unit's) is
    ignored, and the reference resolved by its key and number."""
    from coder.services.search import search_segments

    hits = search_segments(ws, "staff")
    assert hits and all(h.ref.segment is not None for h in hits)
    wrong = [
        UnitRef("gray2024", 1, segment=10**9),
        UnitRef("doe2019", 2, segment=hits[0].ref.segment),
    ]
    added = apply_code_many(ws, [h.ref for h in hits] + wrong, "risk", action="autocode")
    with ws.read() as s:
        got = sorted((c.document_key, c.ordinal) for c in q.codings(s, ws.project.id))
    expected = sorted(
        {(h.ref.key, h.ref.ordinal) for h in hits} | {("gray2024", 1), ("doe2019", 2)}
    )
    assert added == len(got) and got == expected
    assert history.verify(ws).ok
    history.undo(ws)
    assert coding_count(ws) == 0
