"""What phases 4 and 5 share: a pane listing the themes beside the highlighted theme's
extracts, paged in SQL. The two phases differ in what they do to a theme (review reshapes,
define writes its definition), not in how the panes fold, page or filter by coder, so that
part is written once here."""

from __future__ import annotations

from typing import ClassVar

from coder.core.model import Theme, ThemeStatus
from coder.tui.phases.base import Phase
from coder.tui.widgets.extract_table import ExtractTable

STATUS_CYCLE = [s.value for s in ThemeStatus]  # candidate -> reviewed -> defined -> candidate


def next_status(theme: Theme) -> str:
    """The status after the theme's own in the cycle the status key steps through."""
    return STATUS_CYCLE[(STATUS_CYCLE.index(theme.status.value) + 1) % len(STATUS_CYCLE)]


class ThemePanesPhase(Phase):
    """A phase with widgets ``#<PANES>-themes-pane`` (holding ``#<PANES>-themes``) and
    ``#<PANES>-extracts`` (an ExtractTable); it keeps ``themes`` and the highlighted
    ``theme_name`` and shows a page of extracts in ``_show_extracts``."""

    PANES: ClassVar[str] = ""
    themes: list[Theme]
    theme_name: str | None

    @property
    def theme(self) -> Theme | None:
        return next((t for t in self.themes if t.name == self.theme_name), None)

    @property
    def extract_table(self) -> ExtractTable:
        return self.query_one(f"#{self.PANES}-extracts", ExtractTable)

    def _show_extracts(self, page: int = 0, keep_cursor: bool = False) -> None:
        raise NotImplementedError

    def action_toggle_pane(self) -> None:
        """One pane: the theme list folds away so the extracts (and the form) get the
        whole width; the highlighted theme stays the one shown."""
        pane = self.query_one(f"#{self.PANES}-themes-pane")
        pane.display = not pane.display
        if not pane.display:
            self.extract_table.focus()
        else:
            self.query_one(f"#{self.PANES}-themes").focus()

    def action_cycle_coder(self) -> None:
        coder = self.extract_table.next_coder()
        self._show_extracts(0)
        self.app.notify(
            f"extracts of {coder} only" if coder else "extracts of all coders", markup=False
        )

    def action_page(self, delta: int) -> None:
        target = self.extract_table.page_after(delta)
        if target is not None:
            self._show_extracts(target)
