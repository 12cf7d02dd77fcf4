"""Copying whole databases between SQLite and PostgreSQL, and describing them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from coder.core.model import Code
from coder.services import notes, themes
from coder.services.codes import create_code, rename_code
from coder.services.coding import apply_code
from coder.services.databases import copy_database, database_info
from coder.services.history import undo
from coder.services.workspace import ServiceError, Workspace
from coder.store.copying import table_rows
from tests.conftest import as_coder
from tests.services.helpers import seed


def _build(path: Path) -> str:
    """A small project with every kind of row: documents, codes, codings by two coders,
    a theme, a memo, a rename and an undo in the trail."""
    ws = Workspace.init(str(path), "ward study", "alice")
    try:
        seed(ws)
        apply_code(ws, "gray2024:2", "us and them", memo="the binary")
        apply_code(as_coder(ws, "bob"), "gray2024:2", "risk")
        create_code(ws, Code(name="stigma", definition="Labels."))
        rename_code(ws, "stigma", "labelling")
        themes.create_theme(ws, "Divides", codes=["us and them", "risk"])
        notes.add_memo(ws, "Starting with the ward papers.", kind="journal")
        apply_code(ws, "doe2019:1", "tread carefully")
        undo(ws)
    finally:
        ws.close()
    return str(path)


def _rows(url: str) -> dict:
    from coder.store.engine import resolve_url

    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as conn:
            return table_rows(conn)
    finally:
        engine.dispose()


def _verify_all(url: str) -> list[str]:
    ws = Workspace.open(url, "alice")
    try:
        result = ws.db.verify(ws.project.id)
        assert result.ok, result.message
        return [result.message]
    finally:
        ws.close()


@pytest.mark.postgres
def test_sqlite_to_postgres_and_back_is_identical(tmp_path, pg_url):
    source = _build(tmp_path / "laptop.db")
    there = copy_database(source, pg_url)
    back = copy_database(pg_url, str(tmp_path / "back.db"))
    original = _rows(source)
    assert _rows(pg_url) == original
    assert _rows(str(tmp_path / "back.db")) == original
    assert original["coding"] and original["audit_event"] and original["memo"]
    head = there.projects[0].head_hash
    assert back.projects[0].head_hash == head
    for url in (source, pg_url, str(tmp_path / "back.db")):
        _verify_all(url)
        info = database_info(url)
        assert [(p.name, p.head_hash) for p in info.projects] == [("ward study", head)]


@pytest.mark.postgres
def test_a_copied_postgres_project_keeps_working(tmp_path, pg_url):
    """Ids came in explicitly: the sequences must have moved past them."""
    copy_database(_build(tmp_path / "laptop.db"), pg_url)
    ws = Workspace.open(pg_url, "carol")
    try:
        create_code(ws, Code(name="hope"))
        apply_code(ws, "doe2019:1", "hope")
        assert ws.db.verify(ws.project.id).ok
    finally:
        ws.close()


def test_a_non_empty_target_is_refused_without_force(tmp_path):
    source = _build(tmp_path / "a.db")
    other = Workspace.init(str(tmp_path / "b.db"), "other study", "alice")
    other.close()
    before = _rows(str(tmp_path / "b.db"))
    with pytest.raises(ServiceError, match="already holds data .*other study.*--force"):
        copy_database(source, str(tmp_path / "b.db"))
    assert _rows(str(tmp_path / "b.db")) == before
    copy_database(source, str(tmp_path / "b.db"), force=True)
    assert _rows(str(tmp_path / "b.db")) == _rows(source)
    assert [p.name for p in database_info(str(tmp_path / "b.db")).projects] == ["ward study"]


def test_copy_reports_progress_per_table_and_info_counts(tmp_path):
    source = _build(tmp_path / "a.db")
    seen: dict[str, tuple[int, int]] = {}
    copy_database(source, str(tmp_path / "b.db"), progress=lambda t, d, n: seen.update({t: (d, n)}))
    assert seen["audit_event"][0] == seen["audit_event"][1] > 0
    info = database_info(str(tmp_path / "b.db"))
    assert info.revision and info.size and info.size > 0
    counts = info.projects[0].counts
    assert counts["document"] == 3 and counts["coding"] == 2 and counts["theme"] == 1
    assert counts["audit_event"] == info.projects[0].head_seq


def test_copy_into_itself_or_from_nothing_is_refused(tmp_path):
    source = _build(tmp_path / "a.db")
    with pytest.raises(ServiceError, match="same database"):
        copy_database(source, source)
    from coder.services.errors import StoreError

    with pytest.raises(StoreError, match="no coder project"):
        copy_database(str(tmp_path / "missing.db"), str(tmp_path / "c.db"))
    assert not (tmp_path / "c.db").exists()
