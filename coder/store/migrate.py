"""Schema migrations with Alembic, run in-process.

Opening a project made by an older version upgrades it (SQLite: after a backup copy of the
file); one made by a newer version is refused with a clear message rather than damaged.

Alembic is imported only when there is something to do: opening a project already at
``HEAD`` reads one row, which keeps ``coder tui`` from paying Alembic's (and Mako's) import
time on every start. A test keeps ``HEAD`` equal to the newest migration script.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from coder.store.engine import StoreError, describe, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0009"  # the newest revision in migrations/versions (tests/store/test_migrations.py)


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_schema(engine: Engine, url: str, create: bool) -> str | None:
    """Bring the schema to head. Returns the path of a backup copy if one was made."""
    if _stored_revision(engine) == HEAD:
        return None
    from alembic.script import ScriptDirectory

    names = set(inspect(engine).get_table_names())
    script = ScriptDirectory.from_config(_config())
    head = script.get_current_head()
    if "alembic_version" not in names:
        if names - {"alembic_version"} and "project" not in names:
            raise StoreError(f"{describe(url)} holds other tables: not a coder project")
        if not create:
            raise StoreError(f"no coder project at {describe(url)}: run 'coder init' first")
        upgrade(engine)
        return None
    current = current_revision(engine)
    if current == head:
        return None
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise StoreError(
            f"{describe(url)} was made by a newer version of coder (schema {current}); "
            "upgrade coder to open it"
        )
    backup = None
    path = sqlite_path(url)
    if path is not None and path.exists():
        engine.dispose()
        backup = path.with_name(f"{path.name}.backup-{current}")
        shutil.copy2(path, backup)
    upgrade(engine)
    return str(backup) if backup else None


def _stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, or None when there is no version table (a
    new or foreign database: the full check decides what it is)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        if "alembic_version" in str(exc.orig):
            return None  # no such table (SQLite) / relation does not exist (PostgreSQL)
        raise
