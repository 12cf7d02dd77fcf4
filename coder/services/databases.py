"""Whole databases: what one holds (``coder db info``) and moving it to another
(``coder db copy``), e.g. from a laptop's SQLite file to the lab's PostgreSQL server.

A copy is checked, not trusted: after it lands, every project's trail is verified on the
target and its head hash compared with the source's, and a mismatch is reported as a
failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coder.services.workspace import ServiceError
from coder.store import copying
from coder.store.copying import ProjectSummary
from coder.store.db import Database
from coder.store.engine import StoreError, resolve_url, sqlite_path


@dataclass
class DatabaseInfo:
    label: str
    backend: str
    revision: str | None
    size: int | None
    projects: list[ProjectSummary]
    rows: dict[str, int]


def database_info(db: str | None) -> DatabaseInfo:
    database = Database.open(db)
    try:
        with database.engine.connect() as conn:
            return DatabaseInfo(
                label=database.label,
                backend=conn.dialect.name,
                revision=copying.schema_revision(conn),
                size=copying.database_size(conn),
                projects=copying.project_summaries(conn),
                rows=copying.row_counts(conn),
            )
    finally:
        database.close()


@dataclass
class CopyReport:
    source: str
    target: str
    rows: dict[str, int]
    projects: list[ProjectSummary] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)


def copy_database(
    source: str,
    target: str,
    force: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> CopyReport:
    """Copy every project in ``source`` (with its audit trail) into ``target``.

    The target may be a new SQLite file or an existing (empty) PostgreSQL database; one
    that already holds data is refused unless ``force``, which replaces its contents in
    the same transaction as the copy."""
    src_url, dst_url = resolve_url(source), resolve_url(target)
    if src_url == dst_url:
        raise ServiceError("the source and the target are the same database")
    src = Database.open(source)
    try:
        with src.engine.connect() as conn:
            before = copying.project_summaries(conn)
        if not before:
            raise ServiceError(f"{src.label} holds no project to copy")
        path = sqlite_path(dst_url)
        created = path is not None and not path.exists()
        dst = Database.open(target, create=True)
        try:
            with dst.engine.connect() as conn:
                if not force and not copying.is_empty(conn):
                    names = ", ".join(p.name for p in copying.project_summaries(conn))
                    raise ServiceError(
                        f"{dst.label} already holds data ({names or 'rows'}): "
                        "pass --force to replace it"
                    )
            result = copying.copy_database(src.engine, dst.engine, replace=force, progress=progress)
            report = CopyReport(src.label, dst.label, result.rows, before)
            with dst.engine.connect() as conn:
                after = {p.id: p for p in copying.project_summaries(conn)}
            for project in before:
                copied = after.get(project.id)
                if copied is None or copied.head_hash != project.head_hash:
                    raise ServiceError(
                        f"project {project.name!r} did not arrive intact on {dst.label}"
                    )
                check = dst.verify(project.id)
                if not check.ok:
                    raise ServiceError(
                        f"project {project.name!r} on {dst.label} fails its audit check: "
                        f"{check.message}"
                    )
                report.verified.append(check.message)
            return report
        except BaseException:
            dst.close()
            if created and path is not None:
                _remove_sqlite(path)
            raise
        finally:
            dst.close()
    finally:
        src.close()


def _remove_sqlite(path: Path) -> None:
    """A target file this copy created and could not fill goes again: no half-made files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


__all__ = ["CopyReport", "DatabaseInfo", "StoreError", "copy_database", "database_info"]
