"""Moving through the data in phase 2, in reading order: segment, document, next uncoded.

Within a document a move is instant; across documents the next place is looked up in a
thread (on a large project these queries take a moment, and the screen must not freeze
meanwhile), then the document is opened on the app's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from coder.services import views
from coder.tui.workers import read_then_show

if TYPE_CHECKING:
    from coder.core.model import Segment
    from coder.services.views import DocView
    from coder.services.workspace import Workspace

Place = tuple[str, int]  # (document key, unit ordinal; -1: the last unit)


class ReadingOrder:
    """Mixin of ``CodePhase``: j/k, J/K and u, and opening the first document.

    The host provides ``view``, ``index``, ``current``, ``selection``, ``_open(key,
    ordinal)``, ``_show()`` and ``_show_empty()``."""

    if TYPE_CHECKING:
        ws: Workspace
        view: DocView | None
        index: int
        selection: tuple[int, int] | None
        current: Segment | None

        def _open(self, key: str, ordinal: int, keep_scroll: bool = False) -> bool: ...
        def _show(self, scroll: bool = True) -> None: ...
        def _show_empty(self) -> None: ...
        def notify(self, message: str) -> None: ...

    def action_segment(self, step: int) -> None:
        if self.view is None:
            return
        self.selection = None
        target = self.index + step
        if 0 <= target < len(self.view.units):
            self.index = target
            self._show()
        else:
            self._step_document(step, first_unit=step > 0)

    def action_document(self, step: int) -> None:
        if self.view is not None:
            self._step_document(step, first_unit=True)

    def _step_document(self, step: int, first_unit: bool) -> None:
        assert self.view is not None
        ws, key = self.ws, self.view.doc.key
        ordinal = 1 if first_unit else -1

        def find() -> Place | None:
            found = views.neighbour_document(ws, key, step)
            return (found, ordinal) if found else None

        self._navigate(
            find, "this is the last document" if step > 0 else "this is the first document"
        )

    def action_next_uncoded(self) -> None:
        if self.view is None:
            return
        coder = self.ws.coder_id()
        coder = -1 if coder is None else coder  # a coder with no codings yet: all uncoded
        unit = self.current
        after = (unit.ordinal or 0) if unit is not None else 0
        ws, doc_id, doc_ordinal = self.ws, self.view.doc.id or 0, self.view.ordinal
        self._navigate(
            lambda: views.next_uncoded(ws, coder, doc_ordinal, doc_id, after),
            "every segment has your codes",
        )

    def _open_first(self) -> None:
        ws = self.ws

        def find() -> Place | None:
            key = views.first_document(ws)
            return (key, 1) if key else None

        self._navigate(find, "", on_nothing=self._show_empty)

    def _navigate(
        self,
        find: Callable[[], Place | None],
        nothing: str,
        on_nothing: Callable[[], None] | None = None,
    ) -> None:
        """Look up where to go in a thread, then go there (or say there is nowhere)."""

        def go(found: Place | None) -> None:
            if found is None:
                if on_nothing is not None:
                    on_nothing()
                else:
                    self.notify(nothing)
                return
            key, ordinal = found
            if self.view is not None and key == self.view.doc.key:
                self.selection = None
                self.index = (
                    len(self.view.units) - 1 if ordinal < 0 else self.view.unit_index(ordinal)
                )
                self._show()
            else:
                self._open(key, ordinal)

        read_then_show(self, find, go, group="navigate")  # type: ignore[arg-type]
