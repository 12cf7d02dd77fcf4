"""`coder db info` and `coder db copy` through the CLI, and connection faults as one line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from coder.cli import app

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    return result.output


@pytest.fixture
def laptop(tmp_path):
    db = str(tmp_path / "laptop.db")
    run("demo", "--db", db, "--no-tui")
    return db


def test_info_and_copy(laptop, db_url, tmp_path):
    info = run("db", "info", "--db", laptop)
    assert "schema    revision" in info and "peer support on inpatient wards" in info
    head = next(line.split()[-1] for line in info.splitlines() if line.strip().startswith("head #"))
    out = run("db", "copy", laptop, db_url)
    assert "the trail is intact" in out
    assert head in run("db", "info", "--db", db_url)
    refused = run("db", "copy", laptop, db_url, code=2)
    assert refused.count("\n") == 1 and "--force" in refused
    assert "the trail is intact" in run("db", "copy", laptop, db_url, "--force")
    assert "the trail is intact" in run("audit", "verify", "--db", db_url)


@pytest.mark.parametrize(
    "url, words",
    [
        ("postgresql+psycopg://postgres@127.0.0.1:1/coder", "no database server answers"),
        ("sqlite:////nonexistent-folder/x.db", "no coder project"),
    ],
)
def test_unreachable_databases_are_one_line_exit_2(url, words):
    out = run("db", "info", "--db", url, code=2)
    assert words in out and out.count("\n") == 1 and "Traceback" not in out


@pytest.mark.postgres
def test_a_missing_postgres_database_is_one_line(pg_url):
    url = pg_url.rsplit("/", 1)[0] + "/no_such_coder_db"
    out = run("db", "info", "--db", url, code=2)
    assert 'no database "no_such_coder_db"' in out and out.count("\n") == 1
