"""Documents, transcripts, attributes and queries through the CLI: what a user types."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coder.cli import app
from tests import analysis_project
from tests.makedocs import write_all

runner = CliRunner()


def run(*args: object, code: int = 0):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.exit_code, result.stdout)
    return result


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "p.db")
    run("init", "--db", path)
    return path


def test_import_every_document_kind_by_turn(db, tmp_path):
    files = write_all(tmp_path / "in")
    out = run("import", *files.values(), "--segment", "turn", "--db", db).stdout
    assert "call with Dana.vtt (vtt): 1 added" in out
    assert "evaluation report.docx (docx): 1 added" in out
    docs = json.loads(run("documents", "--json", "--db", db).stdout)
    assert {d["key"] for d in docs} >= {"call_with_dana", "evaluation_report", "supervision"}


def test_a_scanned_pdf_is_one_line_and_changes_nothing(db, tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    result = run("import", path, "--db", db, code=2)
    assert (
        result.stderr.strip()
        == f"coder: {path}: the PDF has no text layer (a scanned image?): run OCR first"
    )
    assert json.loads(run("documents", "--json", "--db", db).stdout) == []


@pytest.fixture
def project(db, tmp_path):
    from coder.services.workspace import Workspace

    ws = Workspace.open(db, "alice")
    try:
        analysis_project.build(ws, tmp_path / "in")
    finally:
        ws.close()
    return db


def test_matrix_csv_md_xlsx(project, tmp_path):
    out = run(
        "query", "matrix", "--rows", "codes", "--cols", "group", "--format", "csv", "--db", project
    ).stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [
        ["code", "mixed", "nurse", "peer worker", "(none)", "total"],
        ["pay", "0", "1", "2", "1", "4"],
        ["trust", "1", "1", "1", "0", "3"],
        ["total", "1", "2", "3", "1", "7"],
    ]
    md = run(
        "query", "matrix", "--rows", "themes", "--cols", "site", "--percent", "row", "--db", project
    ).stdout
    assert "| Working conditions | 50.0 | 50.0 | 6 |" in md
    target = tmp_path / "m.xlsx"
    run("query", "matrix", "--cols", "year", "--format", "xlsx", "-o", target, "--db", project)
    from openpyxl import load_workbook

    sheet = load_workbook(target)["matrix"]
    assert [c.value for c in sheet[1]] == ["code", "(none)", "total"]  # transcripts have no year
    bad = run("query", "matrix", "--cols", "colour", "--db", project, code=2)
    assert bad.stderr.startswith("coder: no attribute 'colour'")


def test_cell_words_kwic(project):
    out = run(
        "query",
        "cell",
        "--rows",
        "codes",
        "--row",
        "pay",
        "--cols",
        "group",
        "--value",
        "nurse",
        "--db",
        project,
    ).stdout
    assert out.strip() == "[interview_b@93-101] P2: The pay."
    words = json.loads(run("query", "words", "--json", "--db", project).stdout)
    assert words[0] == {"word": "pay", "count": 3, "texts": 3}
    kwic = run("query", "kwic", "trust*", "--db", project).stdout.splitlines()
    assert len(kwic) == 2 and "[trust]" in kwic[0] and kwic[0].endswith("interview_a (P1)")
    path = Path(run("query", "stopwords").stdout.strip())
    assert path.is_file() and "the" in path.read_text(encoding="utf-8").split()


def test_attributes_load_set_list_and_a_bad_sheet(project, tmp_path):
    listing = run("attributes", "list", "--db", project).stdout
    assert (
        "speaker   P1" in listing
        and "attributes for queries: year, journal, type, speaker, group, site" in listing
    )
    run("attributes", "set", "speaker", "P1", "group", "peer worker (lead)", "--db", project)
    shown = json.loads(
        run("attributes", "list", "--speaker", "P1", "--json", "--db", project).stdout
    )
    assert shown == [
        {"type": "speaker", "target": "P1", "name": "group", "value": "peer worker (lead)"}
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("participant,group\nP1,x\n", encoding="utf-8")
    result = run("attributes", "load", bad, "--db", project, code=2)
    assert result.stderr.startswith(f"coder: {bad}:1: the first column is 'participant'")


def test_export_themes_split_by(project, tmp_path):
    out = run("export", "themes", "--by", "group", "--format", "csv", "--db", project).stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["group", "number", "theme"]
    assert [row[0] for row in rows[1:]] == ["mixed", "nurse", "peer worker", "(none)"]
    run(
        "export",
        "themes",
        "--by",
        "group",
        "--format",
        "docx",
        "-o",
        tmp_path / "t.docx",
        "--db",
        project,
    )
    assert (tmp_path / "t.docx").stat().st_size > 0


def test_commands_are_documented():
    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "interviews.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    for command in (
        "coder attributes load", "coder attributes set", "coder attributes list",
        "coder query matrix", "coder query cell", "coder query words", "coder query kwic",
        "coder query stopwords", "coder export themes --by",
    ):  # fmt: skip
        assert command in text and command.rsplit(" ", 1)[0] in readme
