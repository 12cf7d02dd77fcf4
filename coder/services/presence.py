"""Who else has the project open, and where (phase and document).

Each open workbench sends a heartbeat every few seconds; an entry not refreshed for
``STALE_SECONDS`` counts as gone (a crashed or disconnected workbench cannot say goodbye).
It lives in the project database itself, so a team needs no extra server. Presence is
not research data: it is not audited and ``coder db copy`` leaves it behind.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from coder.services.workspace import Workspace
from coder.store.queries import presence as pq

STALE_SECONDS = 60.0
FORGET_SECONDS = 3600.0  # rows this old are deleted, not just ignored
HEARTBEAT_SECONDS = 10.0  # how often a workbench should call ``announce``


@dataclass(frozen=True)
class Presence:
    coder: str
    phase: str
    document: str | None
    seen_at: str
    instance: str

    def where(self) -> str:
        return f"{self.phase}: {self.document}" if self.document else self.phase


def new_instance() -> str:
    """A token for one open workbench."""
    return uuid.uuid4().hex


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def announce(
    ws: Workspace,
    instance: str,
    phase: str,
    document: str | None = None,
    at: datetime | None = None,
) -> None:
    """Say that this workbench is here, in ``phase`` on ``document``."""
    moment = at or datetime.now(UTC)
    with ws.read() as session:
        pq.beat(
            session,
            ws.project.id,
            instance,
            ws.coder,
            phase,
            document,
            _iso(moment),
            _iso(moment - timedelta(seconds=FORGET_SECONDS)),
        )


def others(ws: Workspace, instance: str, at: datetime | None = None) -> list[Presence]:
    """Everyone else here (other workbenches, the same coder's included), freshest first
    per coder; stale entries are left out."""
    moment = at or datetime.now(UTC)
    since = _iso(moment - timedelta(seconds=STALE_SECONDS))
    with ws.read() as session:
        rows = pq.present(session, ws.project.id, since)
    return [
        Presence(r.coder, r.phase, r.document, r.seen_at, r.instance)
        for r in rows
        if r.instance != instance
    ]


def leave(ws: Workspace, instance: str) -> None:
    """This workbench closes: its entry goes at once rather than after STALE_SECONDS."""
    with ws.read() as session:
        pq.leave(session, ws.project.id, instance)


def header_line(people: list[Presence]) -> str:
    """The header's words for who else is here: 'also here: bob (code: gray2024)'."""
    if not people:
        return ""
    return "also here: " + ", ".join(f"{p.coder} ({p.where()})" for p in people)
