"""The errors a UI shows as one line: the user's to act on, never a traceback.

The UIs import them from here, not from the store, so the wall between the UIs and the
store holds: ServiceError (a request that cannot be carried out), StoreError (database
unreachable, read-only file), Conflict (the data moved on under the user) and FormatError
(a file that cannot be read).
"""

from __future__ import annotations

from coder.formats.errors import FormatError
from coder.services.workspace import ServiceError
from coder.store.db import Conflict
from coder.store.engine import StoreError

USER_ERRORS: tuple[type[Exception], ...] = (ServiceError, StoreError, Conflict, FormatError)

__all__ = ["USER_ERRORS", "Conflict", "FormatError", "ServiceError", "StoreError"]
