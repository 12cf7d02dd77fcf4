"""Slow reads and writes off the app's thread: run in a thread worker, then show on the
app's thread.

On a 100,000-document project a grouped count or a scan takes about a second, which must
not freeze the keyboard; and a widget must never be touched from a thread. Every screen
and phase that reads in the background does it through ``read_then_show``.

A write may meet another writer holding the project (a colleague's long import): waiting
for it on the event loop froze the keys, and giving up early lost the coding. Writes of
codings therefore go through ``write_then_show``: the key returns at once, the worker
waits (saying for whom), and the coding is either stored or reported as "not saved",
naming what, so the user can try again; it is never dropped silently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from coder.services.errors import Busy
from coder.tui.widgets.errors import USER_ERRORS, show_error

T = TypeVar("T")

# How long a write waits in its worker for another writer (each try waits the app's lock
# wait, then the user is told who holds the project and the worker tries again).
WRITE_WAIT = 60.0  # seconds


class _InOrder:
    """One write at a time, in the order asked (a plain lock wakes its waiters in no
    particular order): a memo saved twice keeps the later text, and an undo pressed
    after a coding undoes that coding, not the action before it. A ticket is taken on
    the app's thread when the key is pressed; the worker waits for its turn."""

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._next = 0
        self._serving = 0

    def ticket(self) -> int:
        with self._turn:
            self._next += 1
            return self._next - 1

    @contextmanager
    def turn(self, ticket: int) -> Iterator[None]:
        with self._turn:
            self._turn.wait_for(lambda: self._serving == ticket)
        try:
            yield
        finally:
            with self._turn:
                self._serving += 1
                self._turn.notify_all()


_WRITES = _InOrder()
_failed = [0]  # writes reported as not saved so far (quitting waits for the verdicts)


def read_then_show(
    node: DOMNode,
    read: Callable[[], T],
    show: Callable[[T], object],
    *,
    group: str,
    on_error: Callable[[Exception], object] | None = None,
) -> Worker[None]:
    """Run ``read`` in a thread worker, then ``show`` its result on the app's thread.

    The worker is exclusive in ``group``: a newer read cancels an older one, whose result
    is then dropped as stale. A user's error goes to ``on_error`` (default: one
    notification line); any other exception is a bug and ends the app as usual."""
    report = on_error or partial(show_error, node)

    def run() -> None:
        worker = get_current_worker()
        try:
            data = read()
        except USER_ERRORS as error:
            if not worker.is_cancelled:
                node.app.call_from_thread(_while_shown, node, worker, report, error)
            return
        if not worker.is_cancelled:
            node.app.call_from_thread(_while_shown, node, worker, show, data)

    return node.run_worker(run, thread=True, exclusive=True, group=group, name=group)


def _while_shown(
    node: DOMNode, worker: Worker | None, show: Callable[[T], object], data: T
) -> None:
    """``show(data)`` on the app's thread, unless the read went stale on its way there or
    the node has left the screen (the app quitting while a read was in flight: its panes
    are being taken down, and showing into them would end the app with an error)."""
    if (worker is None or not worker.is_cancelled) and node.is_attached:
        try:
            show(data)
        except NoMatches:
            # The pane was being taken down as the data arrived (the app quitting): there
            # is nothing left to show it in. A pane still up with a part missing is a bug.
            if node.is_attached and not getattr(node, "_closing", False):
                raise


def not_saved(what: str, error: BaseException) -> str:
    """The line for a write that did not happen: what was not saved, then why."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    reason = reason.removeprefix("not saved: ")
    return f"not saved: {what}: {reason}"


def report_failure(node: DOMNode, what: str, error: Exception) -> None:
    """The line for a write that failed: "not saved: WHAT: holder" when the project
    stayed busy, else the service's own line (a conflict explains itself)."""
    if isinstance(error, Busy):
        node.notify(not_saved(what, error), severity="error", markup=False, timeout=15)
    else:
        show_error(node, error)


def write_then_show(
    node: DOMNode,
    write: Callable[[], T],
    show: Callable[[T], object],
    *,
    what: str,
    on_fail: Callable[[Exception], object] | None = None,
) -> Worker[None]:
    """Run ``write`` (one service call) in a thread worker, then ``show`` its result on
    the app's thread; the event loop never waits for the database.

    While another writer holds the project the worker keeps trying for ``WRITE_WAIT``
    seconds, telling the user once whom it waits for. A write that fails (still busy, a
    conflict, the connection lost) goes to ``on_fail`` on the app's thread (default: an
    error line "not saved: WHAT: why"): the caller keeps what the user chose or typed."""

    def fail(error: Exception) -> None:
        _failed[0] += 1
        if on_fail is not None:
            on_fail(error)
        else:
            node.notify(not_saved(what, error), severity="error", markup=False, timeout=15)

    ticket = _WRITES.ticket()  # now, on the app's thread: the order the user asked

    def run() -> None:
        try:
            result = keep_trying(node, write, what, ticket)
        except USER_ERRORS as error:
            node.app.call_from_thread(fail, error)
            return
        # (stored: if the app has begun to quit meanwhile, there is nothing to redraw)
        node.app.call_from_thread(_while_shown, node, None, show, result)

    return node.run_worker(run, thread=True, group="writes", name=f"write {what}")


def keep_trying(node: DOMNode, write: Callable[[], T], what: str, ticket: int | None = None) -> T:
    """``write()`` from a worker's thread, one write at a time, tried again while another
    writer holds the project (for up to ``WRITE_WAIT`` seconds; the user is told once whom
    it waits for). Raises the last error when it still cannot be stored."""
    deadline = time.monotonic() + WRITE_WAIT
    told = False
    with _WRITES.turn(_WRITES.ticket() if ticket is None else ticket):
        while True:
            try:
                return write()
            except Busy as error:
                if time.monotonic() >= deadline:
                    raise
                if not told:
                    told = True
                    who = str(error).removeprefix("not saved: ").split(" holds ")[0]
                    node.app.call_from_thread(
                        node.notify,
                        f"saving {what}: waiting for {who}",
                        severity="warning",
                        markup=False,
                    )


async def writes_landed(node: DOMNode) -> bool:
    """Wait for the writes still in their workers (on quit): True when every one of them
    was stored, False when one was reported as not saved, so the app stays open and the
    user reads which, instead of quitting on top of it."""
    pending = [w for w in node.app.workers if w.name.startswith("write ") and not w.is_finished]
    if not pending:
        return True
    failed = _failed[0]
    node.notify(f"saving {len(pending)} change{'s' if len(pending) != 1 else ''} before quitting…")
    for worker in pending:
        await worker.wait()
    return _failed[0] == failed
