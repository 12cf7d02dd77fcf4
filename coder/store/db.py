"""The database handle and the audited write transaction.

``Database.write`` is the only way the services change analysis data: it takes the
project's write lock first, records every row it changes (before and after), and at
commit appends one hash-chained audit event in the same transaction. If anything fails,
nothing is written, neither the change nor its event.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session, SQLModel, col, select

from coder.store import audit, feed, writelock
from coder.store import rows as bulk_rows
from coder.store.engine import (
    ConnectionLost,
    StoreError,
    describe,
    explain,
    make_engine,
    resolve_url,
    sqlite_path,
)
from coder.store.migrate import ensure_schema
from coder.store.tables import AUDITED_TABLES, AuditEventRow, CoderRow, Project


def now() -> str:
    """UTC time as ISO text with microseconds: sortable, and the same on every backend."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class ProjectRef:
    id: int
    name: str


@dataclass
class Tx:
    """One audited change in progress. Row-level helpers record what they change."""

    session: Session
    project_id: int
    coder: str
    coder_id: int
    time: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    action: str = ""
    target: str = ""
    emit: Callable[[Tx], None] | None = None
    emitted: int = 0
    head: str = ""  # hash of the last event appended in this transaction
    # The audit sequence the user's screen last showed (None: no check). A code or theme
    # another coder changed after it is not overwritten: the change raises EditConflict.
    seen: int | None = None

    def checkpoint(self, action: str, target: str = "", coder: str | None = None) -> None:
        """Close the changes so far as one audit event and start the next one, inside the
        same transaction: a multi-step action (a codebook load) is all-or-nothing, yet each
        step is its own event that can be read and undone on its own. With ``coder``, the
        next events are written by that coder (created if new), e.g. one user's codings."""
        if self.changed and self.emit is not None:
            self.emit(self)
            self.emitted += 1
        self.before, self.after, self.info = {}, {}, {}
        self.action, self.target = action, target
        if coder is not None and coder != self.coder:
            self.coder, self.coder_id = coder, coder_row_id(self.session, coder)

    def model(self, table: str) -> type[SQLModel]:
        return AUDITED_TABLES[table]

    def _note(self, table: str, row_id: int, before: dict | None, after: dict | None) -> None:
        key = audit.row_key(table, row_id)
        if key not in self.before:
            self.before[key] = before
        self.after[key] = after

    def get(self, table: str, row_id: int) -> SQLModel | None:
        return self.session.get(self.model(table), row_id)

    def insert(self, table: str, **values: Any) -> Any:
        row = self.model(table)(**values)
        self.session.add(row)
        self.session.flush()
        self._note(table, row.id, None, audit.row_dict(row))
        return row

    def guard(self, table: str, row: Any) -> None:
        """Refuse to change a code or theme another coder changed after ``seen``."""
        if self.seen is None or table not in GUARDED:
            return
        key = audit.row_key(table, row.id)
        event = feed.later_change(self.session, self.project_id, key, self.seen, self.coder)
        if event is not None:
            raise EditConflict(table, audit.row_dict(row), event.seq, event.coder, event.action)

    def update(self, table: str, row: Any, **values: Any) -> Any:
        self.guard(table, row)
        before = audit.row_dict(row)
        for name, value in values.items():
            setattr(row, name, value)
        self.session.add(row)
        self.session.flush()
        after = audit.row_dict(row)
        if after != before:
            self._note(table, row.id, before, after)
        return row

    def delete(self, table: str, row: Any) -> None:
        self.guard(table, row)
        before = audit.row_dict(row)
        self.session.delete(row)
        self.session.flush()
        self._note(table, before["id"], before, None)

    # ---- bulk changes: one executemany per table, each row still recorded ------------

    def fetch(self, table: str, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Rows of one audited table by id, as the dicts the trail records, read in chunks
        with SQLAlchemy core (no ORM object per row)."""
        return bulk_rows.fetch(self.session.connection(), self.model(table), ids)

    def insert_many(self, table: str, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Insert many rows of one table with one executemany and record each of them.
        Rows without an id get fresh ids (taken under the write lock this Tx holds).
        Returns the rows as recorded, ids included."""
        if not rows:
            return []
        conn = self.session.connection()
        model = self.model(table)
        missing = sum(1 for r in rows if r.get("id") is None)
        fresh = iter(bulk_rows.new_ids(conn, model, missing))
        columns = bulk_rows.columns(model)
        done = []
        for r in rows:
            row = {c: r.get(c) for c in columns}
            if row["id"] is None:
                row["id"] = next(fresh)
            done.append(row)
        bulk_rows.insert_rows(conn, model, done)
        self._note_many(table, done, inserted=True)
        return done

    def _note_many(self, table: str, rows: Sequence[dict[str, Any]], inserted: bool) -> None:
        """``_note`` for many rows inserted (or deleted) at once, without a call per row."""
        before, after = self.before, self.after
        for row in rows:
            key = f"{table}:{row['id']}"
            if key not in before:
                before[key] = None if inserted else row
            after[key] = row if inserted else None

    def delete_many(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Delete rows (as ``fetch`` or the trail gives them) with one executemany."""
        if not rows:
            return
        bulk_rows.delete_ids(self.session.connection(), self.model(table), [r["id"] for r in rows])
        self._note_many(table, rows, inserted=False)

    def restore(self, rows: dict[str, dict | None], expect: dict[str, dict | None]) -> None:
        """Bring rows back to ``rows`` (used by undo and redo), checking first that each is
        still as ``expect`` says, so an undo never silently overwrites later work. Works
        table by table in bulk, so undoing a 30,000-coding action costs a few statements."""
        # The ORM must not hold rows that core statements change underneath it.
        self.session.flush()
        self.session.expunge_all()
        by_table: dict[str, list[int]] = {}
        keys: dict[str, tuple[str, int]] = {}  # each key parsed once: 60,000 in a bulk undo
        for key in expect.keys() | rows.keys():
            table, row_id = keys[key] = audit.split_key(key)
            by_table.setdefault(table, []).append(row_id)
        current = {table: self.fetch(table, ids) for table, ids in by_table.items()}
        for key, want in expect.items():
            table, row_id = keys[key]
            have = current[table].get(row_id)
            if have != want:
                named = (have or want or {}).get("name")
                label = f"{table} {named!r}" if named else f"{table} {row_id}"
                raise Conflict(
                    f"{label} has changed since", key=audit.row_key(table, row_id), label=label
                )
        order = sorted(by_table, key=audit.TABLE_ORDER.index)
        for table in reversed(order):
            # newest first out, oldest first in: a child code or theme (parent_id) is
            # never stored without its parent, which a bulk action created before it
            have_rows = current[table]
            gone = [
                have_rows[i]
                for i in sorted(by_table[table], reverse=True)
                if rows.get(f"{table}:{i}", 0) is None and i in have_rows
            ]
            self.delete_many(table, gone)
        conn = self.session.connection()
        for table in order:
            have_rows = current[table]
            new: list[dict[str, Any]] = []
            for row_id in sorted(by_table[table]):
                values = rows.get(f"{table}:{row_id}")
                if values is None:
                    continue
                have = have_rows.get(row_id)
                if have is None:
                    new.append(values)
                elif have != values:
                    bulk_rows.update_row(conn, self.model(table), values)
                    self._note(table, row_id, have, dict(values))
            self.insert_many(table, new)

    @property
    def changed(self) -> bool:
        return any(self.before[k] != self.after[k] for k in self.after) or bool(self.info)


def coder_row_id(session: Session, name: str) -> int:
    """The id of the coder called ``name``, adding the coder (uncommitted) if new."""
    row = session.exec(select(CoderRow).where(CoderRow.name == name)).first()
    if row is None:
        row = CoderRow(name=name, created_at=now())
        session.add(row)
        session.flush()
    return row.id


class Conflict(Exception):
    """A change that cannot be made because the data moved on (e.g. an outdated undo).
    ``key``: the row (``table:id``) that moved on, so the caller can say who moved it."""

    def __init__(self, message: str, key: str | None = None, label: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.label = label  # the row as a user names it: "code 'risk'"


GUARDED = {"code", "theme"}


class EditConflict(Conflict):
    """Another coder changed this code or theme after the screen last showed it. Carries
    the row as it is now, so the UI can show it instead of overwriting it."""

    def __init__(self, table: str, current: dict[str, Any], seq: int, coder: str, action: str):
        self.table, self.current, self.seq, self.coder, self.action = (
            table,
            current,
            seq,
            coder,
            action,
        )
        name = current.get("name", current.get("id"))
        state = ", ".join(
            f"{f} {current[f]!r}"
            for f in ("name", "status", "definition")
            if current.get(f) not in (None, "")
        )
        super().__init__(
            f"{coder} changed {table} {name!r} a moment ago (#{seq} {action}); "
            f"your change was not made. It now reads: {state}"
        )


class Database:
    """A connected, migrated project database (SQLite file or PostgreSQL URL)."""

    def __init__(self, engine: Engine, url: str, backup: str | None = None) -> None:
        self.engine = engine
        self.url = url
        self.backup = backup
        # Told "waiting for alice's import: 12 s" about once a second while another
        # writer holds the project (the CLI prints it, the TUI shows it).
        self.on_wait: writelock.OnWait | None = None
        # How long a write waits for the lock (None: CODER_LOCK_WAIT, an hour by default).
        # The TUI waits briefly and reports the change as not saved rather than freeze.
        self.lock_wait: float | None = None

    @classmethod
    def open(cls, db: str | None = None, create: bool = False) -> Database:
        url = resolve_url(db)
        path = sqlite_path(url)
        if path is not None:
            if not create and not path.exists():
                raise StoreError(f"no coder project at {path}: run 'coder init' first")
            if path.exists() and path.is_file():
                mode = path.stat().st_mode
                if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
                    path, os.W_OK
                ):
                    raise StoreError(
                        f"{path} is read-only: coder needs to write to its project file"
                    )
        engine = make_engine(url)
        try:
            backup = ensure_schema(engine, url, create=create)
        except OperationalError as exc:
            engine.dispose()
            raise StoreError(f"cannot use {describe(url)}: {str(exc.orig).strip()}") from exc
        except StoreError:
            engine.dispose()
            raise
        return cls(engine, url, backup)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def label(self) -> str:
        path = sqlite_path(self.url)
        return str(path) if path else describe(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with Session(self.engine) as session:
                yield session
        except DBAPIError as exc:
            if not _connection_fault(exc):
                raise
            raise ConnectionLost(f"cannot read from {self.label}: {_reason(exc)}") from exc

    # ---- projects and coders -------------------------------------------------------

    def create_project(self, name: str) -> ProjectRef:
        with Session(self.engine) as session:
            if session.exec(select(Project).where(Project.name == name)).first():
                raise StoreError(f"a project named {name!r} already exists in {self.label}")
            row = Project(name=name, created_at=now(), last_seq=0, last_hash=audit.GENESIS)
            session.add(row)
            session.commit()
            return ProjectRef(row.id, row.name)

    def projects(self) -> list[ProjectRef]:
        with Session(self.engine) as session:
            return [
                ProjectRef(p.id, p.name) for p in session.exec(select(Project).order_by(Project.id))
            ]

    def project(self, name: str | None = None) -> ProjectRef:
        projects = self.projects()
        if not projects:
            raise StoreError(f"{self.label} holds no project: run 'coder init'")
        if name is None:
            if len(projects) > 1:
                names = ", ".join(p.name for p in projects)
                raise StoreError(
                    f"{self.label} holds several projects ({names}): choose one with --project"
                )
            return projects[0]
        for p in projects:
            if p.name == name:
                return p
        raise StoreError(f"no project named {name!r} in {self.label}")

    # ---- the audited write ---------------------------------------------------------

    @contextmanager
    def write(
        self,
        project_id: int,
        coder: str,
        action: str,
        target: str = "",
        seen: int | None = None,
    ) -> Iterator[Tx]:
        """One user action: state change plus its audit event, in one transaction.

        The caller may change ``tx.action``/``tx.target``/``tx.info`` before leaving the
        block. If nothing changed, nothing is written (no empty events)."""
        session = Session(self.engine)
        release: Callable[[], None] = lambda: None  # noqa: E731
        committing = False
        try:
            # Take the write lock before reading anything: SQLite then never has to
            # upgrade a read lock (which fails without waiting), PostgreSQL locks the row.
            # (writelock.take waits for a busy project, saying who holds it.)
            writelock.take(session, project_id, self.url, self.on_wait, self.lock_wait)
            release = writelock.announce(session, self.url, coder, action)
            coder_id = coder_row_id(session, coder)
            tx = Tx(
                session,
                project_id,
                coder,
                coder_id,
                now(),
                action=action,
                target=target,
                emit=self._append_event,
                seen=seen,
            )
            yield tx
            if tx.changed:
                self._append_event(tx)
            if tx.changed or tx.emitted:
                feed.notify(session, project_id, self._head_of(session, project_id))
                committing = True
                session.commit()
            else:
                session.rollback()
        except DBAPIError as exc:
            _quiet_rollback(session)
            if isinstance(exc, IntegrityError):
                raise Conflict(
                    f"the change conflicts with the stored data: {_reason(exc)}"
                ) from exc
            if _connection_fault(exc):
                # A commit cut off on its way may still have landed: ask the database
                # (on a new connection) whether the event is there, and say which.
                if committing and self._event_stored(project_id, tx.head):
                    return
                raise ConnectionLost(
                    f"not stored: lost the connection to {self.label} ({_reason(exc)}); "
                    "nothing of this change was saved"
                ) from exc
            if not isinstance(exc, OperationalError):
                raise
            reason = _reason(exc)
            if "readonly" in reason or "read-only" in reason:
                raise StoreError(f"{self.label} is read-only: cannot save changes") from exc
            raise StoreError(f"cannot write to {self.label}: {reason}") from exc
        except BaseException:
            _quiet_rollback(session)
            raise
        finally:
            session.close()
            release()

    @staticmethod
    def _head_of(session: Session, project_id: int) -> int:
        project = session.get(Project, project_id)
        return project.last_seq if project is not None else 0

    def _event_stored(self, project_id: int, digest: str) -> bool:
        if not digest:
            return False
        try:
            with Session(self.engine) as session:
                found = session.exec(
                    select(AuditEventRow.seq).where(
                        AuditEventRow.project_id == project_id, AuditEventRow.hash == digest
                    )
                ).first()
        except DBAPIError:
            return False  # still unreachable: the caller reports "not stored"
        return found is not None

    def _append_event(self, tx: Tx) -> None:
        session = tx.session
        project = session.get(Project, tx.project_id)
        assert project is not None
        seq = project.last_seq + 1
        rows_before = {k: v for k, v in tx.before.items() if v != tx.after.get(k)}
        rows_after = {k: tx.after[k] for k in rows_before}
        before = audit.canonical_rows({"rows": rows_before})
        after = _after_text(
            _coders_named(session, tx, rows_before, rows_after), tx.info, rows_after
        )
        prev = project.last_hash or audit.GENESIS
        digest = audit.event_hash(prev, seq, tx.time, tx.coder, tx.action, tx.target, before, after)
        session.add(
            AuditEventRow(
                project_id=tx.project_id,
                seq=seq,
                time=tx.time,
                coder=tx.coder,
                action=tx.action,
                target=tx.target,
                before=before,
                after=after,
                prev_hash=prev,
                hash=digest,
            )
        )
        project.last_seq = seq
        project.last_hash = digest
        tx.head = digest
        session.add(project)
        session.flush()

    def verify(
        self,
        project_id: int,
        anchor: audit.Head | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> audit.VerifyResult:
        with Session(self.engine) as session:
            return audit.verify(session, project_id, anchor, progress)

    def head(self, project_id: int) -> audit.Head:
        with Session(self.engine) as session:
            return audit.head(session, project_id)


def _after_text(coders: dict[str, str], info: dict[str, Any], rows: dict[str, Any]) -> str:
    """``canonical({"coders": ..., "info": ..., "rows": ...})`` (the members that are
    there), with the rows, which can be tens of thousands, written the fast way."""
    parts = [f'"coders":{audit.canonical(coders)}'] if coders else []
    if info:
        parts.append(f'"info":{audit.canonical(info)}')
    parts.append(f'"rows":{audit.canonical_rows(rows)}')
    return "{" + ",".join(parts) + "}"


def _coders_named(
    session: Session, tx: Tx, rows_before: dict[str, Any], rows_after: dict[str, Any]
) -> dict[str, str]:
    """Every coder the event names (its writer, and the coder of each row it changes),
    id -> name, so the hash chain vouches for who is who: a coder renamed or two coders
    swapped with plain SQL no longer match the trail (``audit.check_coders``)."""
    ids = {tx.coder_id}
    for rows in (rows_before, rows_after):
        for row in rows.values():
            if row is not None and row.get("coder_id") is not None:
                ids.add(row["coder_id"])
    names = {tx.coder_id: tx.coder}
    others = ids - names.keys()
    if others:
        found = session.exec(
            select(CoderRow.id, CoderRow.name).where(col(CoderRow.id).in_(sorted(others)))
        ).all()
        names.update(dict(found))
    return {str(i): names[i] for i in sorted(ids) if i in names}


def _reason(exc: DBAPIError) -> str:
    return explain(str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc))


def _connection_fault(exc: DBAPIError) -> bool:
    """The connection itself failed (server gone, backend terminated, network cut), as
    opposed to a statement the database refused."""
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError) or exc.orig is None:
        return False
    state = getattr(exc.orig, "sqlstate", None) or ""
    return (
        state.startswith("08")
        or state in {"57P01", "57P02", "57P03"}
        or (exc.orig.__class__.__module__.startswith("psycopg") and not state)
    )


def _quiet_rollback(session: Session) -> None:
    """Roll back; on a dead connection that fails too, and the server has rolled back."""
    with suppress(DBAPIError):
        session.rollback()


def load_json(text: str | None) -> Any:
    return json.loads(text) if text else None
