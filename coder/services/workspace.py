"""The open project a user works in: database, project and coder, resolved once.

CLI and TUI both start from ``Workspace.open``; every service takes a Workspace, so the
coder's name, the project and the database travel together and are never guessed twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from coder.services.listing import coder_name
from coder.store.db import Database, ProjectRef, Tx
from coder.store.engine import StoreError
from coder.store.queries import coder_id as _coder_id

DEFAULT_PROJECT = "coder project"


class ServiceError(Exception):
    """A user's request that cannot be carried out; the message is one line to show them."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def resolve_coder(name: str | None) -> str:
    """``--coder`` wins, then CODER_NAME, then the login name."""
    chosen = coder_name(name)
    if not chosen:
        raise ServiceError("the coder's name is empty: pass --coder NAME")
    return chosen


@dataclass
class Workspace:
    db: Database
    project: ProjectRef
    coder: str
    # The audit sequence this user's screen last showed: set by a UI that shows live
    # changes, so that an edit of a code or theme another coder changed after it is
    # refused with the current state (EditConflict) rather than overwriting it.
    seen: int | None = None

    @classmethod
    def open(
        cls, db: str | None = None, coder: str | None = None, project: str | None = None
    ) -> Workspace:
        database = Database.open(db)
        try:
            ref = database.project(project)
        except StoreError:
            database.close()
            raise
        return cls(database, ref, resolve_coder(coder))

    @classmethod
    def init(
        cls, db: str | None = None, name: str | None = None, coder: str | None = None
    ) -> Workspace:
        database = Database.open(db, create=True)
        try:
            ref = database.create_project(name or DEFAULT_PROJECT)
        except StoreError:
            database.close()
            raise
        return cls(database, ref, resolve_coder(coder))

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def write(self, action: str, target: str = "") -> Iterator[Tx]:
        with self.db.write(self.project.id, self.coder, action, target, self.seen) as tx:
            yield tx

    @contextmanager
    def read(self) -> Iterator:
        with self.db.read() as session:
            yield session

    def coder_id(self, name: str | None = None) -> int | None:
        with self.read() as session:
            return _coder_id(session, name or self.coder)
