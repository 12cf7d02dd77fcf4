"""Schema migrations with Alembic, run in-process.

Opening a project made by an older version upgrades it (SQLite: after a backup copy of the
file); one made by a newer version is refused with a clear message rather than damaged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from coder.store.engine import StoreError, describe, sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_schema(engine: Engine, url: str, create: bool) -> str | None:
    """Bring the schema to head. Returns the path of a backup copy if one was made."""
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
