"""What an "extract" is and how a theme's extracts are counted: the one definition.

Every screen (Review, Define), the report and every export count with these rules, so the
same project shows the same numbers everywhere, however many people coded it:

* An **extract** is a coded span (a segment), whoever coded it and with however many of the
  theme's codes. Two coders applying codes of one theme to the same sentence make ONE
  extract (with two coders); the rows behind it are **codings**.
* A theme's extracts come from its own codes and those of its sub-themes (its **family**):
  a sub-theme is part of its theme.
* A span marked as a **misfit** of the theme (phase 4), or of one of its sub-themes, is left
  out of the theme's extracts and documents, whichever of its codings was marked.
* **documents** are the distinct documents the counted extracts come from.

The store computes the same figures in SQL for big projects (``store.queries.theme_stats``);
tests check both against each other on a two-coder project.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from coder.core.model import Coding, Theme


@dataclass(frozen=True)
class ExtractCounts:
    """A theme's figures: extracts (spans), the codings behind them, their documents."""

    extracts: int = 0
    codings: int = 0
    documents: int = 0


@dataclass
class ThemeExtract:
    """One extract of a theme as lists show it: the span, once, with who coded it how.

    ``coding`` is the representative coding (the earliest one): its id is the one an
    exemplar or misfit mark is put on; ``coding_ids`` are all the codings of the span
    under the theme's codes, so a mark on any of them is a mark on the extract.
    """

    coding: Coding
    codes: list[str] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)
    coding_ids: list[int] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.coding.id


def theme_family(themes: Sequence[Theme], name: str) -> list[str]:
    """``name`` and all its sub-themes, sub-sub-themes, ... (cycles are cut)."""
    children: dict[str, list[str]] = {}
    for theme in themes:
        if theme.parent and theme.parent != theme.name:
            children.setdefault(theme.parent, []).append(theme.name)
    out = [name]
    stack = list(children.get(name, []))
    while stack:
        child = stack.pop(0)
        if child not in out:
            out.append(child)
            stack.extend(children.get(child, []))
    return out


def misfit_segments(codings: Iterable[Coding], misfit_ids: set[int]) -> set[int]:
    """The spans marked as misfits: a mark on one coding of a span marks the span."""
    return {c.segment_id for c in codings if c.id in misfit_ids}


def theme_codings(codings: Iterable[Coding], codes: set[str], misfit_ids: set[int]) -> list[Coding]:
    """The codings that count for a theme whose family holds ``codes`` (input order kept)."""
    mine = [c for c in codings if c.code in codes]
    excluded = misfit_segments(mine, misfit_ids)
    return [c for c in mine if c.segment_id not in excluded]


def count_extracts(counted: Iterable[Coding]) -> ExtractCounts:
    """Figures over codings that count (see ``theme_codings``): spans once, whoever coded."""
    counted = list(counted)
    return ExtractCounts(
        extracts=len({c.segment_id for c in counted}),
        codings=len(counted),
        documents=len({c.document_key for c in counted}),
    )
