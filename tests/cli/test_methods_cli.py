"""Setting records aside and drafting the methods appendix from the command line."""

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
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CODER_NAME", "alice")
    run("init", "--name", "ward study")
    (tmp_path / "abstracts.txt").write_text(
        "Peer workers bridge the gap between us and them. Staff saw risks.\n\n"
        "Service users tread carefully around each other's distress.\n\n"
        "An editorial on funding for wards.\n",
        encoding="utf-8",
    )
    run("import", "abstracts.txt")
    return tmp_path


def keys() -> list[str]:
    return [d["key"] for d in json.loads(run("documents", "--json", "--all"))]


def test_exclude_include_and_list(project):
    first, second, third = keys()
    run("reasons", "add", "not empirical")
    run("reasons", "add", "not about peer support")
    assert run("reasons").splitlines() == ["not empirical", "not about peer support"]
    out = run("exclude", third, "--reason", "not empirical", "--note", "an editorial")
    assert out.strip() == "excluded 1 document"
    assert [d["key"] for d in json.loads(run("documents", "--json"))] == [first, second]
    [aside] = json.loads(run("documents", "--json", "--excluded"))
    assert aside["key"] == third
    assert aside["excluded"]["reason"] == "not empirical"
    assert aside["excluded"]["note"] == "an editorial"
    assert "[excluded: not empirical; an editorial]" in run("documents", "--excluded")
    assert run("include", third).strip() == "included 1 document"
    assert len(json.loads(run("documents", "--json"))) == 3
    run("undo")
    assert len(json.loads(run("documents", "--json"))) == 2
    assert "the trail is intact" in run("audit", "verify")


def test_bulk_exclusion_by_search(project):
    _first, second, _third = keys()
    run("reasons", "add", "off topic")
    dry = run("exclude", "--search", "TREAD", "--reason", "off topic", "--dry-run")
    assert dry.splitlines()[0] == second
    assert len(json.loads(run("documents", "--json"))) == 3
    assert (
        run("exclude", "--search", "e", "--reason", "off topic").strip() == "excluded 3 documents"
    )
    log = json.loads(run("audit", "log", "--json", "--limit", "1"))
    assert log[0]["action"] == "document.exclude" and log[0]["target"] == "search 'e'"


def test_mistakes_are_one_line(project):
    first = keys()[0]
    out = run("exclude", first, "--reason", "nonsense", code=2)
    assert out.startswith("coder: unknown reason 'nonsense': the project has no reasons yet")
    assert "say why" in run("exclude", first, code=2)
    assert "one of the two" in run("exclude", code=2)
    assert "no document with key 'zz'" in run("exclude", "zz", "--note", "x", code=2)
    assert "unknown methods format 'pdf'" in run("export", "methods", "--format", "pdf", code=2)
    assert "is binary" in run("export", "methods", "--format", "docx", code=2)
    assert json.loads(run("documents", "--json", "--excluded")) == []


def test_export_methods_and_flow(project):
    run("reasons", "add", "not empirical")
    run("exclude", keys()[2], "--reason", "not empirical")
    md = run("export", "methods")
    assert md.startswith("# Methods: ward study")
    assert "leaving 3 records to screen" in md and "set 1 record aside (not empirical: 1)" in md
    assert "I read" not in md and "I set 1 record aside" in md  # one coder: first person singular
    data = json.loads(run("export", "methods", "--format", "json"))
    assert data["facts"]["figures"]["included"] == 2
    assert run("export", "flow").startswith("flowchart TD")
    assert "digraph record_flow" in run("export", "flow", "--format", "dot")
    run("export", "methods", "--format", "docx", "-o", "methods.docx")
    assert (project / "methods.docx").stat().st_size > 0
    html = run("export", "methods", "--format", "html")
    assert "<h2>Appendix A. Records</h2>" in html
