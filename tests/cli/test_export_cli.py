"""`coder export ...` and `coder import FILE.qdpx` through Typer's CliRunner."""

from __future__ import annotations

import json
import zipfile

import pytest
from typer.testing import CliRunner

from coder.cli import app
from coder.services.workspace import Workspace
from tests import golden

runner = CliRunner()


def run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The golden project in ./coder.db (the CLI's default database)."""
    monkeypatch.chdir(tmp_path)
    ws = Workspace.init(str(tmp_path / "coder.db"), "ward study", "alice")
    golden.build(ws)
    ws.close()
    return tmp_path


def test_themes_to_stdout_match_the_service_output(project):
    import io

    from coder.services.exports import export_themes

    out = run("export", "themes").stdout_bytes
    ws = Workspace.open(str(project / "coder.db"))
    expected = io.BytesIO()
    export_themes(ws, "md", expected)
    ws.close()
    assert out == expected.getvalue() and out.startswith(b"# Themes: ward study\n")
    assert run("export", "themes", "--format", "json", "-o", "-").stdout.startswith("{")


def test_writing_to_a_file_leaves_no_temporary_file(project):
    result = run("export", "codings", "--format", "json", "-o", "codings.json")
    assert "wrote codings.json" in result.output
    assert len(json.loads((project / "codings.json").read_text(encoding="utf-8"))) == 8
    assert sorted(p.name for p in project.iterdir()) == ["coder.db", "codings.json"]


def test_binary_formats_need_a_file(project):
    result = run("export", "themes", "--format", "docx", code=2)
    assert (
        result.output.strip()
        == "coder: --format docx is binary: write it to a file with -o FILE (e.g. -o themes.docx)"
    )
    run("export", "themes", "--format", "xlsx", "-o", "t.xlsx")
    assert zipfile.is_zipfile(project / "t.xlsx")


def test_unknown_format_and_missing_folder_are_one_line_errors(project):
    assert run("export", "map", "--format", "png", code=2).output.strip() == (
        "coder: unknown map format 'png': use mermaid, dot, svg"
    )
    out = run("export", "audit", "-o", "nowhere/audit.csv", code=2).output.strip()
    assert out.startswith("coder: cannot write nowhere/audit.csv: folder nowhere does not exist")


def test_svg_without_graphviz(project, monkeypatch):
    from coder.formats import thematic_map

    monkeypatch.setattr(thematic_map.shutil, "which", lambda name: None)
    out = run("export", "map", "--format", "svg", "-o", "map.svg", code=2).output
    assert (
        out.count("\n") == 1
        and "Graphviz is not installed" in out
        and "apt install graphviz" in out
    )
    assert not (project / "map.svg").exists()


def test_audit_export(project):
    lines = run("export", "audit", "--format", "jsonl").stdout.splitlines()
    seqs = [json.loads(line)["seq"] for line in lines]
    assert seqs == sorted(seqs) and seqs[0] == 1


def test_project_round_trip_through_the_cli(project):
    assert (
        run("export", "project", code=2)
        .output.strip()
        .startswith("coder: a .qdpx project is binary")
    )
    run("export", "project", "-o", "ward.qdpx")
    # A .qdpx is recognised by its content, whatever it is called.
    (project / "ward.qdpx").rename(project / "ward-backup.zip")
    run("init", "--db", "copy.db", "--coder", "carol")
    out = run("import", "ward-backup.zip", "--db", "copy.db", "--coder", "carol").stdout
    assert out.startswith("ward-backup.zip (qdpx): 4 documents added, 5 codes, 4 themes, 8 codings")
    codings = json.loads(run("export", "codings", "--format", "json", "--db", "copy.db").stdout)
    original = json.loads(run("export", "codings", "--format", "json").stdout)
    strip = [{k: v for k, v in c.items() if k != "time"} for c in original]
    assert [{k: v for k, v in c.items() if k != "time"} for c in codings] == strip


def test_a_hostile_qdpx_is_refused_in_one_line(project):
    with zipfile.ZipFile(project / "evil.qdpx", "w") as archive:
        archive.writestr("project.qde", "<Project/>")
        archive.writestr("../../escape.txt", "x")
    out = run("import", "evil.qdpx", code=2).output
    assert out == "coder: evil.qdpx: unsafe entry name '../../escape.txt' (absolute or with '..')\n"


def test_a_qdpx_in_a_folder_is_imported_as_a_project(project):
    """``coder import DIR``: a REFI-QDA project found in the folder takes the same path as
    ``coder import FILE.qdpx`` (its codes and codings come with it), a broken one is
    refused on its own, and the search exports beside them import as usual."""
    folder = project / "exports"
    (folder / "tools").mkdir(parents=True)
    run("export", "project", "-o", "exports/tools/ward.qdpx")
    with zipfile.ZipFile(folder / "evil.qdpx", "w") as archive:
        archive.writestr("project.qde", "<Project/>")
        archive.writestr("../../escape.txt", "x")
    (folder / "search.ris").write_text(
        "TY  - JOUR\nTI  - Peer work on a locked ward\nAB  - Peers helped.\nER  - \n",
        encoding="utf-8",
    )
    run("init", "--db", "copy.db", "--coder", "carol")
    out = run("import", "exports", "--db", "copy.db", "--coder", "carol").stdout
    lines = out.splitlines()
    assert lines[0].startswith("exports/evil.qdpx: refused: ") and "unsafe entry name" in lines[0]
    assert lines[1].startswith(
        "exports/tools/ward.qdpx (qdpx): 4 documents added, 5 codes, 4 themes, 8 codings"
    )
    assert "exports/search.ris (ris): 1 added, 0 exact duplicates skipped" in out
    assert "refused" not in out.split("\n", 1)[1]
    assert (
        len(json.loads(run("export", "codings", "--format", "json", "--db", "copy.db").stdout)) == 8
    )
    run("init", "--db", "json.db", "--coder", "dan")
    reports = json.loads(run("import", "exports", "--db", "json.db", "--json").stdout)
    assert [(r["file"], r["format"], bool(r.get("refused"))) for r in reports] == [
        ("exports/evil.qdpx", "qdpx", True),
        ("exports/tools/ward.qdpx", "qdpx", False),
        ("exports/search.ris", "ris", False),
    ]
