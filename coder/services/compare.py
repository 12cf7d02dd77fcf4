"""Comparing and merging two codebooks: files, or the codes a coder used in the project.

A side is a YAML or REFI-QDA .qdc file, or ``coder:NAME``: the codes NAME has applied in
this project, with their codebook fields (definition, criteria, keywords, parent...).
That lets two coders who share one database see how their working codebooks drifted,
without exporting anything. The pairing and the merge rules are those of
:mod:`coder.core.codebook_compare`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coder.core.codebook_compare import (
    DEFAULT_THRESHOLD,
    CompareResult,
    compare_codebooks,
    merge_codebooks,
)
from coder.core.matching import did_you_mean
from coder.core.model import Codebook
from coder.services.codebooks import read_codebook_file
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q

CODER_PREFIX = "coder:"

__all__ = [
    "CODER_PREFIX",
    "Side",
    "coder_codebook",
    "compare",
    "merge",
    "needs_project",
    "read_side",
]


@dataclass(frozen=True)
class Side:
    """One side of a comparison: what the user typed, and the codebook it names."""

    label: str
    codebook: Codebook


def needs_project(*specs: str) -> bool:
    """Whether any side names a coder, so the project database must be opened."""
    return any(spec.startswith(CODER_PREFIX) for spec in specs)


def coder_codebook(ws: Workspace, name: str) -> Codebook:
    """The codes ``name`` has applied in this project, in codebook order, with their
    fields; codes since retired or merged are included, as the coder did use them."""
    name = " ".join(name.split())
    with ws.read() as session:
        cid = q.coder_id(session, name)
        if cid is None:
            raise ServiceError(
                f"unknown coder {name!r}{did_you_mean(name, q.coder_names(session))}"
            )
        counts = q.code_counts(session, ws.project.id, coder_ids=[cid], include_inactive=True)
    codes = [c.code for c in counts if c.codings]
    if not codes:
        raise ServiceError(f"coder {name!r} has applied no code in this project")
    return Codebook(title=f"codes used by {name}", codes=codes)


def read_side(spec: str, ws: Workspace | None = None) -> Side:
    """A codebook file (FormatError naming file and line if it is bad) or ``coder:NAME``."""
    if spec.startswith(CODER_PREFIX):
        if ws is None:
            raise ServiceError(f"{spec}: comparing a coder's codes needs the project (--db)")
        return Side(spec, coder_codebook(ws, spec[len(CODER_PREFIX) :]))
    return Side(spec, read_codebook_file(Path(spec)))


def compare(
    a: str, b: str, ws: Workspace | None = None, threshold: float = DEFAULT_THRESHOLD
) -> tuple[Side, Side, CompareResult]:
    """Pair the codes of A and B: matched, renamed (with score), moved, definition changed,
    only in A, only in B."""
    _check_threshold(threshold)
    side_a, side_b = read_side(a, ws), read_side(b, ws)
    try:
        result = compare_codebooks(side_a.codebook, side_b.codebook, threshold)
    except ValueError as exc:
        raise ServiceError(str(exc)) from exc
    return side_a, side_b, result


def merge(
    a: str, b: str, ws: Workspace | None = None, threshold: float = DEFAULT_THRESHOLD
) -> tuple[Codebook, list[str]]:
    """B merged into A (A's version wins each conflict), and one line per conflict."""
    _check_threshold(threshold)
    side_a, side_b = read_side(a, ws), read_side(b, ws)
    try:
        return merge_codebooks(side_a.codebook, side_b.codebook, threshold=threshold)
    except ValueError as exc:
        raise ServiceError(str(exc)) from exc


def _check_threshold(threshold: float) -> None:
    if not 0 <= threshold <= 100:
        raise ServiceError(f"--threshold is a score from 0 to 100, not {threshold:g}")
