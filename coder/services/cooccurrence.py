"""Which codes go together (phase 3): a hint for grouping codes into candidate themes.

Codes that keep landing on the same segments, or in the same abstracts, may share a
pattern of meaning. The counting happens in SQL (grouped self-joins on coding), so the
hint stays instant on a large project.
"""

from __future__ import annotations

from coder.services.coding import find_code
from coder.services.workspace import Workspace
from coder.store import queries as q
from coder.store.queries import CoOccurrence

__all__ = ["CoOccurrence", "cooccurring"]


def cooccurring(ws: Workspace, code: str, limit: int = 8) -> CoOccurrence:
    """The codes most often applied with ``code``: on the same segment, and in the same
    document. Raises ServiceError for an unknown code."""
    with ws.read() as session:
        row = find_code(session, ws.project.id, code, active=False)
        return q.code_cooccurrence(session, ws.project.id, row.id, limit)
