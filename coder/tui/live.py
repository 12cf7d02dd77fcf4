"""The workbench in a team: who else is here (presence) and their work as it happens.

Two loops per open workbench, both off the app's thread:

- a heartbeat every few seconds says where this coder is (phase, document) and reads who
  else is here; the header shows them. A heartbeat that fails means the database went
  away: the header says so, and the next one that succeeds clears it (the store
  reconnects on its own).
- a watcher waits on the change feed (LISTEN/NOTIFY on PostgreSQL, a quick poll on
  SQLite); when another coder's change arrives, the visible phase refreshes the views it
  feeds (``Phase.live_refresh``) without moving the cursor, and ``ws.seen`` moves on so
  an edit of a code or theme that changed underneath is refused, not overwritten.

In blind mode (phase 2, ``b``) other coders' codings trigger nothing at all.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

from coder.core.phases import PHASE_SLUGS
from coder.services import live, presence
from coder.services.errors import USER_ERRORS, ConnectionLost
from coder.services.live import Changes

if TYPE_CHECKING:
    from coder.tui.app import CoderApp

HEARTBEAT_SECONDS = 5.0
WAIT_SECONDS = 0.5  # how long one wait blocks: bounds how late the loop notices a quit
RETRY_SECONDS = 2.0  # after a failed read, before trying the database again


class LiveChanged(Message):
    """Other coders' changes arrived and the visible phase was asked to show them."""

    def __init__(self, changes: Changes) -> None:
        super().__init__()
        self.changes = changes


class TeamLink:
    """Presence and the live view for one app."""

    def __init__(self, app: CoderApp) -> None:
        self.app = app
        self.ws = app.ws
        self.instance = presence.new_instance()
        self.others: list[presence.Presence] = []
        self.offline = False
        self._stop = threading.Event()
        self._watcher: live.Watcher | None = None
        self._thread: threading.Thread | None = None

    # ---- start and stop -----------------------------------------------------------------

    def start(self) -> None:
        with contextlib.suppress(*USER_ERRORS):
            self.ws.seen = live.head(self.ws)
        self.beat()
        self.app.set_interval(HEARTBEAT_SECONDS, self.beat, name="presence")
        # A plain daemon thread, not a Textual worker: it runs as long as the app, and
        # waiting for the app's workers to finish (as tests do) must not wait for it.
        self._thread = threading.Thread(target=self._watch, name="coder-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Leave (others stop seeing this workbench at once) and end the watcher."""
        if self._stop.is_set():
            return
        self._stop.set()
        with contextlib.suppress(Exception):  # closing: an unreachable database is fine
            presence.leave(self.ws, self.instance)
        if self._thread is not None:
            self._thread.join(timeout=2 * WAIT_SECONDS + 1)

    # ---- presence -------------------------------------------------------------------------

    def where(self) -> tuple[str, str | None]:
        phase = self.app.visible_phase
        document = getattr(phase, "presence_document", None)
        return PHASE_SLUGS.get(self.app.phase, ""), document() if callable(document) else None

    def beat(self) -> None:
        if self._stop.is_set():
            return
        slug, document = self.where()
        self.app.run_worker(
            lambda: self._beat(slug, document),
            thread=True,
            exclusive=True,
            group="presence",
            name="presence",
            exit_on_error=False,
        )

    def _beat(self, slug: str, document: str | None) -> None:
        try:
            presence.announce(self.ws, self.instance, slug, document)
            others = presence.others(self.ws, self.instance)
        except ConnectionLost:
            self._call(self._show_presence, self.others, True)
            return
        except Exception:  # e.g. a read-only project file: no presence, nothing to say
            return
        self._call(self._show_presence, others, False)

    def _show_presence(self, others: list[presence.Presence], offline: bool) -> None:
        self.others, self.offline = others, offline
        show = getattr(self.app, "show_presence", None)
        if show is not None:
            show(self.header_text())

    def header_text(self) -> str:
        if self.offline:
            return "database unreachable: changes are not being saved; reconnecting"
        return presence.header_line(self.others)

    # ---- the live view --------------------------------------------------------------------

    def _watch(self) -> None:
        seen = self.ws.seen or 0
        try:
            self._watcher = live.Watcher(self.ws)
        except USER_ERRORS:
            self._watcher = None
        try:
            while not self._stop.is_set() and self.app.is_running:
                try:
                    if self._watcher is None:
                        self._watcher = live.Watcher(self.ws)
                    head = self._watcher.wait(seen, timeout=WAIT_SECONDS)
                    if head <= seen:
                        continue
                    changes = live.changes_since(self.ws, seen)
                except USER_ERRORS:
                    self._stop.wait(RETRY_SECONDS)
                    continue
                except Exception:  # a driver error the store did not name: retry later
                    self._stop.wait(RETRY_SECONDS)
                    continue
                seen = changes.head
                self._call(self.apply, changes)
        finally:
            if self._watcher is not None:
                self._watcher.close()

    def apply(self, changes: Changes) -> None:
        """On the app's thread: refresh what other coders' changes touch."""
        self.ws.seen = max(self.ws.seen or 0, changes.head)
        phase = self.app.visible_phase
        blind = bool(getattr(phase, "blind", False))
        theirs = Changes(
            changes.since,
            changes.head,
            changes.visible(self.ws.coder, blind=blind).by_others(self.ws.coder),
        )
        if not theirs.events:
            return
        refresh = getattr(phase, "live_refresh", None)
        if refresh is not None:
            refresh(theirs.views)
        self.app.refresh_progress(delay=0.25)
        self.app.post_message(LiveChanged(theirs))

    def _call(self, fn: Callable[..., object], *args: object) -> None:
        if self._stop.is_set() or not self.app.is_running:
            return
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.app.call_from_thread(fn, *args)
