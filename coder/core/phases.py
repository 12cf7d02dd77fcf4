"""The six phases of reflexive thematic analysis (Braun & Clarke), defined once.

The services (phase status, memos), the quality evidence and the UIs all name the phases
from here, so a renamed or reordered phase cannot drift between them.
"""

from __future__ import annotations

PHASES: dict[int, str] = {
    1: "Familiarise",
    2: "Code",
    3: "Themes",
    4: "Review",
    5: "Define",
    6: "Report",
}
"""Phase number -> the short name the app shows (the 2021 book's names are in DESIGN.md)."""

PHASE_SLUGS: dict[int, str] = {n: name.lower() for n, name in PHASES.items()}
"""Phase number -> a lower-case identifier (widget ids, saved state)."""

PHASE_STATUSES = ("not started", "in progress", "done")
"""What a researcher may mark a phase as."""
