"""Queries across the data set: codes or themes by attribute (the matrix and the extracts
behind a cell), word frequencies and keyword-in-context, and attribute values of codings
(for theme tables split by an attribute).

Read-only: nothing here writes, so nothing here is audited.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from coder.core.matrix import COUNTS, PERCENTS, Matrix, build_matrix
from coder.core.model import Coding
from coder.core.textstats import (
    Concordance,
    WordCount,
    keyword_in_context,
    parse_stopwords,
    word_frequencies,
)
from coder.services.workspace import ServiceError, Workspace
from coder.store import attributes as qa
from coder.store import queries as q

ROW_KINDS = ("codes", "themes")


def check_attribute(ws: Workspace, name: str) -> str:
    with ws.read() as s:
        known = [*qa.BUILT_IN, *qa.attribute_names(s, ws.project.id)]
    if name not in known:
        raise ServiceError(f"no attribute {name!r}: use one of {', '.join(known)}")
    return name


def _row_names(ws: Workspace, rows: str) -> tuple[list[str], dict[int, str]]:
    """Row names in report order and the ids they stand for."""
    with ws.read() as s:
        if rows == "codes":
            codes = q.codes(s, ws.project.id, include_inactive=True)
            names = {c.id: c.name for c in codes if c.id is not None}
            return [c.name for c in codes if c.status != "merged"], names
        themes = [t for t in q.themes(s, ws.project.id) if t.status != "discarded"]
        return [t.name for t in themes], {t.id: t.name for t in themes if t.id is not None}


def matrix(
    ws: Workspace,
    rows: str,
    attribute: str,
    count: str = "extracts",
    percent: str | None = None,
) -> Matrix:
    """Codes or themes by the values of ``attribute`` (see ``core.matrix``)."""
    if rows not in ROW_KINDS:
        raise ServiceError(f"rows {rows!r}: use {' or '.join(ROW_KINDS)}")
    if count not in COUNTS:
        raise ServiceError(f"count {count!r}: use {' or '.join(COUNTS)}")
    if percent is not None and percent not in PERCENTS:
        raise ServiceError(f"percent {percent!r}: use {' or '.join(PERCENTS)}")
    check_attribute(ws, attribute)
    names, by_id = _row_names(ws, rows)
    with ws.read() as s:
        counts = qa.matrix_counts(s, ws.project.id, rows, attribute)
    cells = [(by_id[r], v, e, d) for r, v, e, d in counts if r in by_id]
    return build_matrix(rows, attribute, count, names, cells, percent)


def cell_extracts(
    ws: Workspace, rows: str, row: str, attribute: str, value: str | None, limit: int = 200
) -> list[tuple[str, int, int, str, str | None, str | None]]:
    """The extracts behind one cell (``value`` None: those without a value):
    ``(key, start, end, text, speaker, heading)`` in reading order."""
    check_attribute(ws, attribute)
    _names, by_id = _row_names(ws, rows)
    ids = [i for i, name in by_id.items() if name == row]
    if not ids:
        raise ServiceError(f"no {rows[:-1]} named {row!r}")
    with ws.read() as s:
        return qa.cell_extracts(s, ws.project.id, rows, ids[0], attribute, value, limit)


def coding_values(ws: Workspace, attribute: str, codings: list[Coding]) -> list[str | None]:
    """Each coding's value of ``attribute``: a speaker's own value first, else the
    document's (the rule of the matrix)."""
    check_attribute(ws, attribute)
    if attribute == "speaker":
        return [c.speaker for c in codings]
    with ws.read() as s:
        docs = qa.document_values(s, ws.project.id, attribute)
        people = {
            r.target: r.value
            for r in qa.attribute_rows(s, ws.project.id, "speaker", name=attribute)
        }
    return [
        people.get(c.speaker) if c.speaker in people else docs.get(c.document_key) for c in codings
    ]


# ---- words --------------------------------------------------------------------------------


def default_stopwords_text() -> str:
    return resources.files("coder").joinpath("data/stopwords.txt").read_text(encoding="utf-8")


def stopwords_path() -> Path:
    """The user's own stop-word list: ``$XDG_CONFIG_HOME/coder/stopwords.txt``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "coder" / "stopwords.txt"


def ensure_stopwords_file() -> Path:
    """The user's list, created from the default on first use so there is one to edit."""
    path = stopwords_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(default_stopwords_text(), encoding="utf-8")
    return path


def load_stopwords(path: Path | None = None) -> set[str]:
    """``path``, else the user's list if they made one, else the default list."""
    if path is None:
        user = stopwords_path()
        path = user if user.exists() else None
    if path is None:
        return parse_stopwords(default_stopwords_text())
    try:
        return parse_stopwords(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ServiceError(f"{path}: cannot read the stop-word list ({exc})") from None


def _texts(ws: Workspace, theme: str | None) -> Iterator[tuple[str, str]]:
    """``(source, text)``: every reading unit, or one theme's coded extracts."""
    if theme is None:
        with ws.read() as s:
            for key, speaker, text in qa.iter_unit_texts(s, ws.project.id):
                yield (f"{key} ({speaker})" if speaker else key), text
        return
    with ws.read() as s:
        row = q.theme_row(s, ws.project.id, theme)
        if row is None:
            raise ServiceError(f"no theme named {theme!r}")
        seen: set[int] = set()
        for codings in q.theme_coding_pages(s, ws.project.id, row.id):
            for c in codings:
                if c.segment_id not in seen:  # an extract once, however often coded
                    seen.add(c.segment_id)
                    yield (
                        (f"{c.document_key} ({c.speaker})" if c.speaker else c.document_key),
                        c.text,
                    )


def words(
    ws: Workspace,
    theme: str | None = None,
    top: int = 50,
    min_length: int = 3,
    stopwords: Path | None = None,
) -> list[WordCount]:
    """The most frequent words of the data set or of one theme's extracts."""
    stop = load_stopwords(stopwords)
    return word_frequencies((t for _, t in _texts(ws, theme)), stop, min_length, top)


def kwic(
    ws: Workspace, term: str, theme: str | None = None, width: int = 40, limit: int = 500
) -> list[Concordance]:
    """Every occurrence of ``term`` with its context, in reading order."""
    try:
        return keyword_in_context(_texts(ws, theme), term, width, limit)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
