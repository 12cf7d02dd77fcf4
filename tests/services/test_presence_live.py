"""Presence (who else is here) and the change feed (what changed since N)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from coder.core.model import Code
from coder.services import live, presence
from coder.services.codes import create_code
from coder.services.coding import apply_code
from coder.services.notes import add_memo
from coder.services.themes import create_theme
from coder.services.workspace import Workspace
from tests.conftest import as_coder
from tests.services.helpers import seed


def test_presence_shows_others_and_expires(ws):
    bob = as_coder(ws, "bob")
    mine, his = presence.new_instance(), presence.new_instance()
    t0 = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    presence.announce(ws, mine, "code", "gray2024", at=t0)
    presence.announce(bob, his, "themes", at=t0)
    seen = presence.others(ws, mine, at=t0 + timedelta(seconds=5))
    assert [(p.coder, p.where()) for p in seen] == [("bob", "themes")]
    assert presence.header_line(seen) == "also here: bob (themes)"
    assert [p.coder for p in presence.others(bob, his, at=t0)] == ["alice"]
    # Bob's workbench stops beating: after STALE_SECONDS he is gone for alice.
    later = t0 + timedelta(seconds=presence.STALE_SECONDS + 1)
    presence.announce(ws, mine, "code", "doe2019", at=later)
    assert presence.others(ws, mine, at=later) == []
    presence.announce(bob, his, "review", "doe2019", at=later)
    assert [p.where() for p in presence.others(ws, mine, at=later)] == ["review: doe2019"]
    presence.leave(bob, his)
    assert presence.others(ws, mine, at=later) == []


def test_presence_is_not_audited(ws):
    before = live.head(ws)
    presence.announce(ws, presence.new_instance(), "code", None)
    assert live.head(ws) == before
    assert ws.db.verify(ws.project.id).ok


def test_changes_since_name_the_views_to_refresh(ws):
    seed(ws)
    bob = as_coder(ws, "bob")
    start = live.head(ws)
    assert live.changes_since(ws, start).events == []
    apply_code(bob, "gray2024:2", "risk")
    changes = live.changes_since(ws, start)
    assert changes.head == live.head(ws) == start + 1
    assert [(e.coder, e.action) for e in changes.events] == [("bob", changes.events[0].action)]
    assert changes.views == {"codings", "counts"}
    # Blind, bob's coding is not alice's to see: no event, no refresh.
    assert changes.visible("alice", blind=True).events == []
    assert changes.visible("bob", blind=True).events == changes.events
    create_code(bob, Code(name="stigma"))
    create_theme(bob, "Divides", codes=["risk"])
    add_memo(bob, "a note", kind="journal")
    later = live.changes_since(ws, start + 1)
    assert {"codebook", "themes", "memos"} <= later.views
    assert len(later.visible("alice", blind=True).events) == 3


def test_a_watcher_wakes_when_another_coder_writes(db_url):
    ws = Workspace.init(db_url, "ward study", "alice")
    other = Workspace.open(db_url, "bob")
    watcher = live.Watcher(ws)
    try:
        seed(ws)
        start = live.head(ws)
        assert watcher.wait(start, timeout=0.05) == start  # nothing new: times out
        writer = threading.Thread(target=apply_code, args=(other, "gray2024:1", "risk"))
        writer.start()
        reached = start
        for _ in range(200):  # woken by NOTIFY or the poll; never a wrong answer
            reached = watcher.wait(start, timeout=1.0)
            if reached > start:
                break
        writer.join()
        assert reached == start + 1
        assert watcher.listening == db_url.startswith("postgresql")
        assert live.changes_since(ws, start).by_others("alice")[0].coder == "bob"
    finally:
        watcher.close()
        other.close()
        ws.close()
