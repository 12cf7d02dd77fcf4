"""The six phases of Braun and Clarke's thematic analysis, one module each, on one base.

``base.Phase`` holds what they share (keys as data, palette entries, service calls,
reads in a thread). Phases 3-6, the audit screen and the dialogs are styled by
``phases.tcss`` (``PHASES_CSS``), which the app loads through CSS_PATH.
"""

from __future__ import annotations

from pathlib import Path

PHASES_CSS = Path(__file__).resolve().parent / "phases.tcss"
