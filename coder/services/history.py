"""Undo and redo on the audit trail, and the trail's own checks.

Undo never erases anything: it is a new event that restores the rows an earlier event
changed, after checking that they are still as that event left them. Each coder undoes
their own actions only, so two coders in one project never undo each other's work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coder.core.model import AuditEvent
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from coder.store.audit import Head, VerifyResult, events_touching
from coder.store.db import Conflict

# Actions undo does not take back (a codebook load, a merge and a .qdpx import are each
# one event listing its rows: undoable).
NOT_UNDOABLE = {"undo", "redo", "import"}


@dataclass
class Stacks:
    done: list[int]
    undone: list[int]


def stacks(ws: Workspace) -> Stacks:
    """Replay the coder's history into undo and redo stacks of event numbers."""
    done: list[int] = []
    undone: list[int] = []
    with ws.read() as session:
        history = q.coder_history(session, ws.project.id, ws.coder)
    for seq, action, target in history:
        if action == "undo":
            undone.append(_ref(target))
            if done and done[-1] == undone[-1]:
                done.pop()
        elif action == "redo":
            redone = _ref(target)
            if undone and undone[-1] == redone:
                undone.pop()
            done.append(redone)
        elif action not in NOT_UNDOABLE:
            done.append(seq)
            undone.clear()
    return Stacks(done, undone)


def _ref(target: str) -> int:
    return int(target.split()[0].lstrip("#"))


def _event(ws: Workspace, seq: int) -> AuditEvent:
    with ws.read() as session:
        event = q.audit_event(session, ws.project.id, seq)
    assert event is not None
    return event


def undo(ws: Workspace) -> AuditEvent:
    """Undo the coder's last action; returns the event that was undone."""
    s = stacks(ws)
    if not s.done:
        raise ServiceError(f"nothing to undo for {ws.coder}")
    event = _event(ws, s.done[-1])
    rows_before = event.before.get("rows", {})
    rows_after = event.after.get("rows", {})
    try:
        with ws.write("undo", f"#{event.seq} {event.action} {event.target}") as tx:
            tx.restore(rows_before, expect=rows_after)
    except Conflict as exc:
        raise ServiceError(
            f"cannot undo #{event.seq} {event.action}: {_moved_on(ws, exc, event.seq)}"
        ) from exc
    return event


def redo(ws: Workspace) -> AuditEvent:
    """Redo the coder's last undone action; returns the event that was redone."""
    s = stacks(ws)
    if not s.undone:
        raise ServiceError(f"nothing to redo for {ws.coder}")
    event = _event(ws, s.undone[-1])
    try:
        with ws.write("redo", f"#{event.seq} {event.action} {event.target}") as tx:
            tx.restore(event.after.get("rows", {}), expect=event.before.get("rows", {}))
    except Conflict as exc:
        raise ServiceError(
            f"cannot redo #{event.seq} {event.action}: {_moved_on(ws, exc, event.seq)}"
        ) from exc
    return event


def _moved_on(ws: Workspace, exc: Conflict, seq: int) -> str:
    """Why an undo or redo cannot restore a row: the later event that changed it, and
    whether this coder can undo that event (their own) or only its writer can."""
    if exc.key is None:
        return str(exc)
    with ws.read() as session:
        later = events_touching(session, ws.project.id, exc.key, seq)
    if not later:
        return f"{exc} outside coder ('coder audit verify' says where)"
    last_seq, coder, action, target = later[-1]
    what = f"#{last_seq} {action} {target}".rstrip()
    if coder != ws.coder:
        label = exc.label or "it"
        return (
            f"{coder} changed {label} later ({what}); undoing would overwrite {coder}'s "
            f"work, so nothing was changed: make the change by hand, or ask {coder}"
        )
    if action in NOT_UNDOABLE:
        return f"{exc} by your {what}, which cannot be undone: change it by hand"
    return f"{exc} by your {what}: undo that first"


def log(
    ws: Workspace,
    coder: str | None = None,
    limit: int | None = None,
    action: str | None = None,
    target: str | None = None,
) -> list[AuditEvent]:
    with ws.read() as session:
        return q.audit_events(
            session, ws.project.id, coder=coder, action=action, target=target, limit=limit
        )


def verify(
    ws: Workspace,
    anchor: Head | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    """Check the chain and every audited row; with ``anchor`` (a head quoted earlier),
    also that the trail still ends exactly there."""
    return ws.db.verify(ws.project.id, anchor, progress)


def head(ws: Workspace) -> Head:
    """The trail's last event (sequence and hash), to quote outside the database."""
    return ws.db.head(ws.project.id)


def parse_head(text: str) -> Head:
    """``SEQ:HASH`` from the user; ServiceError (a one-line mistake) if it is not one."""
    from coder.store.audit import parse_head as parse

    try:
        return parse(text)
    except ValueError as exc:
        raise ServiceError(str(exc)) from exc
