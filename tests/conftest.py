"""Shared fixtures: a project on each backend (SQLite file, real PostgreSQL server).

PostgreSQL tests need CODER_TEST_DATABASE_URL (``.ci/run`` starts a throwaway server and
sets it). Without it they skip on a developer's machine; in CI (CI=true) they fail, so a
green CI run always means both backends were tested.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CODEBOOKS = ROOT / "codebooks"
# ../shared/testdata beside the checkout; CODER_TESTDATA points elsewhere (a worktree
# kept in another folder).
TESTDATA = Path(os.environ.get("CODER_TESTDATA") or ROOT.parent / "shared" / "testdata")
PG_ENV = "CODER_TEST_DATABASE_URL"


def shared_file(*parts: str) -> Path:
    """A file from ../shared/testdata, skipping the test where the folder is absent."""
    path = TESTDATA.joinpath(*parts)
    if not TESTDATA.is_dir():
        pytest.skip("../shared/testdata is not here")
    return path


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's CODER_DB, coder name or config."""
    monkeypatch.delenv("CODER_DB", raising=False)
    monkeypatch.setenv("CODER_NAME", "alice")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set: in CI the PostgreSQL tests must run")
        pytest.skip(f"{PG_ENV} is not set (no PostgreSQL server for this test)")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(_pg_admin_url())
    name = f"coder_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database location on each backend: an SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "project.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def ws(db_url: str):
    """An empty project, coder 'alice', on each backend."""
    from coder.services.workspace import Workspace

    workspace = Workspace.init(db_url, "test project", "alice")
    yield workspace
    workspace.close()


@pytest.fixture
def sqlite_ws(tmp_path: Path):
    """An empty SQLite project, for tests that need a file (backups, tampering by path)."""
    from coder.services.workspace import Workspace

    workspace = Workspace.init(str(tmp_path / "project.db"), "test project", "alice")
    yield workspace
    workspace.close()


def as_coder(ws, name: str):
    """The same project seen by another coder."""
    from coder.services.workspace import Workspace

    return Workspace(ws.db, ws.project, name)
