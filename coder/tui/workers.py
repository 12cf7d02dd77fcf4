"""Slow reads off the app's thread: read in a thread worker, then show on the app's thread.

On a 100,000-document project a grouped count or a scan takes about a second, which must
not freeze the keyboard; and a widget must never be touched from a thread. Every screen
and phase that reads in the background does it through ``read_then_show``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from coder.tui.widgets.errors import USER_ERRORS, show_error

T = TypeVar("T")


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
                node.app.call_from_thread(report, error)
            return
        if not worker.is_cancelled:
            node.app.call_from_thread(show, data)

    return node.run_worker(run, thread=True, exclusive=True, group=group, name=group)
