"""The live view: what other coders changed since this workbench last looked.

The audit trail is the change feed: each event has a sequence number, so a workbench
remembers the last sequence it showed and asks for the events after it; the answer says
which kinds of rows changed (codings, codes, themes, memos, ...) so the UI refreshes only
the views those feed, and only when something did change. ``Watcher.wait`` blocks until the
sequence moves (PostgreSQL LISTEN/NOTIFY, else a cheap poll) and belongs in a worker thread.

Blind double coding: while a coder works blind, another coder's codings are not theirs to
see, so ``Changes.visible(blind=True)`` drops those events: they trigger no refresh and
nothing of them reaches counts or suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coder.services.workspace import Workspace
from coder.store import feed
from coder.store.feed import EventSummary

# Which views a change to a table feeds (names the UIs use for what they show).
VIEWS_OF_TABLE: dict[str, frozenset[str]] = {
    "coding": frozenset({"codings", "counts"}),
    "segment": frozenset({"codings", "documents"}),
    "code": frozenset({"codebook", "counts", "themes"}),
    "theme": frozenset({"themes"}),
    "theme_code": frozenset({"themes"}),
    "theme_exemplar": frozenset({"themes"}),
    "theme_misfit": frozenset({"themes"}),
    "memo": frozenset({"memos"}),
    "document_read": frozenset({"documents"}),
    "document": frozenset({"documents", "codings"}),
    "phase_status": frozenset({"phases"}),
}
ALL_VIEWS = frozenset().union(*VIEWS_OF_TABLE.values())
BLIND_HIDDEN = {"coding"}  # what blind mode hides of other coders' work


@dataclass
class Changes:
    """The events after ``since`` up to ``head``."""

    since: int
    head: int
    events: list[EventSummary] = field(default_factory=list)

    def visible(self, coder: str, blind: bool = False) -> Changes:
        """The events this coder may see: blind, others' coding-only events are left out."""
        if not blind:
            return self
        kept = [
            e
            for e in self.events
            if e.coder == coder or not (e.tables and e.tables <= BLIND_HIDDEN)
        ]
        return Changes(self.since, self.head, kept)

    def by_others(self, coder: str) -> list[EventSummary]:
        return [e for e in self.events if e.coder != coder]

    @property
    def views(self) -> frozenset[str]:
        """The views to refresh for these events."""
        found: set[str] = set()
        for event in self.events:
            if "*" in event.tables:
                return ALL_VIEWS
            for table in event.tables:
                found |= VIEWS_OF_TABLE.get(table, ALL_VIEWS)
        return frozenset(found)

    @property
    def documents_touched(self) -> bool:
        return "document" in self.views


def head(ws: Workspace) -> int:
    """The project's latest audit sequence: one indexed row."""
    with ws.read() as session:
        return feed.head_seq(session, ws.project.id)


def changes_since(ws: Workspace, seq: int, limit: int = 1000) -> Changes:
    """What changed after ``seq``. With more than ``limit`` events the answer stops there
    (``head`` says where): the caller refreshes everything, then asks again from head."""
    with ws.read() as session:
        top = feed.head_seq(session, ws.project.id)
        if top <= seq:
            return Changes(seq, top)
        events = list(feed.events_since(session, ws.project.id, seq, limit))
    last = events[-1].seq if events else top
    return Changes(seq, last, events)


class Watcher:
    """Wakes when the project changes. One per workbench; close it on exit."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._waiter = feed.Waiter(ws.db.engine, ws.project.id)

    @property
    def listening(self) -> bool:
        """True on PostgreSQL with LISTEN/NOTIFY working; False when polling."""
        return self._waiter._listener is not None

    def wait(self, seq: int, timeout: float = 1.0) -> int:
        """Block until the head passes ``seq`` or ``timeout`` seconds pass; the head."""
        return self._waiter.wait(seq, timeout)

    def close(self) -> None:
        self._waiter.close()
