"""Verify's coverage beyond the chain: who is who, the head, reading order, context, rows
that cannot be read, and the messages that say what happened."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from coder.services import codes as codes_svc
from coder.services import history
from coder.services.coding import apply_code
from coder.services.notes import add_memo
from coder.services.workspace import ServiceError
from coder.store import audit
from tests.conftest import as_coder
from tests.services.helpers import seed


@pytest.fixture
def two(ws):
    """alice and bob have both coded (events #4.. name both)."""
    seed(ws)
    bob = as_coder(ws, "bob")
    apply_code(ws, "gray2024:1", "risk")
    apply_code(bob, "gray2024:2", "us and them")
    add_memo(bob, "bob's journal", kind="journal")
    assert history.verify(ws).ok
    return ws


def sql(ws, statement: str, **params) -> None:
    with ws.db.engine.begin() as conn:
        conn.execute(text(statement), params)


def coder_ids(ws) -> dict[str, int]:
    with ws.db.engine.connect() as conn:
        return dict(conn.execute(text("SELECT name, id FROM coder")).all())


def test_every_event_names_its_coders(two):
    ids = coder_ids(two)
    with two.read() as s:
        after = [
            json.loads(a) for (a,) in s.exec(text("SELECT after FROM audit_event ORDER BY seq"))
        ]
    assert after[-1]["coders"] == {str(ids["bob"]): "bob"}
    assert {str(ids["alice"]): "alice"} in [a["coders"] for a in after]


def test_renamed_coder_is_found_and_named(two):
    sql(two, "UPDATE coder SET name = 'mallory' WHERE name = 'alice'")
    result = history.verify(two)
    assert not result.ok
    assert "renamed outside coder" in result.message
    assert "'alice'" in result.message and "'mallory'" in result.message


def test_swapped_coders_are_found_and_named(two):
    ids = coder_ids(two)
    sql(two, "UPDATE coder SET name = 'tmp' WHERE id = :i", i=ids["alice"])
    sql(two, "UPDATE coder SET name = 'alice' WHERE id = :i", i=ids["bob"])
    sql(two, "UPDATE coder SET name = 'bob' WHERE id = :i", i=ids["alice"])
    result = history.verify(two)
    assert not result.ok
    assert f"coders {min(ids.values())} and {max(ids.values())} swapped names" in result.message


def test_renamed_coder_who_codes_on_is_found(two):
    sql(two, "UPDATE coder SET name = 'mallory' WHERE name = 'bob'")
    apply_code(as_coder(two, "mallory"), "doe2019:1", "risk")
    result = history.verify(two)
    assert not result.ok and "renamed outside coder" in result.message


def test_head_anchors_the_trail(two):
    head = history.head(two)
    result = history.verify(two, head)
    assert result.ok and result.head == head and result.checked == head.seq
    assert audit.parse_head(str(head)) == head


def test_anchor_finds_an_extended_trail(two):
    head = history.head(two)
    apply_code(two, "doe2019:1", "risk")  # a well-formed event after the anchor
    result = history.verify(two, head)
    assert not result.ok and result.seq == head.seq + 1
    assert (
        f"the trail was extended: 1 events (#{head.seq + 1} to #{head.seq + 1})" in result.message
    )


def test_anchor_finds_a_cut_trail(two):
    head = history.head(two)
    # Drop the last event and its codings' trace, and fix the project's own head: the
    # chain alone cannot tell.
    with two.db.engine.begin() as conn:
        prev = conn.execute(
            text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": head.seq - 1}
        ).scalar()
        conn.execute(text("DELETE FROM memo WHERE text = 'bob''s journal'"))
        conn.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": head.seq})
        conn.execute(
            text("UPDATE project SET last_seq = :s, last_hash = :h"), {"s": head.seq - 1, "h": prev}
        )
    assert history.verify(two).ok
    result = history.verify(two, head)
    assert not result.ok and "the trail was cut" in result.message


def test_anchor_finds_a_rewritten_trail(two):
    head = history.head(two)
    fake = audit.Head(head.seq, "0" * 63 + "1")
    result = history.verify(two, fake)
    assert not result.ok and f"event #{head.seq} is not the anchored head" in result.message


def test_bad_head_text_is_one_line(two):
    with pytest.raises(ServiceError, match="not a trail head"):
        history.parse_head("12:abc")


def test_end_of_trail_messages_say_what_happened(two):
    with two.db.engine.begin() as conn:
        last = conn.execute(text("SELECT last_seq FROM project")).scalar()
        conn.execute(text("UPDATE project SET last_hash = :h"), {"h": "f" * 64})
    result = history.verify(two)
    assert not result.ok
    assert f"the trail ends at event #{last} as the project recorded" in result.message
    assert f"but the project recorded #{last}:" not in result.message
    sql(two, "DELETE FROM audit_event WHERE seq = :s", s=last)
    result = history.verify(two)
    assert f"events #{last} to #{last} were removed from the end" in result.message


def test_reading_order_is_covered(two):
    sql(two, "UPDATE document SET ordinal = 99 WHERE key = 'doe2019'")
    result = history.verify(two)
    assert not result.ok and "its documents were changed outside coder" in result.message


def test_unit_context_is_covered(two):
    sql(
        two, "UPDATE segment SET context_after = 'planted' WHERE id = (SELECT MIN(id) FROM segment)"
    )
    result = history.verify(two)
    assert not result.ok and "its documents were changed outside coder" in result.message


def test_undecodable_row_is_one_line(sqlite_ws):
    """SQLite only: PostgreSQL refuses bytes that are not UTF-8 in text."""
    ws = sqlite_ws
    seed(ws)
    apply_code(ws, "gray2024:1", "risk")
    sql(ws, "UPDATE coding SET memo = CAST(X'ff41' AS TEXT)")
    result = history.verify(ws)
    assert not result.ok and "\n" not in result.message
    assert result.message.startswith("coding row 1 (event #")
    assert "column 'memo' holds bytes that are not valid UTF-8" in result.message


def test_undecodable_event_is_one_line(sqlite_ws):
    """SQLite only: PostgreSQL refuses bytes that are not UTF-8 in text."""
    ws = sqlite_ws
    seed(ws)
    sql(ws, "UPDATE audit_event SET target = CAST(X'ff41' AS TEXT) WHERE seq = 2")
    result = history.verify(ws)
    assert not result.ok and result.seq == 2
    assert "audit_event row 2 (event #2): column 'target'" in result.message


def test_malformed_event_with_a_good_hash_is_one_line(two):
    """Someone rewrote an event and its hashes consistently, with JSON replay cannot use."""
    with two.db.engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT seq, time, coder, action, target, before, after FROM audit_event ORDER BY seq"
            )
        ).all()
        prev = audit.GENESIS
        for seq, time, coder, action, target, before, after in rows:
            if seq == 2:
                after = '{"rows": {"coding:x": {}}}'
            digest = audit.event_hash(prev, seq, time, coder, action, target, before, after)
            conn.execute(
                text("UPDATE audit_event SET after = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
                {"a": after, "p": prev, "h": digest, "s": seq},
            )
            prev = digest
        conn.execute(text("UPDATE project SET last_hash = :h"), {"h": prev})
    result = history.verify(two)
    assert not result.ok and result.seq == 2
    assert result.message == "audit_event row 2 (event #2): column 'after' holds malformed rows"


def test_undo_blocked_by_another_coder_names_them(ws):
    seed(ws)
    codes_svc.update_code(ws, "risk", definition="first")
    bob = as_coder(ws, "bob")
    codes_svc.update_code(bob, "risk", definition="bob's")
    with pytest.raises(ServiceError) as info:
        history.undo(ws)
    message = str(info.value)
    assert "bob changed code 'risk' later (#" in message and "ask bob" in message
    assert "step by step" not in message


@pytest.fixture
def legacy(ws, monkeypatch):
    """A trail written before events named their coders (coder 0.1): verify falls back
    to the writers' names and the ids of the rows each one inserted."""
    import coder.store.db as db_module

    monkeypatch.setattr(db_module, "_coders_named", lambda *args: {})
    seed(ws)
    bob = as_coder(ws, "bob")
    apply_code(ws, "gray2024:1", "risk")
    apply_code(bob, "gray2024:2", "us and them")
    monkeypatch.undo()
    with ws.read() as s:
        assert all(
            "coders" not in json.loads(a) for (a,) in s.exec(text("SELECT after FROM audit_event"))
        )
    assert history.verify(ws).ok
    return ws


def test_legacy_trail_finds_a_renamed_writer(legacy):
    sql(legacy, "UPDATE coder SET name = 'mallory' WHERE name = 'bob'")
    result = history.verify(legacy)
    assert not result.ok and "'bob'" in result.message and "mallory" in result.message


def test_legacy_trail_finds_swapped_coders(legacy):
    ids = coder_ids(legacy)
    sql(legacy, "UPDATE coder SET name = 'tmp' WHERE id = :i", i=ids["alice"])
    sql(legacy, "UPDATE coder SET name = 'alice' WHERE id = :i", i=ids["bob"])
    sql(legacy, "UPDATE coder SET name = 'bob' WHERE id = :i", i=ids["alice"])
    result = history.verify(legacy)
    assert not result.ok and "swapped names outside coder" in result.message
