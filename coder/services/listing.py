"""Listings the CLI can print without opening the project the full way (see
``store.quickread``): None means "take the ordinary path"."""

from __future__ import annotations

from typing import Any

from coder.store import quickread


def quick_code_counts(
    db: str | None, project: str | None, include_inactive: bool = False
) -> list[dict[str, Any]] | None:
    return quickread.code_counts(db, project, include_inactive)
