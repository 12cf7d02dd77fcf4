"""Keyset paging: "the rows after this one" as a WHERE clause on the ordering columns.

OFFSET makes the database walk and throw away every row before a page, so the 1,000th
page of a 100,000-row list costs a thousand pages; a condition on the ordering columns
(which an index serves) costs the same at any depth. Every paged list orders by columns
ending in a unique one, so the last row of a page names exactly where the next begins,
even among rows whose other sort keys are equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select, true

Key = tuple[Any, ...]


def after(columns: Sequence[Any], key: Key | None, descending: bool = False) -> Any:
    """Rows strictly after ``key`` in the order of ``columns`` (all ascending, or all
    descending when ``descending``); True for the first page (``key`` None).

    Written out as a >= x AND ((a > x) OR (a = x AND b > y) ...) rather than a row-value
    comparison: the same on SQLite and PostgreSQL, and the leading range on the first
    column lets the ordering index seek straight to the page (without it SQLite walks
    the index from the start, and the last page costs as much as OFFSET)."""
    if key is None:
        return true()
    if len(key) != len(columns):
        raise ValueError(f"a cursor of {len(columns)} values was expected, not {len(key)}")
    arms = []
    for i, column in enumerate(columns):
        beyond = column < key[i] if descending else column > key[i]
        arms.append(and_(*(columns[j] == key[j] for j in range(i)), beyond))
    seek = columns[0] <= key[0] if descending else columns[0] >= key[0]
    return and_(seek, or_(*arms))


def ordered(columns: Sequence[Any], descending: bool = False) -> list[Any]:
    """ORDER BY terms matching ``after``."""
    return [c.desc() for c in columns] if descending else list(columns)


def sparse(query: Any, limit: int, descending: bool, every: int, phase: int) -> Any:
    """(row number, cursor...) of every ``every``-th row (those whose number leaves
    ``phase`` over) and the last of the first ``limit`` rows of ``query``, a SELECT of
    exactly the ordering columns: the page boundaries of a long stretch, read by walking
    the index in SQL but returning one cursor a page, not one a row."""
    rows = query.limit(limit).subquery()
    columns = list(rows.c)
    number = func.row_number().over(order_by=ordered(columns, descending)).label("n")
    numbered = select(number, *columns).subquery()
    n = numbered.c.n
    keep = or_(n == limit, n % every == phase % every) if every > 1 else true()
    return select(*numbered.c).where(keep).order_by(n)
