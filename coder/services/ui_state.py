"""Who is at the keyboard and where they left off: the UI's own bookkeeping.

Neither is research data, so neither is audited: registering a coder only gives a name an
id before its first audited change, and where-you-left-off (phase, document, segment) is
saved as the coder moves. They still go through this service, so a UI never writes to the
store itself.
"""

from __future__ import annotations

from coder.services.workspace import Workspace
from coder.store import queries as q


def register_coder(ws: Workspace) -> int:
    """The workspace coder's id, adding the coder on first use."""
    with ws.read() as session:
        return q.ensure_coder(session, ws.coder)


def load_ui_state(ws: Workspace, coder_id: int) -> dict[str, str]:
    with ws.read() as session:
        return q.ui_state(session, ws.project.id, coder_id)


QUICK_MS = 200  # where-you-left-off never keeps the keys waiting for another writer


def save_ui_state(ws: Workspace, coder_id: int, values: dict[str, str]) -> bool:
    """False when another writer held the project: nothing saved, try again later."""
    with ws.read() as session:
        return q.save_ui_state(session, ws.project.id, coder_id, values, wait_ms=QUICK_MS)
