"""Schema migrations: from the first revision up, backups, and newer projects refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from coder.store.db import Database
from coder.store.engine import StoreError, resolve_url
from coder.store.migrate import current_revision, head_revision, upgrade


def test_fresh_project_is_at_head(db_url):
    db = Database.open(db_url, create=True)
    assert current_revision(db.engine) == head_revision()
    assert {
        "coder",
        "document",
        "segment",
        "code",
        "theme",
        "theme_code",
        "coding",
        "memo",
        "audit_event",
    } <= set(inspect(db.engine).get_table_names())
    db.close()


def test_upgrade_from_first_revision(db_url):
    url = resolve_url(db_url)
    engine = create_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO project (name, created_at, last_seq, last_hash) VALUES ('old', 'x', 0, '')"
            )
        )
    engine.dispose()
    db = Database.open(db_url)
    assert current_revision(db.engine) == head_revision()
    assert "ui_state" in inspect(db.engine).get_table_names()
    assert [p.name for p in db.projects()] == ["old"]
    if "://" not in db_url:
        assert db.backup and Path(db.backup).exists()
        assert Path(db.backup).name == "project.db.backup-0001"
    db.close()


def test_newer_project_is_refused(db_url):
    db = Database.open(db_url, create=True)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.close()
    with pytest.raises(StoreError, match=r"made by a newer version of coder \(schema 9999\)"):
        Database.open(db_url)


def test_missing_project_is_a_clear_error(tmp_path):
    with pytest.raises(
        StoreError, match="no coder project at .*nothing.db: run 'coder init' first"
    ):
        Database.open(str(tmp_path / "nothing.db"))


def test_migrations_build_exactly_the_tables(db_url):
    """A column added to tables.py without a migration would pass on fresh test databases
    and break every user's existing project: compare the migrated schema with the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    db = Database.open(db_url, create=True)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    db.close()
    assert diff == []


def test_head_constant_is_the_newest_migration():
    """``HEAD`` lets a project at the current schema open without importing Alembic."""
    from coder.store.migrate import HEAD

    assert head_revision() == HEAD


def test_opening_a_current_project_does_not_import_alembic(tmp_path):
    """Measured on every ``coder tui`` start: Alembic and Mako cost more than 100 ms."""
    import subprocess
    import sys

    path = tmp_path / "p.db"
    Database.open(str(path), create=True).close()
    probe = (
        "import sys; from coder.store.db import Database; "
        f"Database.open({str(path)!r}).close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
