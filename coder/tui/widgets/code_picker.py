"""The code picker that Enter opens on a selected span in phase 2.

The researcher picks the code here, on purpose: suggestions first (each with the reason it
is suggested), then the rest of the codebook; typing filters with the codebook's fuzzy
matcher. What is picked is what gets applied, so the codebook's tree cursor can never
code a span by accident.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from coder.core.model import Code
from coder.tui.widgets.text import one_line
from coder.tui.widgets.theme_dialogs import PickDialog, rank_codes

PREVIEW = 70


class CodePickScreen(PickDialog):
    """Pick one code for a span; returns ``[name]`` or None."""

    def __init__(
        self, span_text: str, codes: Sequence[Code], suggested: Sequence[tuple[str, str]] = ()
    ) -> None:
        names = [c.name for c in codes]
        known = set(names)
        self.reasons = {name: reason for name, reason in suggested if name in known}
        order = [n for n, _r in suggested if n in known]
        order += [n for n in names if n not in self.reasons]
        preview = " ".join(span_text.split())
        if len(preview) > PREVIEW:
            preview = preview[: PREVIEW - 1] + "…"
        super().__init__(f"Code “{preview}” with…", order, ranker=rank_codes(codes))

    def _label(self, name: str) -> Text:
        label = one_line(name)
        reason = self.reasons.get(name)
        if reason:
            label = Text.assemble(("★ ", "bold"), label, ("  ", ""), (reason, "dim"))
        else:
            label = Text.assemble("  ", label)
        return label
