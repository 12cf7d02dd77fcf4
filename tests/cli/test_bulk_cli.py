"""Bulk actions from the command line: batch coding from a CSV, autocode as one action,
one line in the audit log with its count, one undo; exports streamed to a file."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from coder.cli import app

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    return result.output


@pytest.fixture
def project(tmp_path, monkeypatch) -> str:
    monkeypatch.chdir(tmp_path)
    run("init", "--name", "ward study")
    (tmp_path / "abstracts.txt").write_text(
        "Peer workers bridge the gap between us and them. Staff saw risks.\n\n"
        "Service users tread carefully around each other's distress. Staff watch.\n",
        encoding="utf-8",
    )
    run("import", "abstracts.txt")
    run("code", "create", "us and them")
    run("code", "create", "risk")
    docs = json.loads(run("documents", "--json"))
    return docs[0]["key"]


def codings() -> int:
    return sum(c["codings"] for c in json.loads(run("codes", "--json")))


def test_apply_from_csv_is_one_action_undone_as_one(project, tmp_path):
    key = project
    (tmp_path / "batch.csv").write_text(
        "document,unit,start,end,code,memo,coder\n"
        f"{key},1,,,us and them,the gap,\n"
        f"{key},2,,,risk,,bob\n"
        f"{key},,0,11,risk,,\n"
        f"{key},,,,us and them,whole,\n",
        encoding="utf-8",
    )
    out = run("code", "apply", "--from", "batch.csv")
    assert out.strip() == "batch.csv: 4 codings applied, 0 already there"
    assert codings() == 4
    log = run("audit", "log", "--limit", "1")
    assert "code.apply" in log and "batch.csv: 4 codings" in log
    assert "the trail is intact" in run("audit", "verify")
    assert "code.apply batch.csv: 4 codings" in run("undo")
    assert codings() == 0
    run("redo")
    assert codings() == 4
    # Applying the same file again adds nothing and writes no event.
    assert "0 codings applied, 4 already there" in run("code", "apply", "--from", "batch.csv")


def test_bad_rows_are_reported_by_line_and_nothing_is_applied(project, tmp_path):
    key = project
    (tmp_path / "bad.csv").write_text(
        f"key;segment;code\n{key};1;us and them\n{key};x;risk\nnosuchkey;1;risk\n{key};1;rsik\n",
        encoding="utf-8",
    )
    out = run("code", "apply", "--from", "bad.csv", code=2)
    assert "coder: bad.csv:3: unit must be a whole number, not 'x'" in out
    assert "bad.csv:4: unknown document 'nosuchkey'" in out
    assert "bad.csv:5: unknown code 'rsik' (did you mean 'risk'?)" in out
    assert (
        out.splitlines()[-1]
        == "coder: bad.csv: 3 bad rows; nothing applied (fix them or use --skip-bad)"
    )
    assert codings() == 0
    out = run("code", "apply", "--from", "bad.csv", "--skip-bad")
    assert "1 codings applied, 0 already there, 3 bad rows skipped" in out
    assert codings() == 1


def test_a_file_without_the_needed_columns_is_one_line(project, tmp_path):
    (tmp_path / "x.csv").write_text("title,label\na,b\n", encoding="utf-8")
    out = run("code", "apply", "--from", "x.csv", code=2)
    assert out.startswith("coder: x.csv:1: no 'document' or 'code' column") and out.count("\n") == 1


def test_apply_needs_a_unit_and_code_or_a_file(project):
    assert "give DOC_KEY" in run("code", "apply", code=2)


def test_autocode_is_one_logged_action_with_its_count(project):
    before = len(json.loads(run("audit", "log", "--json")))
    out = run("autocode", "risk", "--query", "staff")
    assert "applied 'risk' to 2 new" in out
    log = json.loads(run("audit", "log", "--json"))
    assert len(log) == before + 1
    assert (log[0]["action"], log[0]["target"]) == ("autocode", "'risk': 2 codings")
    run("undo")
    assert codings() == 0


def test_codings_export_to_a_file_matches_stdout(project, tmp_path):
    run("autocode", "risk", "--query", "staff")
    printed = run("export", "codings", "--format", "csv")
    run("export", "codings", "--format", "csv", "-o", "codings.csv")
    assert (tmp_path / "codings.csv").read_text(encoding="utf-8") == printed
    data = json.loads(run("export", "codings", "--format", "json"))
    assert [d["code"] for d in data] == ["risk", "risk"]


def test_merge_is_one_logged_action_undone_and_redone_as_one(project, tmp_path):
    bob = ["--db", "bob.db", "--coder", "bob"]
    run("init", "--name", "ward study", *bob)
    run("import", "abstracts.txt", *bob)
    run("code", "create", "risk", *bob)
    run("code", "create", "hope", *bob)
    run("autocode", "risk", "--query", "staff", *bob)
    run("code", "apply", f"{project}:1", "hope", *bob)
    before = len(json.loads(run("audit", "log", "--json")))

    out = run("merge", "bob.db")
    assert "━" not in out  # piped: no progress bar
    log = json.loads(run("audit", "log", "--json"))
    assert len(log) == before + 1
    assert log[0]["action"] == "merge"
    assert log[0]["target"].startswith("bob.db: 1 code, 3 codings, 0 memos")
    assert codings() == 3
    assert "the trail is intact" in run("audit", "verify")
    assert "merge bob.db: 1 code, 3 codings" in run("undo")
    assert codings() == 0
    assert "the trail is intact" in run("audit", "verify")
    run("redo")
    assert codings() == 3
    assert "the trail is intact" in run("audit", "verify")
