"""Rows in bulk with SQLAlchemy core: fetch, insert, delete and update many rows of one
table in a handful of statements, as plain dicts shaped like the rows the audit trail
records. The audited transaction (``db.Tx``) calls these and records what they change;
nothing else should, since they bypass the ORM's identity map."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Boolean, Connection, Table, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit
# Positional parameter markers of the drivers coder runs on (sqlite3: qmark, psycopg:
# pyformat, which also takes %s). Any other driver goes through SQLAlchemy core.
_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def table_of(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def columns(model: type[SQLModel]) -> list[str]:
    return [c.name for c in table_of(model).columns]


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def fetch(conn: Connection, model: type[SQLModel], ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    table = table_of(model)
    found: dict[int, dict[str, Any]] = {}
    marker = _MARKERS.get(conn.dialect.paramstyle)
    plain = marker is not None and not any(isinstance(c.type, Boolean) for c in table.columns)
    names = columns(model)
    quote = conn.dialect.identifier_preparer.quote
    head = f"SELECT {', '.join(quote(c) for c in names)} FROM {quote(table.name)} WHERE id IN "
    for chunk in chunks(sorted(set(ids))):
        if plain:
            # The driver's own tuples: no result-row object per row (a 30,000-row undo).
            rows = _driver_fetch(conn, head + f"({', '.join([marker] * len(chunk))})", tuple(chunk))
            for row in rows:
                found[row[0]] = dict(zip(names, row, strict=True))
            continue
        for row in conn.execute(select(table).where(table.c.id.in_(chunk))):
            values = dict(row._mapping)
            found[values["id"]] = values
    return found


def driver_rows(
    conn: Connection, sql: str, params: Sequence[Any] = (), expand: Sequence[Any] | None = None
) -> list[tuple]:
    """Rows of one SQL statement as the driver's own tuples: no SQLAlchemy result-row or
    ORM object per row (bulk look-ups read tens of thousands). ``sql`` uses ``?`` for
    each parameter and ``{ids}`` for the place of ``expand``, read ``CHUNK`` values a
    statement. Drivers without positional markers go through ``text()``."""
    marker = _MARKERS.get(conn.dialect.paramstyle)
    found: list[tuple] = []
    parts = [None] if expand is None else list(chunks(list(expand)))
    for part in parts:
        values = list(params) + (list(part) if part is not None else [])
        query = sql
        if part is not None:
            query = query.replace("{ids}", "(" + ", ".join(["?"] * len(part)) + ")")
        if marker is None:
            names = iter(range(len(values)))
            query = "".join(
                f":p{next(names)}" if piece == "?" else piece for piece in _split_marks(query)
            )
            found += [
                tuple(r)
                for r in conn.execute(text(query), {f"p{i}": v for i, v in enumerate(values)})
            ]
            continue
        if marker != "?":
            query = query.replace("%", "%%").replace("?", marker)
        found += _driver_fetch(conn, query, tuple(values))
    return found


def _driver_fetch(conn: Connection, sql: str, params: tuple) -> list[tuple]:
    """All rows of one statement from a cursor of the connection's own driver, in the
    connection's transaction: SQLAlchemy's result makes a Row object per row, which
    costs more than the query when an undo reads 30,000 rows. Driver errors are raised
    as SQLAlchemy's, like every other statement's, so callers see one kind of error."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()  # type: ignore[no-any-return]
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, conn.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


def _split_marks(query: str) -> list[str]:
    out: list[str] = []
    for i, piece in enumerate(query.split("?")):
        if i:
            out.append("?")
        out.append(piece)
    return out


def new_ids(conn: Connection, model: type[SQLModel], count: int) -> list[int]:
    """``count`` unused ids. The caller holds the project's write lock (SQLite allows one
    writer, so max(id) stays ours); PostgreSQL draws them from the column's sequence."""
    if count <= 0:
        return []
    table = table_of(model)
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": count},
        )
        return [r[0] for r in rows]
    top = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(top + 1, top + 1 + count))


def insert_tuples(conn: Connection, table: Table, names: Sequence[str], rows: list[tuple]) -> None:
    """One DBAPI executemany of plain tuples: SQLAlchemy's core insert builds and then
    unpacks a parameter dict per row, which costs more than the driver's own insert."""
    if not rows:
        return
    marker = _MARKERS.get(conn.dialect.paramstyle)
    if marker is None:
        conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])
        return
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in names)}) "
        f"VALUES ({', '.join([marker] * len(names))})"
    )
    conn.exec_driver_sql(sql, rows)


def insert_rows(conn: Connection, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    names = columns(model)
    insert_tuples(conn, table_of(model), names, [tuple(r[c] for c in names) for r in rows])


def delete_ids(conn: Connection, model: type[SQLModel], ids: Sequence[int]) -> None:
    table = table_of(model)
    marker = _MARKERS.get(conn.dialect.paramstyle)
    if marker is None:
        for chunk in chunks(list(ids)):
            conn.execute(delete(table).where(table.c.id.in_(chunk)))
        return
    # Plain SQL to the driver: SQLAlchemy would compile an expanding IN list per chunk,
    # which costs more than the delete itself.
    head = f"DELETE FROM {conn.dialect.identifier_preparer.quote(table.name)} WHERE id IN "
    for chunk in chunks(list(ids)):
        conn.exec_driver_sql(head + f"({', '.join([marker] * len(chunk))})", tuple(chunk))


def update_row(conn: Connection, model: type[SQLModel], values: dict[str, Any]) -> None:
    table = table_of(model)
    conn.execute(
        update(table)
        .where(table.c.id == values["id"])
        .values({k: v for k, v in values.items() if k != "id"})
    )


@contextmanager
def scratch_table(conn: Connection, name: str, columns: str, rows: list[tuple]) -> Iterator[str]:
    """A temporary table holding ``rows``, dropped on the way out: thousands of
    references are then resolved by one join in the database instead of reading every
    candidate row into Python. ``columns`` is the column list of CREATE TABLE."""
    conn.exec_driver_sql(f"CREATE TEMP TABLE {name} ({columns})")
    try:
        count = columns.count(",") + 1
        marker = _MARKERS.get(conn.dialect.paramstyle)
        if marker is None:
            keys = [f"p{i}" for i in range(count)]
            conn.execute(
                text(f"INSERT INTO {name} VALUES ({', '.join(':' + k for k in keys)})"),
                [dict(zip(keys, row, strict=True)) for row in rows],
            )
        elif rows:
            conn.exec_driver_sql(f"INSERT INTO {name} VALUES ({', '.join([marker] * count)})", rows)
        yield name
    finally:
        # (in a failed PostgreSQL transaction the DROP fails too: the rollback drops it)
        with suppress(DBAPIError):
            conn.exec_driver_sql(f"DROP TABLE {name}")
