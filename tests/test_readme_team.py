"""The README's "A team on PostgreSQL" set-up, run as written against the real server
(role and database names made unique so runs never collide)."""

from __future__ import annotations

import json
import os
import re
import shlex
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from coder.cli import app
from tests.conftest import ROOT

pytestmark = pytest.mark.postgres


def _section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## A team on PostgreSQL")
    return readme[start : readme.index("\n## ", start + 1)]


def _block(section: str, lang: str) -> str:
    found = re.search(rf"```{lang}\n(.*?)```", section, re.S)
    assert found is not None
    return found.group(1)


def test_the_team_setup_works_as_written(tmp_path, monkeypatch, pg_url):
    admin = make_url(pg_url)
    tag = uuid.uuid4().hex[:8]
    names = {n: f"{n}_{tag}" for n in ("ward_team", "alice", "bob", "ward")}

    def rename(line: str) -> str:
        return re.sub(r"\b(ward_team|alice|bob|ward)\b(?![.-])", lambda m: names[m.group(1)], line)

    section = _section()
    engine = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    try:
        with engine.connect() as conn:
            for statement in _block(section, "sql").split(";"):
                if statement.strip():
                    conn.execute(text(rename(statement)))
        assert runner.invoke(app, ["demo", "--db", "ward.db", "--no-tui"]).exit_code == 0
        key = runner.invoke(app, ["documents", "--db", "ward.db", "--json"]).output
        first_key = json.loads(key)[0]["key"]
        host = f"{admin.host}:{admin.port}"
        for line in _block(section, "sh").splitlines():
            line = rename(line).replace("@dbhost/", f"@{host}/")
            line = line.replace("gray2024:3", f"{first_key}:1").replace(
                '"us and them"', '"forms of peer support"'
            )
            words = shlex.split(os.path.expandvars(line), comments=True)
            if words[0] == "export":
                for pair in words[1:]:
                    name, _, value = pair.partition("=")
                    monkeypatch.setenv(name, value)
                continue
            result = runner.invoke(app, words[1:])
            assert result.exit_code == 0, (line, result.output)
        assert "the trail is intact" in result.output
        heads = [
            [
                ln
                for ln in runner.invoke(app, ["db", "info", "--db", db]).output.splitlines()
                if "head #" in ln
            ]
            for db in (os.environ["CODER_DB"], "ward-backup.db")
        ]
        assert heads[0] and heads[0] == heads[1]
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{names["ward"]}" WITH (FORCE)'))
            for role in ("alice", "bob", "ward_team"):
                conn.execute(text(f'DROP ROLE IF EXISTS "{names[role]}"'))
        engine.dispose()
