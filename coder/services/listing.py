"""Listings the CLI can print, and the TUI's first screen, without opening the project the
full way (see ``store.quickread``): None means "take the ordinary path"."""

from __future__ import annotations

import getpass
import os
from typing import Any

from coder.store import quickread
from coder.store.quickread import FirstFrame, ListRow

__all__ = ["FirstFrame", "ListRow", "quick_code_counts", "quick_first_frame"]


def quick_code_counts(
    db: str | None, project: str | None, include_inactive: bool = False
) -> list[dict[str, Any]] | None:
    return quickread.code_counts(db, project, include_inactive)


def quick_first_frame(db: str | None, coder: str | None, project: str | None) -> FirstFrame | None:
    """The data of the TUI's first screen for the coder ``Workspace.open`` would resolve
    (``--coder``, else CODER_NAME, else the login name: ``workspace.resolve_coder``, which
    this module cannot import before the store)."""
    name = coder or os.environ.get("CODER_NAME")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "coder"
    name = name.strip()
    return quickread.first_frame(db, name, project) if name else None
