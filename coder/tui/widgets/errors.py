"""User errors in the TUI: one notification line, never a traceback.

The services raise ServiceError for a request that cannot be carried out; the store
raises StoreError (database unreachable, read-only file) and Conflict (the data moved on);
file readers raise FormatError. All four are the user's to act on, so the TUI shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode

from coder.services.errors import USER_ERRORS

__all__ = ["USER_ERRORS", "attempt", "show_error"]

R = TypeVar("R")


ERROR_SECONDS = 15.0  # an error names a file and line or a value: time to read it


def show_error(node: DOMNode, error: BaseException) -> None:
    """Notify with the error's own line; markup off (it may quote a code or a document)."""
    node.notify(
        str(error).splitlines()[0] if str(error) else type(error).__name__,
        severity="error",
        markup=False,
        timeout=ERROR_SECONDS,
    )


def attempt(
    node: DOMNode, call: Callable[..., R], *args: object, **kwargs: object
) -> tuple[bool, R | None]:
    """Run one service call; on a user error notify and return (False, None)."""
    try:
        return True, call(*args, **kwargs)
    except USER_ERRORS as error:
        show_error(node, error)
        return False, None
