"""Every error that is the user's to fix, from whichever layer raises it, in one place.

The UIs catch these to print one line (CLI) or show a message (TUI); importing them from
here keeps the UIs off the store and the formats' internals.
"""

from __future__ import annotations

from coder.formats.errors import FormatError
from coder.services.workspace import ServiceError
from coder.store.db import Conflict, EditConflict
from coder.store.engine import ConnectionLost, StoreError
from coder.store.writelock import Busy  # another writer held the project: nothing saved

USER_ERRORS: tuple[type[Exception], ...] = (ServiceError, StoreError, Conflict, FormatError)

__all__ = [
    "USER_ERRORS",
    "Busy",
    "Conflict",
    "ConnectionLost",
    "EditConflict",
    "FormatError",
    "ServiceError",
    "StoreError",
]
