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


CODING_MEMO = "coding"
"""The kind of a memo written on a coding (phase 2's ``m``), kept on the coding itself."""


def phase_label(phase: int | None) -> str:
    """A stored phase as the lists show it: "phase 2 Code", or "no phase" (a journal
    entry written before entries kept their phase)."""
    return f"phase {phase} {PHASES[phase]}" if phase in PHASES else "no phase"


def memo_phase(kind: str, target_type: str, stored: int | None = None) -> int | None:
    """The phase a memo belongs to: the phase stored with it (a journal entry keeps the
    phase the researcher was in when writing it), else from what it is and what it is on:
    familiarisation notes are phase 1; memos on codings and codes, and discussion notes on
    a disagreement, phase 2; memos on themes phase 3 (where themes are made, reviewed in 4
    and defined in 5). A journal entry written before phases were stored: None."""
    if stored is not None:
        return stored
    if kind == "familiarisation":
        return 1
    if kind in (CODING_MEMO, "discussion") or target_type in ("coding", "code"):
        return 2
    if target_type == "theme":
        return 3
    if target_type == "document":
        return 1
    return None
