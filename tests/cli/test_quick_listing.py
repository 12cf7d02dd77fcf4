"""``coder codes`` on an SQLite project reads with sqlite3 alone, gives exactly what the
ordinary path gives, and falls back to it whenever it is not sure."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from coder.cli import app
from coder.services.codes import code_counts
from coder.services.listing import quick_code_counts
from coder.services.workspace import Workspace

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    return result.output


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run("init", "--name", "ward study")
    (tmp_path / "a.txt").write_text(
        "Peer workers bridge the gap between us and them. Staff saw risks.\n\n"
        "Service users tread carefully around each other's distress. Staff watch.\n",
        encoding="utf-8",
    )
    run("import", "a.txt")
    key = json.loads(run("documents", "--json"))[0]["key"]
    run("code", "create", "risk")
    run("code", "create", "staff risk", "--parent", "risk")
    run("code", "create", "old")
    run("code", "apply", f"{key}:1", "staff risk")
    run("code", "apply", f"{key}:2", "old")
    run("code", "retire", "old")
    return tmp_path


def ordinary(include_inactive: bool) -> list[dict]:
    ws = Workspace.open("coder.db")
    try:
        return [
            {"name": c.code.name, "parent": c.code.parent, "status": c.code.status.value,
             "codings": c.codings, "segments": c.segments, "documents": c.documents}
            for c in code_counts(ws, include_inactive=include_inactive)
        ]  # fmt: skip
    finally:
        ws.close()


@pytest.mark.parametrize("include_inactive", [False, True])
def test_quick_listing_equals_the_ordinary_one(project, include_inactive):
    quick = quick_code_counts(None, None, include_inactive)
    assert quick is not None and quick == ordinary(include_inactive)
    args = ["codes", "--json"] + (["--all"] if include_inactive else [])
    assert json.loads(run(*args)) == quick


def test_falls_back_when_unsure(project, tmp_path):
    assert quick_code_counts(None, "no such project", False) is None
    assert quick_code_counts(str(tmp_path / "missing.db"), None, False) is None
    assert quick_code_counts("postgresql+psycopg://x@127.0.0.1:1/none", None, False) is None
    out = run("codes", "--project", "no such project", code=2)
    assert out.startswith("coder: no project named 'no such project'")


def test_codes_json_does_not_import_sqlalchemy(project):
    code = (
        "import sys\n"
        "from coder.cli import main\n"
        "sys.argv = ['coder', 'codes', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('SQLALCHEMY' if 'sqlalchemy' in sys.modules else 'LIGHT')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project
    ).stdout
    assert out.strip().splitlines()[-1] == "LIGHT"
    assert json.loads(out[: out.rindex("]") + 1])[0]["name"] == "risk"


@pytest.mark.parametrize(
    "args",
    [
        ["codes", "--json"],
        ["codes", "--all", "--db", "coder.db"],
        ["codes", "--json", "--project=ward study", "--all"],
    ],
)
def test_entry_point_answers_codes_before_the_cli(project, args):
    """``coder codes`` through the installed entry point (coder.launch) prints exactly
    what the full CLI prints, without importing typer or SQLAlchemy."""
    code = (
        "import sys\n"
        "from coder.launch import main\n"
        f"sys.argv = ['coder', *{args!r}]\n"
        "main()\n"
        "heavy = [m for m in ('typer', 'sqlalchemy', 'pydantic') if m in sys.modules]\n"
        "sys.stderr.write(','.join(heavy) or 'LIGHT')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project
    )
    assert done.stderr == "LIGHT"
    assert done.stdout == run(*args)


@pytest.mark.parametrize(
    "args",
    [
        ["codes", "--help"],
        ["codes", "--json", "--json"],
        ["codes", "--db"],
        ["--db", "coder.db", "codes"],
        ["code", "list"],
    ],
)
def test_entry_point_leaves_other_command_lines_to_the_cli(args):
    from coder.launch import _codes_options

    assert _codes_options(args) is None
