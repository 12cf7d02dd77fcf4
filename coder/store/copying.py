"""Copy every project of one database into another, row for row, ids included.

Ids are kept because the audit trail names rows by id (``coding:17``): the target replays
and verifies to the same head hash only if each row keeps the id its events recorded. The
copy walks the tables of the schema itself (not a list kept here), so a table added by a
later migration is copied too, and audit events travel verbatim whatever their content.
The whole copy is one transaction on the target: it lands entirely or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from coder.store import tables  # noqa: F401 (registers every table in the metadata)

# Not project data: who has the project open right now. A copy starts without anyone.
EPHEMERAL = {"presence"}
PAGE = 2000

Progress = Callable[[str, int, int], None]


def copied_tables() -> list[Table]:
    """The tables a copy carries, parents before children (foreign-key order)."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in EPHEMERAL]


def row_counts(conn: Connection) -> dict[str, int]:
    return {
        t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
        for t in copied_tables()
    }


def is_empty(conn: Connection) -> bool:
    return all(n == 0 for n in row_counts(conn).values())


def iter_rows(conn: Connection, table: Table, page: int = PAGE) -> Iterator[list[dict[str, Any]]]:
    """A table's rows in pages by primary key (keyset, not OFFSET)."""
    pk = list(table.primary_key.columns)
    if len(pk) != 1:
        yield [dict(r._mapping) for r in conn.execute(select(table))]
        return
    key = pk[0]
    last: Any = None
    while True:
        query = select(table).order_by(key).limit(page)
        if last is not None:
            query = query.where(key > last)
        rows = [dict(r._mapping) for r in conn.execute(query)]
        if not rows:
            return
        yield rows
        last = rows[-1][key.name]


@dataclass
class CopyResult:
    rows: dict[str, int]


def copy_database(
    source: Engine, target: Engine, replace: bool = False, progress: Progress | None = None
) -> CopyResult:
    """Copy all tables from ``source`` into ``target`` (both at the same schema).

    With ``replace`` the target's rows are deleted first, in the same transaction."""
    report = progress or (lambda _t, _d, _n: None)
    copied: dict[str, int] = {}
    with source.connect() as src, target.begin() as dst:
        totals = row_counts(src)
        if replace:
            for name in EPHEMERAL:
                if name in SQLModel.metadata.tables:
                    dst.execute(delete(SQLModel.metadata.tables[name]))
            for table in reversed(copied_tables()):
                dst.execute(delete(table))
        for table in copied_tables():
            done = 0
            report(table.name, 0, totals[table.name])
            for rows in iter_rows(src, table):
                dst.execute(table.insert(), rows)
                done += len(rows)
                report(table.name, done, totals[table.name])
            copied[table.name] = done
        if dst.dialect.name == "postgresql":
            _reset_sequences(dst)
    return CopyResult(copied)


def _reset_sequences(conn: Connection) -> None:
    """Rows came in with their ids, so the id sequences must move past them, or the next
    insert on the target would collide."""
    for table in copied_tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].type.python_type is not int:
            continue
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:t, :c), "
                f'COALESCE((SELECT MAX("{pk[0].name}") FROM "{table.name}"), 0) + 1, false)'
            ),
            {"t": f'"{table.name}"', "c": pk[0].name},
        )


def table_rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every copied table's rows in key order: for comparing two databases in tests."""
    return {t.name: [r for page in iter_rows(conn, t) for r in page] for t in copied_tables()}


def database_size(conn: Connection) -> int | None:
    """Bytes the database takes on disk (PostgreSQL: the whole database; SQLite: the file)."""
    if conn.dialect.name == "postgresql":
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    if conn.dialect.name == "sqlite":
        pages = conn.execute(text("PRAGMA page_count")).scalar_one()
        size = conn.execute(text("PRAGMA page_size")).scalar_one()
        return int(pages) * int(size)
    return None


def schema_revision(conn: Connection) -> str | None:
    from sqlalchemy import inspect

    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@dataclass
class ProjectSummary:
    id: int
    name: str
    counts: dict[str, int]
    head_seq: int
    head_hash: str


def project_summaries(conn: Connection) -> list[ProjectSummary]:
    """Each project with the size of what it holds and the head of its audit trail."""
    md = SQLModel.metadata.tables
    project = md["project"]
    out: list[ProjectSummary] = []
    for row in conn.execute(select(project).order_by(project.c.id)):
        counts: dict[str, int] = {}
        for name in ("document", "code", "theme", "coding", "memo", "audit_event"):
            t = md[name]
            counts[name] = conn.execute(
                select(func.count()).select_from(t).where(t.c.project_id == row.id)
            ).scalar_one()
        seg, doc = md["segment"], md["document"]
        counts["segment"] = conn.execute(
            select(func.count())
            .select_from(seg.join(doc, doc.c.id == seg.c.document_id))
            .where(doc.c.project_id == row.id)
        ).scalar_one()
        out.append(ProjectSummary(row.id, row.name, counts, row.last_seq, row.last_hash))
    return out
