"""Codes in tree order: each sub-code right under its real parent, at its depth.

The store lists codes in codebook order (``order``, then id), so a sub-code created
later sits at the end of that list. Every tree-shaped listing (``coder codes``, the Themes
board's unassigned pile) goes through ``tree_order`` so the indentation always shows the
real parent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def tree_order(
    items: Sequence[T], name: Callable[[T], str], parent: Callable[[T], str | None]
) -> list[tuple[T, int]]:
    """Items depth-first, children in their given order, each with its depth.

    An item whose parent is not in ``items`` (filtered out, retired, missing) is a root,
    so nothing is dropped; a parent cycle is cut where it closes."""
    names = {name(i) for i in items}
    children: dict[str | None, list[T]] = {}
    for item in items:
        p = parent(item)
        key = p if p in names and p != name(item) else None
        children.setdefault(key, []).append(item)
    out: list[tuple[T, int]] = []
    seen: set[str] = set()

    def walk(key: str | None, depth: int) -> None:
        for item in children.get(key, []):
            if name(item) in seen:
                continue
            seen.add(name(item))
            out.append((item, depth))
            walk(name(item), depth + 1)

    walk(None, 0)
    for item in items:  # in a cycle: none of them is reached from a root
        if name(item) not in seen:
            seen.add(name(item))
            out.append((item, 0))
            walk(name(item), 1)
    return out
