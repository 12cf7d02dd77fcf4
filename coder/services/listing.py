"""Listings the CLI can print, and the TUI's first screen, without opening the project the
full way (see ``store.quickread``): None means "take the ordinary path"."""

from __future__ import annotations

import getpass
import os
from typing import Any

from coder.store import quickread
from coder.store.quickread import FirstFrame, ListRow

__all__ = ["FirstFrame", "ListRow", "coder_name", "quick_code_counts", "quick_first_frame"]


def quick_code_counts(
    db: str | None, project: str | None, include_inactive: bool = False
) -> list[dict[str, Any]] | None:
    return quickread.code_counts(db, project, include_inactive)


def coder_name(name: str | None) -> str:
    """``--coder`` wins, then CODER_NAME, then the login name; "" when that is blank.
    (Here, not in ``workspace``, so the first frame can use it before the store loads.)"""
    chosen = name or os.environ.get("CODER_NAME")
    if not chosen:
        try:
            chosen = getpass.getuser()
        except (KeyError, OSError):
            chosen = "coder"
    return chosen.strip()


def quick_first_frame(db: str | None, coder: str | None, project: str | None) -> FirstFrame | None:
    """The data of the TUI's first screen for the coder ``Workspace.open`` would resolve."""
    name = coder_name(coder)
    return quickread.first_frame(db, name, project) if name else None
