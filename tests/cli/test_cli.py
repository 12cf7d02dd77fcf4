"""The CLI through Typer's CliRunner: every command has help, errors are one line, exit 2."""

from __future__ import annotations

import json
import os
import stat

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from coder.cli import app

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    return result.output


def all_commands(group=None, prefix=()):
    group = group or get_command(app)
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from all_commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


def test_every_command_has_one_line_help():
    missing = [" ".join(path) for path, cmd in all_commands() if not (cmd.help or "").strip()]
    assert missing == []
    listing = run("--help")
    for name in (
        "init",
        "import",
        "documents",
        "codes",
        "code",
        "audit",
        "undo",
        "redo",
        "demo",
        "tui",
    ):
        assert f"  {name} " in listing


def test_version():
    assert run("--version").startswith("coder 0.1.0")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run("init", "--name", "ward study")
    return tmp_path


def test_init_uses_coder_db_in_current_folder(project):
    assert (project / "coder.db").exists()
    out = run("init", "--name", "ward study", code=2)
    assert out.strip().endswith(
        "a project named 'ward study' already exists in " + str(project / "coder.db")
    )


def test_coder_db_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CODER_DB", str(tmp_path / "env.db"))
    run("init")
    assert (tmp_path / "env.db").exists()


def test_scripted_coding_session(project):
    (project / "abstracts.txt").write_text(
        "Peer workers bridge the gap between us and them. Staff saw risks.\n\n"
        "Service users tread carefully around each other's distress.\n",
        encoding="utf-8",
    )
    run("import", "abstracts.txt")
    docs = json.loads(run("documents", "--json"))
    key = docs[0]["key"]
    run("code", "create", "us and them", "--definition", "A divide")
    out = run("code", "apply", f"{key}:1", "us and them", "--memo", "the gap", "--coder", "bob")
    assert out.strip() == f"applied 'us and them' to {key}:1"
    assert "us and them" in run("codes")
    counts = json.loads(run("codes", "--json"))
    assert counts[0]["codings"] == 1
    log = json.loads(run("audit", "log", "--json", "--coder", "bob"))
    assert [e["action"] for e in log] == ["code.apply"]
    verified = run("audit", "verify").splitlines()
    assert verified[0] == "3 events checked: the trail is intact"
    assert verified[-1] == f"head {run('audit', 'head').strip()}"
    assert run("undo", "--coder", "bob").startswith("undid #3 code.apply")
    assert json.loads(run("codes", "--json"))[0]["codings"] == 0
    run("redo", "--coder", "bob")
    assert json.loads(run("codes", "--json"))[0]["codings"] == 1
    lines = run("audit", "log", "--limit", "2").splitlines()
    assert len(lines) == 2 and "redo" in lines[0]


def test_memo_list_includes_coding_memos_by_kind_phase_and_coder(project):
    (project / "abstracts.txt").write_text(
        "Peer workers bridge the gap between us and them. Staff saw risks.\n", encoding="utf-8"
    )
    run("import", "abstracts.txt")
    key = json.loads(run("documents", "--json"))[0]["key"]
    run("code", "create", "us and them")
    run("code", "apply", f"{key}:1", "us and them", "--memo", "the gap", "--coder", "bob")
    run("memo", "add", "my ward years shape this")
    run("memo", "add", "first read: two camps", "--on", "document", "--target", key,
        "--kind", "familiarisation")  # fmt: skip
    text = run("memo", "list")
    assert f"bob  coding memo on {key}:1 'us and them': the gap" in text
    coding = json.loads(run("memo", "list", "--kind", "coding", "--json"))
    assert coding == [
        {"kind": "coding", "on": "coding", "target": f"{key}:1", "code": "us and them",
         "coder": "bob", "phase": 2, "created_at": coding[0]["created_at"],
         "updated_at": coding[0]["updated_at"], "text": "the gap"}
    ]  # fmt: skip
    assert [m["text"] for m in json.loads(run("memo", "list", "--phase", "1", "--json"))] == [
        "first read: two camps"
    ]
    assert [m["kind"] for m in json.loads(run("memo", "list", "--by", "bob", "--json"))] == [
        "coding"
    ]
    assert json.loads(run("memo", "list", "--kind", "journal", "--json"))[0]["target"] is None
    assert "journal on project (no phase): my ward years shape this" in text
    run("memo", "add", "codes feel thin", "--phase", "2")
    assert "journal on project (phase 2 Code): codes feel thin" in run("memo", "list")
    assert [m["text"] for m in json.loads(run("memo", "list", "--phase", "2", "--json"))] == [
        "codes feel thin",
        "the gap",
    ]
    assert run("memo", "add", "x", "--phase", "9", code=2).startswith(
        "coder: phases are numbered 1 to 6, not 9"
    )
    assert run("memo", "list", "--kind", "jotting", code=2).startswith(
        "coder: unknown memo kind 'jotting'"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("code", "apply", "nokey:1", "x"), "coder: unknown document 'nokey'"),
        (("undo",), "coder: nothing to undo for alice"),
    ],
)
def test_user_errors_are_one_line(project, args, message):
    out = run(*args, code=2)
    assert out.startswith(message) and out.count("\n") == 1


def test_unreachable_server_is_one_line():
    out = run("codes", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", code=2)
    assert out.startswith("coder: cannot open postgresql+psycopg://nobody@127.0.0.1:1/none:")
    assert out.count("\n") == 1


def test_file_that_is_not_a_database(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("just some text, not SQLite\n" * 100)
    out = run("codes", "--db", str(bogus), code=2)
    assert out == f"coder: {bogus} is not a coder project (not an SQLite database)\n"


def test_read_only_file(tmp_path):
    path = tmp_path / "ro.db"
    run("init", "--db", str(path))
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        out = run("code", "create", "x", "--db", str(path), code=2)
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    assert out == f"coder: {path} is read-only: coder needs to write to its project file\n"


def test_missing_project_file(tmp_path):
    out = run("codes", "--db", str(tmp_path / "missing.db"), code=2)
    assert "run 'coder init' first" in out


def test_tampering_makes_verify_exit_1(project):
    import sqlite3

    run("code", "create", "risk")
    with sqlite3.connect(project / "coder.db") as conn:
        conn.execute("UPDATE code SET name = 'danger'")
    out = run("audit", "verify", code=1)
    assert out.startswith(
        "coder: audit check failed: event #1 (code.create risk) does not check out"
    )


def test_tui_without_a_terminal_is_one_line(project):
    out = run(code=2)  # a bare `coder` under CliRunner has no terminal
    assert (
        out == "coder: the workbench needs a terminal; in scripts use the commands (coder --help)\n"
    )


def test_python_dash_m_coder_is_the_same_command(tmp_path):
    """``python -m coder`` works where the ``coder`` script is not on PATH (and is how the
    TUI benchmark launches the app)."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "coder", "init", "--db", str(tmp_path / "p.db"), "--name", "m"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "created project 'm'" in out.stdout


@pytest.mark.parametrize(
    ("argv", "options"),
    [
        ([], {"db": None, "coder": None, "project": None}),
        (["--db", "a.db"], {"db": "a.db", "coder": None, "project": None}),
        (["tui", "--db=a.db", "--coder", "bob", "--project", "p"], {"db": "a.db", "coder": "bob", "project": "p"}),
        (["--project", "p"], None),  # a bare `coder` takes no --project: Typer says so
        (["tui", "--help"], None),
        (["tui", "--db"], None),
        (["tui", "--db", "--coder"], None),
        (["tui", "--db="], None),
        (["tui", "--db", "a", "--db", "b"], None),
        (["init"], None),
        (["--db", "a.db", "tui"], None),
    ],
)  # fmt: skip
def test_the_short_way_to_the_workbench_takes_only_its_own_options(argv, options):
    from coder.__main__ import tui_options

    assert tui_options(argv) == options


def test_python_dash_m_coder_tui_without_a_terminal_is_one_line(tmp_path):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "coder", "tui", "--db", str(tmp_path / "none.db")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 2
    assert (
        out.stderr
        == "coder: the workbench needs a terminal; in scripts use the commands (coder --help)\n"
    )


def test_audit_head_anchors_the_trail(project):
    run("code", "create", "risk")
    head = run("audit", "head").strip()
    seq, _, digest = head.partition(":")
    assert seq == "1" and len(digest) == 64
    assert json.loads(run("audit", "head", "--json")) == {"seq": 1, "hash": digest}
    out = run("audit", "verify", "--head", head)
    assert "the trail ends at the anchored head #1: not cut, not extended" in out
    run("code", "create", "danger")
    out = run("audit", "verify", "--head", head, code=1)
    assert out.startswith("coder: audit check failed: the trail was extended: 1 events (#2 to #2)")
    out = run("audit", "verify", "--head", "1:abc", code=2)
    assert out.count("\n") == 1 and "not a trail head" in out


def test_export_audit_gives_the_head(project):
    run("code", "create", "risk")
    result = runner.invoke(app, ["export", "audit", "-o", str(project / "audit.csv")])
    assert result.exit_code == 0, result.output
    head = run("audit", "head").strip()
    assert f"audit head {head}" in result.output
    assert (project / "audit.csv").read_text().splitlines()[-1].endswith(head.split(":")[1])


def test_renamed_coder_makes_verify_exit_1(project):
    import sqlite3

    run("code", "create", "risk", "--coder", "alice")
    with sqlite3.connect(project / "coder.db") as conn:
        conn.execute("UPDATE coder SET name = 'mallory' WHERE name = 'alice'")
    out = run("audit", "verify", code=1)
    assert "coder 1 was renamed outside coder" in out and "'mallory'" in out
