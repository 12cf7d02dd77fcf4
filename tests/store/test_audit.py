"""The audit chain finds what plain SQL did behind the tool's back."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from coder.services import history
from coder.services.coding import apply_code
from coder.services.notes import add_memo
from tests.services.helpers import seed


@pytest.fixture
def coded(ws):
    seed(ws)
    apply_code(ws, "gray2024:1", "risk")
    apply_code(ws, "gray2024:2", "us and them")
    add_memo(ws, "a journal entry", kind="journal")
    assert history.verify(ws).ok
    return ws


def sql(ws, statement: str) -> None:
    with ws.db.engine.begin() as conn:
        conn.execute(text(statement))


def test_intact_trail_counts_events(coded):
    result = history.verify(coded)
    assert (
        result.ok
        and result.checked == 7
        and result.message == "7 events checked: the trail is intact"
    )


def test_edited_row_names_its_event(coded):
    sql(coded, "UPDATE code SET definition = 'tampered' WHERE name = 'risk'")
    result = history.verify(coded)
    assert not result.ok
    assert result.seq == 4
    assert "event #4 (code.create risk) does not check out: code" in result.message
    assert "changed outside coder (definition)" in result.message


def test_inserted_row_is_found(coded):
    sql(coded, "INSERT INTO coding (project_id, segment_id, code_id, coder_id, created_at) "
               "SELECT project_id, segment_id + 1, code_id, coder_id, created_at FROM coding LIMIT 1")  # fmt: skip
    result = history.verify(coded)
    assert not result.ok and "inserted outside coder: no event records it" in result.message


def test_deleted_row_names_its_event(coded):
    sql(coded, "DELETE FROM coding WHERE id = (SELECT MAX(id) FROM coding)")
    result = history.verify(coded)
    assert not result.ok and result.seq == 6
    assert "event #6 (code.apply us and them @ gray2024:2) does not check out" in result.message
    assert "deleted outside coder" in result.message


def test_edited_document_is_found(coded):
    sql(coded, "UPDATE document SET text = 'rewritten' WHERE key = 'doe2019'")
    result = history.verify(coded)
    assert (
        not result.ok
        and result.seq == 1
        and "its documents were changed outside coder" in result.message
    )


def test_edited_event_breaks_the_chain(coded):
    sql(coded, "UPDATE audit_event SET coder = 'mallory' WHERE seq = 2")
    result = history.verify(coded)
    assert not result.ok and result.seq == 2 and "was altered" in result.message


def test_deleted_event_is_found(coded):
    sql(coded, "DELETE FROM audit_event WHERE seq = 4")
    result = history.verify(coded)
    assert not result.ok and result.seq == 4 and "missing" in result.message


def test_deleted_last_event_is_found(coded):
    sql(coded, "DELETE FROM audit_event WHERE seq = 7")
    result = history.verify(coded)
    assert not result.ok and "removed from the end" in result.message


def test_each_project_has_its_own_trail(coded):
    """A database may hold several projects: verifying one ignores the other's rows."""
    from coder.services.workspace import Workspace

    ref = coded.db.create_project("second project")
    other = Workspace(coded.db, ref, "bob")
    seed(other)
    apply_code(other, "doe2019:1", "risk")
    assert history.verify(other).ok and history.verify(coded).ok
    sql(coded, f"UPDATE coding SET memo = 'x' WHERE project_id = {ref.id}")
    assert not history.verify(other).ok
    assert history.verify(coded).ok
