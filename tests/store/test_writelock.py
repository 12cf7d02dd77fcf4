"""A writer that finds the project busy waits, saying who holds it, and then succeeds,
instead of failing at the busy timeout. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from coder.services.coding import apply_code
from coder.services.workspace import Workspace
from coder.store import writelock
from coder.store.engine import StoreError
from tests.services.helpers import seed


def _hold_lock(db_url: str, held: threading.Event, release: threading.Event) -> None:
    """Bob's long import: takes the write lock and keeps it until told to let go."""
    bob = Workspace.open(db_url, coder="bob")
    try:
        with bob.write("import", "big.ris") as tx:
            tx.info["note"] = "held"
            held.set()
            release.wait(60)
    finally:
        bob.close()


def test_a_second_writer_waits_naming_the_holder_then_writes(ws, db_url):
    seed(ws)
    held, release = threading.Event(), threading.Event()
    messages: list[str] = []

    def on_wait(message: str) -> None:
        messages.append(message)
        release.set()  # once alice has said she waits, bob finishes

    ws.db.on_wait = on_wait
    thread = threading.Thread(target=_hold_lock, args=(db_url, held, release))
    thread.start()
    try:
        assert held.wait(30)
        assert apply_code(ws, "gray2024:1", "risk")
    finally:
        release.set()
        thread.join(60)
    assert messages and messages[0].startswith("waiting for bob's import: ")


def test_the_wait_gives_up_after_coder_lock_wait(ws, db_url, monkeypatch):
    seed(ws)
    monkeypatch.setenv("CODER_LOCK_WAIT", "0")
    held, release = threading.Event(), threading.Event()
    thread = threading.Thread(target=_hold_lock, args=(db_url, held, release))
    thread.start()
    try:
        assert held.wait(30)
        with pytest.raises(StoreError, match="not saved: bob's import holds the project"):
            apply_code(ws, "gray2024:1", "risk")
    finally:
        release.set()
        thread.join(60)
    assert apply_code(ws, "gray2024:1", "risk")


def test_no_note_is_left_behind(sqlite_ws):
    seed(sqlite_ws)
    apply_code(sqlite_ws, "gray2024:1", "risk")
    path = writelock._note_path(sqlite_ws.db.url)
    assert path is not None and not path.exists()
