"""The coder's own codings on the current segment in phase 2: remove one, write its memo.

Both act on one of the coder's codings here: directly when there is one, through a short
choice when there are several. Kept apart from the phase so memo handling can grow
(issues: memos, the memo browser) without touching the coding loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from coder.core.model import Coding, SegmentKind
from coder.services import views
from coder.services.coding import UnitRef, remove_code, set_coding_memo
from coder.tui.messages import DataChanged
from coder.tui.widgets.dialogs import ChoiceScreen, TextScreen
from coder.tui.workers import not_saved, write_then_show

if TYPE_CHECKING:
    from textual.app import App

    from coder.services.views import DocView
    from coder.services.workspace import Workspace


class OwnCodings:
    """Mixin of ``CodePhase``: remove (x) and memo (m) on the coder's own codings.

    The host provides the open document (``view``), the codings here (``_here``), their
    display line (``_coding_line``), the coder filter and ``show_count`` (the code's count
    as the services give it), and the redraw helpers."""

    if TYPE_CHECKING:
        ws: Workspace
        view: DocView | None
        app: App[None]

        def _here(self) -> list[Coding]: ...
        def _coding_line(self, coding: Coding) -> Text: ...
        def _reload_codings(self) -> None: ...
        def _forget_example(self, code: str, text: str) -> None: ...
        def _coder_filter(self) -> list[int] | None: ...
        def show_count(self, code: str, count: int) -> None: ...
        def _show(self, scroll: bool = True) -> None: ...
        def notify(
            self,
            message: str,
            *,
            severity: str = "information",
            markup: bool = True,
            timeout: float | None = None,
        ) -> None: ...
        def post_message(self, message: DataChanged) -> bool: ...

    def _ref_of(self, coding: Coding) -> UnitRef:
        assert self.view is not None
        kind = self.view.kinds.get(coding.segment_id)
        if kind == SegmentKind.UNIT:
            return UnitRef(coding.document_key, coding.ordinal)
        if kind == SegmentKind.DOCUMENT:
            return UnitRef(coding.document_key)
        return UnitRef(coding.document_key, start=coding.start, end=coding.end)

    def _choose_own(self, title: str, then: Callable[[Coding], None]) -> None:
        """Act on one of the coder's codings here: directly if there is one, else ask."""
        mine = [c for c in self._here() if c.coder == self.ws.coder]
        if not mine:
            self.notify("you have no codes on this segment", severity="warning")
            return
        if len(mine) == 1:
            then(mine[0])
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                then(mine[index])

        self.app.push_screen(ChoiceScreen(title, [self._coding_line(c) for c in mine]), chosen)

    def action_remove(self) -> None:
        self._choose_own("Remove which code?", self._remove)

    def _remove(self, coding: Coding) -> None:
        """Remove in a worker (the key returns at once); a removal that cannot be stored
        is reported as not saved and the coding stays on screen, as it stays stored."""
        ref, coders = self._ref_of(coding), self._coder_filter()

        def write() -> int:
            # Read back, not subtracted: another coder's coding of the passage stays.
            remove_code(self.ws, ref, coding.code)
            return views.coded_segments_of(self.ws, coding.code, coders)

        def removed(count: int) -> None:
            self._forget_example(coding.code, coding.text)
            self.show_count(coding.code, count)
            self._reload_codings()
            self._show(scroll=False)
            self.post_message(DataChanged(refresh_phase=False))

        write_then_show(
            self,  # type: ignore[arg-type]
            write,
            removed,
            what=f"removing {coding.code!r} from {ref}",
        )

    def action_memo(self) -> None:
        self._choose_own("Memo on which coding?", self._edit_memo)

    def _memo_drafts(self) -> dict[int, str]:
        """Memo texts typed but not stored (the database was busy): by coding id, so the
        memo editor opens on them again instead of on the stored text."""
        return self.__dict__.setdefault("_unsaved_memos", {})

    def _edit_memo(self, coding: Coding) -> None:
        ref, drafts = self._ref_of(coding), self._memo_drafts()
        what = f"memo on {coding.code!r} ({ref})"

        def saved(_: object) -> None:
            drafts.pop(coding.id, None)
            self._reload_codings()
            self._show(scroll=False)
            self.post_message(DataChanged(refresh_phase=False))

        def unsaved(error: Exception) -> None:
            self.notify(
                not_saved(what, error) + " (your text is kept: press m to try again)",
                severity="error",
                markup=False,
                timeout=15,
            )

        def save(text: str | None) -> None:
            if text is None:
                return
            drafts[coding.id] = text  # until it is stored
            write_then_show(
                self,  # type: ignore[arg-type]
                lambda: set_coding_memo(self.ws, ref, coding.code, text),  # type: ignore[arg-type]
                saved,
                what=what,
                on_fail=unsaved,
            )

        start = drafts.get(coding.id, coding.memo or "")
        self.app.push_screen(TextScreen(f"Memo on {coding.code} ({ref})", start), save)
